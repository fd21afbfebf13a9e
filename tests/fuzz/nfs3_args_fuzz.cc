// libFuzzer target: the NFSv3 argument decoders and procedures.
//
// Input: byte 0 picks the procedure (mod 22); byte 1 holds flags (bit 0: put
// the export's root handle in front of the arguments, so inputs get past the
// handle check; bit 1: call from an unreserved port; bit 2: AUTH_NONE); the
// rest are the argument bytes.  Each input is decoded by the procedure's
// rpcgen decoder alone, then served through Nfs3Program::Dispatch over an
// in-memory layer (no file system is touched).
#include <spdlog/spdlog.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "layers/registry.h"
#include "nfsd/export.h"
#include "nfsd/mount_program.h"
#include "nfsd/nfs3_program.h"
#include "nfsd/nfs3_prot.h"
#include "tests/unit/nfsd/memory_layer.h"

namespace {

using loopfs::nfsd::ExportConfig;

struct Env {
  Env() {
    spdlog::set_level(spdlog::level::off);
    registry.Register("memory",
                      [](const loopfs::LayerParams&, std::unique_ptr<loopfs::Layer>,
                         std::string*) -> std::unique_ptr<loopfs::Layer> {
                        auto layer = std::make_unique<loopfs::nfsd::testing::MemoryLayer>();
                        layer->SetRootMode(0777);
                        return layer;
                      });
    ExportConfig c;
    c.path = "/";
    c.options.insecure = true;
    c.options.root_squash = false;
    c.layers.emplace_back("memory", std::map<std::string, std::string>{}, "fuzz");
    std::string err;
    holder = std::make_shared<loopfs::nfsd::ExportTableHolder>(
        loopfs::nfsd::ExportTable::Build({c}, registry, &err));
    for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<uint8_t>(i * 7);
    nfs = std::make_unique<loopfs::nfsd::Nfs3Program>(holder, key);
    const loopfs::nfsd::Export* exp = holder->Get()->FindForMount("/", nullptr);
    loopfs::NodeHandle node;
    if (exp == nullptr || !exp->stack->Root(loopfs::RequestContext{}, &node).ok()) abort();
    loopfs::nfsd::WireHandle w = loopfs::nfsd::EncodeFileHandle(key, exp->id, 0, node);
    root_fh.resize(4 + ((w.size + 3u) & ~3u));
    root_fh[3] = w.size;
    std::memcpy(root_fh.data() + 4, w.data.data(), w.size);
    reply.resize(3 << 20);
  }

  loopfs::LayerRegistry registry;
  loopfs::nfsd::HandleKey key{};
  std::shared_ptr<loopfs::nfsd::ExportTableHolder> holder;
  std::unique_ptr<loopfs::nfsd::Nfs3Program> nfs;
  std::vector<uint8_t> root_fh;  // XDR nfs_fh3 of the root
  std::vector<uint8_t> reply;
};

template <typename T>
void DecodeOnly(bool_t (*fn)(XDR*, T*), std::vector<uint8_t>& bytes) {
  T value{};
  XDR x;
  xdrmem_create(&x, reinterpret_cast<char*>(bytes.data()), static_cast<u_int>(bytes.size()),
                XDR_DECODE);
  fn(&x, &value);
  xdr_destroy(&x);
  xdr_free(reinterpret_cast<xdrproc_t>(fn), reinterpret_cast<char*>(&value));
}

void DecodeArgs(uint32_t proc, std::vector<uint8_t>& bytes) {
  switch (proc) {  // NOLINT(bugprone-branch-clone): each branch decodes another type
    case 1:
      return DecodeOnly(xdr_GETATTR3args, bytes);
    case 2:
      return DecodeOnly(xdr_SETATTR3args, bytes);
    case 3:
      return DecodeOnly(xdr_LOOKUP3args, bytes);
    case 4:
      return DecodeOnly(xdr_ACCESS3args, bytes);
    case 5:
      return DecodeOnly(xdr_READLINK3args, bytes);
    case 6:
      return DecodeOnly(xdr_READ3args, bytes);
    case 7:
      return DecodeOnly(xdr_WRITE3args, bytes);
    case 8:
      return DecodeOnly(xdr_CREATE3args, bytes);
    case 9:
      return DecodeOnly(xdr_MKDIR3args, bytes);
    case 10:
      return DecodeOnly(xdr_SYMLINK3args, bytes);
    case 11:
      return DecodeOnly(xdr_MKNOD3args, bytes);
    case 12:
      return DecodeOnly(xdr_REMOVE3args, bytes);
    case 13:
      return DecodeOnly(xdr_RMDIR3args, bytes);
    case 14:
      return DecodeOnly(xdr_RENAME3args, bytes);
    case 15:
      return DecodeOnly(xdr_LINK3args, bytes);
    case 16:
      return DecodeOnly(xdr_READDIR3args, bytes);
    case 17:
      return DecodeOnly(xdr_READDIRPLUS3args, bytes);
    case 18:
      return DecodeOnly(xdr_FSSTAT3args, bytes);
    case 19:
      return DecodeOnly(xdr_FSINFO3args, bytes);
    case 20:
      return DecodeOnly(xdr_PATHCONF3args, bytes);
    case 21:
      return DecodeOnly(xdr_COMMIT3args, bytes);
    default:
      return;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Env* env = new Env();  // lives for the process; reachable, so not a leak
  if (size < 2 || size > (2u << 20)) return 0;
  const uint32_t proc = data[0] % 22;
  const uint8_t flags = data[1];
  std::vector<uint8_t> args;
  if (flags & 1) args = env->root_fh;
  args.insert(args.end(), data + 2, data + size);

  DecodeArgs(proc, args);

  loopfs::rpc::Peer peer;
  peer.port = (flags & 2) ? 40000 : 800;
  peer.addr.ss_family = AF_INET;
  loopfs::rpc::CallInfo call;
  call.prog = 100003;
  call.vers = 3;
  call.proc = proc;
  call.flavor = (flags & 4) ? loopfs::rpc::AuthFlavor::kNone : loopfs::rpc::AuthFlavor::kSys;
  call.peer = &peer;
  XDR ax, rx;
  xdrmem_create(&ax, reinterpret_cast<char*>(args.data()), static_cast<u_int>(args.size()),
                XDR_DECODE);
  xdrmem_create(&rx, reinterpret_cast<char*>(env->reply.data()),
                static_cast<u_int>(env->reply.size()), XDR_ENCODE);
  env->nfs->Dispatch(call, &ax, &rx);
  xdr_destroy(&ax);
  xdr_destroy(&rx);
  return 0;
}
