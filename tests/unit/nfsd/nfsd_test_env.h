// Test environment for nfsd: a temporary directory exported through the
// real posix layer, the NFS and MOUNT programs, and calls made through
// Dispatch with xdrmem-encoded arguments, as rpc/ would make them.
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "layers/forwarding_layer.h"
#include "layers/registry.h"
#include "nfsd/export.h"
#include "nfsd/mount_program.h"
#include "nfsd/mount_prot.h"
#include "nfsd/nfs3_program.h"
#include "nfsd/nfs3_prot.h"
#include "rpc/program.h"
#include "tests/unit/nfsd/memory_layer.h"
#include "tests/unit/nfsd/xdr_test_util.h"

namespace loopfs::nfsd::testing {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/loopfs-nfsd-test-XXXXXX";
    if (mkdtemp(tmpl) != nullptr) path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A layer that misbehaves on request, stacked on a base layer, for the paths
// a healthy layer never takes.  Params (numbers are nfsstat3 values, 0 or
// absent: behave): "getattr_status", "write_status", "commit_status";
// "read_without_attr" = "1": READ returns no attributes.
class FaultLayer : public ForwardingLayer {
 public:
  FaultLayer(std::unique_ptr<Layer> lower, const LayerParams& params)
      : ForwardingLayer(std::move(lower)),
        getattr_status_(Number(params, "getattr_status")),
        write_status_(Number(params, "write_status")),
        commit_status_(Number(params, "commit_status")),
        read_without_attr_(Number(params, "read_without_attr") == 1) {}
  std::string_view type() const override { return "fault"; }
  Status GetAttr(const RequestContext& ctx, const NodeHandle& fh, Attr* attr) override {
    if (getattr_status_ != 0) return static_cast<Nfsstat3>(getattr_status_);
    return ForwardingLayer::GetAttr(ctx, fh, attr);
  }
  Status Read(const RequestContext& ctx, const NodeHandle& fh, uint64_t offset,
              std::span<uint8_t> buf, ReadRes* res) override {
    Status st = ForwardingLayer::Read(ctx, fh, offset, buf, res);
    if (read_without_attr_) res->attr.reset();
    return st;
  }
  Status Write(const RequestContext& ctx, const NodeHandle& fh, uint64_t offset,
               std::span<const uint8_t> data, StableHow stable, WriteRes* res) override {
    if (write_status_ != 0) return static_cast<Nfsstat3>(write_status_);
    return ForwardingLayer::Write(ctx, fh, offset, data, stable, res);
  }
  Status Commit(const RequestContext& ctx, const NodeHandle& fh, uint64_t offset, uint32_t count,
                CommitRes* res) override {
    if (commit_status_ != 0) return static_cast<Nfsstat3>(commit_status_);
    return ForwardingLayer::Commit(ctx, fh, offset, count, res);
  }

 private:
  static uint32_t Number(const LayerParams& params, const std::string& key) {
    const std::string* v = params.Find(key);
    return v == nullptr ? 0 : static_cast<uint32_t>(std::stoul(*v));
  }

  uint32_t getattr_status_;
  uint32_t write_status_;
  uint32_t commit_status_;
  bool read_without_attr_;
};

class TestRegistry {
 public:
  TestRegistry() {
    RegisterBuiltinLayers(registry_);
    registry_.Register("fault",
                       [](const LayerParams& params, std::unique_ptr<Layer> lower,
                          std::string* error) -> std::unique_ptr<Layer> {
                         if (!lower) {
                           *error = "fault must be stacked on another layer";
                           return nullptr;
                         }
                         return std::make_unique<FaultLayer>(std::move(lower), params);
                       });
    registry_.Register("memory",
                       [](const LayerParams& params, std::unique_ptr<Layer> lower,
                          std::string* error) -> std::unique_ptr<Layer> {
                         if (lower) {
                           *error = "memory is a base layer";
                           return nullptr;
                         }
                         for (const auto& [key, value] : params.values()) {
                           if (key != "root" && key != "root_mode") {
                             *error = "key \"" + key + "\": unknown";
                             return nullptr;
                           }
                         }
                         auto layer = std::make_unique<MemoryLayer>();
                         if (const std::string* mode = params.Find("root_mode")) {
                           layer->SetRootMode(static_cast<uint32_t>(std::stoul(*mode, nullptr, 8)));
                         }
                         return layer;
                       });
  }
  LayerRegistry& get() { return registry_; }

 private:
  LayerRegistry registry_;
};

// An export of one base layer: "posix" over root, or "memory" (root unused).
inline ExportConfig BaseExport(const std::string& type, const std::string& path,
                               const std::string& root, ExportOptions options = {},
                               std::map<std::string, std::string> extra = {}) {
  ExportConfig c;
  c.path = path;
  c.options = options;
  extra["root"] = root;
  c.layers.emplace_back(type, std::move(extra), "test");
  c.origin = "test";
  return c;
}

inline ExportConfig MemoryExport(const std::string& path, ExportOptions options = {}) {
  return BaseExport("memory", path, "", options);
}

// Decoded result that frees itself.
template <typename R, bool_t (*Fn)(XDR*, R*)>
struct Decoded {
  R v{};
  Decoded() = default;
  ~Decoded() { XdrFree(Fn, &v); }
  Decoded(const Decoded&) = delete;
  Decoded& operator=(const Decoded&) = delete;
  R* operator->() { return &v; }
  R* get() { return &v; }
};

// Who calls, from where.
struct Caller {
  uint16_t port = 800;  // reserved
  int64_t owner_uid = -1;
  rpc::AuthFlavor flavor = rpc::AuthFlavor::kSys;
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::vector<uint32_t> gids;
  bool ipv6 = false;
};

struct RawReply {
  rpc::DispatchStatus status = rpc::DispatchStatus::kSystemErr;
  std::vector<uint8_t> body;
};

class Server {
 public:
  static constexpr size_t kReplyRoom = 3 << 20;

  explicit Server(std::vector<ExportConfig> configs, std::string* error = nullptr)
      : key_(MakeKey()) {
    std::string err;
    auto table = ExportTable::Build(configs, registry_.get(), &err);
    if (!table && error != nullptr) *error = err;
    EXPECT_TRUE(table) << err;
    holder_ = std::make_shared<ExportTableHolder>(table);
    nfs_ = std::make_unique<Nfs3Program>(holder_, key_);
    mount_ = std::make_unique<MountProgram>(holder_, key_);
  }

  static HandleKey MakeKey() {
    HandleKey k;
    for (size_t i = 0; i < k.size(); ++i) k[i] = static_cast<uint8_t>(0x5a ^ i);
    return k;
  }

  Nfs3Program& nfs() { return *nfs_; }
  MountProgram& mount() { return *mount_; }
  const HandleKey& key() const { return key_; }
  ExportTableHolder& holder() { return *holder_; }
  LayerRegistry& registry() { return registry_.get(); }

  RawReply CallRaw(rpc::Program& prog, uint32_t vers, uint32_t proc,
                   const std::vector<uint8_t>& args, const Caller& who = {}) {
    rpc::Peer peer;
    peer.port = who.port;
    peer.owner_uid = who.owner_uid;
    if (who.ipv6) {
      auto* sin6 = reinterpret_cast<sockaddr_in6*>(&peer.addr);
      sin6->sin6_family = AF_INET6;
      sin6->sin6_addr = in6addr_loopback;
      sin6->sin6_port = htons(who.port);
      peer.addr_len = sizeof(sockaddr_in6);
    } else {
      auto* sin = reinterpret_cast<sockaddr_in*>(&peer.addr);
      sin->sin_family = AF_INET;
      sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      sin->sin_port = htons(who.port);
      peer.addr_len = sizeof(sockaddr_in);
    }
    rpc::CallInfo call;
    call.xid = ++xid_;
    call.prog = prog.number();
    call.vers = vers;
    call.proc = proc;
    call.flavor = who.flavor;
    call.sys.uid = who.uid;
    call.sys.gid = who.gid;
    call.sys.machine = "testhost";
    call.sys.ngids = static_cast<uint32_t>(who.gids.size());
    for (size_t i = 0; i < who.gids.size() && i < 16; ++i) call.sys.gids[i] = who.gids[i];
    call.peer = &peer;
    call.deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);

    std::vector<uint8_t> in = args;  // xdrmem wants a mutable buffer
    XDR ax;
    xdrmem_create(&ax, reinterpret_cast<char*>(in.data()), static_cast<u_int>(in.size()),
                  XDR_DECODE);
    RawReply reply;
    // One buffer for all calls: clearing megabytes per call would dominate
    // the garbage tests' thousands of calls.
    if (room_.empty()) room_.resize(kReplyRoom);
    XDR rx;
    xdrmem_create(&rx, reinterpret_cast<char*>(room_.data()), static_cast<u_int>(room_.size()),
                  XDR_ENCODE);
    reply.status = prog.Dispatch(call, &ax, &rx);
    reply.body.assign(room_.begin(), room_.begin() + xdr_getpos(&rx));
    xdr_destroy(&ax);
    xdr_destroy(&rx);
    return reply;
  }

  // Calls NFS procedure proc with args; decodes the result into *out when
  // the call succeeded at the RPC level.
  template <typename A, typename R>
  rpc::DispatchStatus Nfs(uint32_t proc, bool_t (*enc)(XDR*, A*), A* args, bool_t (*dec)(XDR*, R*),
                          R* out, const Caller& who = {}) {
    std::vector<uint8_t> bytes = XdrEncode(enc, args, 2 << 20);
    EXPECT_FALSE(bytes.empty()) << "arguments did not encode";
    RawReply r = CallRaw(nfs(), 3, proc, bytes, who);
    if (r.status == rpc::DispatchStatus::kSuccess) {
      EXPECT_TRUE(XdrDecode(dec, r.body, out))
          << "reply of procedure " << proc << " did not decode exactly";
    }
    return r.status;
  }

  // MNT v3 of path; returns the handle (empty on failure) and the status.
  std::vector<uint8_t> Mount(const std::string& path, mountstat3* status = nullptr,
                             const Caller& who = {}) {
    std::string p = path;
    dirpath dp = p.data();
    RawReply r = CallRaw(mount(), 3, MOUNTPROC3_MNT, XdrEncode(xdr_dirpath, &dp), who);
    std::vector<uint8_t> fh;
    Decoded<mountres3, xdr_mountres3> res;
    if (r.status != rpc::DispatchStatus::kSuccess || !XdrDecode(xdr_mountres3, r.body, res.get())) {
      if (status != nullptr) *status = MNT3ERR_SERVERFAULT;
      return fh;
    }
    if (status != nullptr) *status = res->fhs_status;
    if (res->fhs_status == MNT3_OK) {
      const fhandle3& h = res->mountres3_u.mountinfo.fhandle;
      fh.assign(h.fhandle3_val, h.fhandle3_val + h.fhandle3_len);
    }
    return fh;
  }

 private:
  TestRegistry registry_;
  HandleKey key_;
  std::shared_ptr<ExportTableHolder> holder_;
  std::unique_ptr<Nfs3Program> nfs_;
  std::unique_ptr<MountProgram> mount_;
  uint32_t xid_ = 0;
  std::vector<uint8_t> room_;
};

// An nfs_fh3 over bytes (which must outlive it).
inline nfs_fh3 Fh(std::vector<uint8_t>& bytes) {
  nfs_fh3 fh{};
  fh.data.data_len = static_cast<u_int>(bytes.size());
  fh.data.data_val = reinterpret_cast<char*>(bytes.data());
  return fh;
}

inline filename3 Fname(std::string& s) { return filename3{static_cast<u_int>(s.size()), s.data()}; }

inline std::vector<uint8_t> FhBytes(const nfs_fh3& fh) {
  return {fh.data.data_val, fh.data.data_val + fh.data.data_len};
}

}  // namespace loopfs::nfsd::testing
