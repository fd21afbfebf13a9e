// trace: a stacked layer that logs every operation with its arguments, its
// status and its latency, e.g.
//
//   trace: LOOKUP dir=0108e8030000b04d1c name=foo -> NFS3_OK 12us
//
// It is written as a third party would write a layer: a ForwardingLayer
// that overrides every operation to time the call below it, registered from
// a plugin's entry point.  Config:
//   layers = [ { type = "trace" }, { type = "posix", root = "/srv" } ]
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <memory>
#include <string>

#include "layers/forwarding_layer.h"
#include "layers/plugin_abi.h"

namespace loopfs_example {

using loopfs::NodeHandle;
using loopfs::Status;

// Handle bytes in hex, as knfsd's traces print them.
std::string Hex(const NodeHandle& h) {
  std::string out;
  out.reserve(2 * h.size);
  for (uint8_t b : h.bytes()) fmt::format_to(std::back_inserter(out), "{:02x}", b);
  return out;
}

// Times one call below and logs it when done.
class Span {
 public:
  Span(std::string_view proc, std::string args) : proc_(proc), args_(std::move(args)) {}
  Status Done(Status s) const {
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                  std::chrono::steady_clock::now() - start_)
                  .count();
    spdlog::info("trace: {} {} -> {} {}us", proc_, args_, loopfs::StatusName(s), us);
    return s;
  }

 private:
  std::string_view proc_;
  std::string args_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

class TraceLayer final : public loopfs::ForwardingLayer {
 public:
  using ForwardingLayer::ForwardingLayer;
  using RequestContext = loopfs::RequestContext;

  std::string_view type() const override { return "trace"; }

  Status Root(const RequestContext& ctx, NodeHandle* root) override {
    Span span("ROOT", "");
    return span.Done(lower()->Root(ctx, root));
  }
  Status GetAttr(const RequestContext& ctx, const NodeHandle& fh, loopfs::Attr* attr) override {
    Span span("GETATTR", fmt::format("fh={}", Hex(fh)));
    return span.Done(lower()->GetAttr(ctx, fh, attr));
  }
  Status SetAttr(const RequestContext& ctx, const NodeHandle& fh, const loopfs::SetAttrArgs& args,
                 const std::optional<loopfs::NfsTime>& guard, loopfs::Wcc* wcc) override {
    Span span("SETATTR", fmt::format("fh={}", Hex(fh)));
    return span.Done(lower()->SetAttr(ctx, fh, args, guard, wcc));
  }
  Status Lookup(const RequestContext& ctx, const NodeHandle& dir, std::string_view name,
                loopfs::LookupRes* res) override {
    Span span("LOOKUP", fmt::format("dir={} name={}", Hex(dir), name));
    return span.Done(lower()->Lookup(ctx, dir, name, res));
  }
  Status Access(const RequestContext& ctx, const NodeHandle& fh, uint32_t access,
                loopfs::AccessRes* res) override {
    Span span("ACCESS", fmt::format("fh={} access={:#x}", Hex(fh), access));
    return span.Done(lower()->Access(ctx, fh, access, res));
  }
  Status ReadLink(const RequestContext& ctx, const NodeHandle& fh,
                  loopfs::ReadLinkRes* res) override {
    Span span("READLINK", fmt::format("fh={}", Hex(fh)));
    return span.Done(lower()->ReadLink(ctx, fh, res));
  }
  Status Read(const RequestContext& ctx, const NodeHandle& fh, uint64_t offset,
              std::span<uint8_t> buf, loopfs::ReadRes* res) override {
    Span span("READ", fmt::format("fh={} offset={} count={}", Hex(fh), offset, buf.size()));
    return span.Done(lower()->Read(ctx, fh, offset, buf, res));
  }
  Status Write(const RequestContext& ctx, const NodeHandle& fh, uint64_t offset,
               std::span<const uint8_t> data, loopfs::StableHow stable,
               loopfs::WriteRes* res) override {
    Span span("WRITE", fmt::format("fh={} offset={} count={} stable={}", Hex(fh), offset,
                                   data.size(), static_cast<int>(stable)));
    return span.Done(lower()->Write(ctx, fh, offset, data, stable, res));
  }
  Status Commit(const RequestContext& ctx, const NodeHandle& fh, uint64_t offset, uint32_t count,
                loopfs::CommitRes* res) override {
    Span span("COMMIT", fmt::format("fh={} offset={} count={}", Hex(fh), offset, count));
    return span.Done(lower()->Commit(ctx, fh, offset, count, res));
  }
  Status Create(const RequestContext& ctx, const NodeHandle& dir, std::string_view name,
                loopfs::CreateMode mode, const loopfs::SetAttrArgs& args,
                const loopfs::CreateVerifier& verf, loopfs::CreateRes* res) override {
    Span span("CREATE",
              fmt::format("dir={} name={} mode={}", Hex(dir), name, static_cast<int>(mode)));
    return span.Done(lower()->Create(ctx, dir, name, mode, args, verf, res));
  }
  Status MkDir(const RequestContext& ctx, const NodeHandle& dir, std::string_view name,
               const loopfs::SetAttrArgs& args, loopfs::CreateRes* res) override {
    Span span("MKDIR", fmt::format("dir={} name={}", Hex(dir), name));
    return span.Done(lower()->MkDir(ctx, dir, name, args, res));
  }
  Status SymLink(const RequestContext& ctx, const NodeHandle& dir, std::string_view name,
                 std::string_view target, const loopfs::SetAttrArgs& args,
                 loopfs::CreateRes* res) override {
    Span span("SYMLINK", fmt::format("dir={} name={} target={}", Hex(dir), name, target));
    return span.Done(lower()->SymLink(ctx, dir, name, target, args, res));
  }
  Status MkNod(const RequestContext& ctx, const NodeHandle& dir, std::string_view name,
               loopfs::FileType type, const loopfs::SetAttrArgs& args, uint32_t major,
               uint32_t minor, loopfs::CreateRes* res) override {
    Span span("MKNOD",
              fmt::format("dir={} name={} type={}", Hex(dir), name, static_cast<int>(type)));
    return span.Done(lower()->MkNod(ctx, dir, name, type, args, major, minor, res));
  }
  Status Remove(const RequestContext& ctx, const NodeHandle& dir, std::string_view name,
                loopfs::RemoveRes* res) override {
    Span span("REMOVE", fmt::format("dir={} name={}", Hex(dir), name));
    return span.Done(lower()->Remove(ctx, dir, name, res));
  }
  Status RmDir(const RequestContext& ctx, const NodeHandle& dir, std::string_view name,
               loopfs::RemoveRes* res) override {
    Span span("RMDIR", fmt::format("dir={} name={}", Hex(dir), name));
    return span.Done(lower()->RmDir(ctx, dir, name, res));
  }
  Status Rename(const RequestContext& ctx, const NodeHandle& from_dir, std::string_view from_name,
                const NodeHandle& to_dir, std::string_view to_name,
                loopfs::RenameRes* res) override {
    Span span("RENAME", fmt::format("from={} name={} to={} name={}", Hex(from_dir), from_name,
                                    Hex(to_dir), to_name));
    return span.Done(lower()->Rename(ctx, from_dir, from_name, to_dir, to_name, res));
  }
  Status Link(const RequestContext& ctx, const NodeHandle& fh, const NodeHandle& dir,
              std::string_view name, loopfs::LinkRes* res) override {
    Span span("LINK", fmt::format("fh={} dir={} name={}", Hex(fh), Hex(dir), name));
    return span.Done(lower()->Link(ctx, fh, dir, name, res));
  }
  Status ReadDir(const RequestContext& ctx, const NodeHandle& dir, uint64_t cookie,
                 const loopfs::CookieVerifier& verf, bool plus, loopfs::DirSink& sink,
                 loopfs::ReadDirRes* res) override {
    Span span(plus ? "READDIRPLUS" : "READDIR", fmt::format("dir={} cookie={}", Hex(dir), cookie));
    return span.Done(lower()->ReadDir(ctx, dir, cookie, verf, plus, sink, res));
  }
  Status FsStat(const RequestContext& ctx, const NodeHandle& fh, loopfs::FsStatRes* res) override {
    Span span("FSSTAT", fmt::format("fh={}", Hex(fh)));
    return span.Done(lower()->FsStat(ctx, fh, res));
  }
  Status FsInfo(const RequestContext& ctx, const NodeHandle& fh, loopfs::FsInfoRes* res) override {
    Span span("FSINFO", fmt::format("fh={}", Hex(fh)));
    return span.Done(lower()->FsInfo(ctx, fh, res));
  }
  Status PathConf(const RequestContext& ctx, const NodeHandle& fh,
                  loopfs::PathConfRes* res) override {
    Span span("PATHCONF", fmt::format("fh={}", Hex(fh)));
    return span.Done(lower()->PathConf(ctx, fh, res));
  }
};

std::unique_ptr<loopfs::Layer> MakeTraceLayer(const loopfs::LayerParams& params,
                                              std::unique_ptr<loopfs::Layer> lower,
                                              std::string* error) {
  if (!lower) {
    *error = "trace is a stacked layer: list another layer below it";
    return nullptr;
  }
  if (!params.values().empty()) {
    *error = fmt::format("unknown key \"{}\" (trace takes none)", params.values().begin()->first);
    return nullptr;
  }
  return std::make_unique<TraceLayer>(std::move(lower));
}

}  // namespace loopfs_example

LOOPFS_LAYER_PLUGIN_ABI();

extern "C" __attribute__((visibility("default"))) int loopfs_layer_plugin_init(
    uint32_t abi_version, loopfs::LayerRegistry* registry) {
  if (abi_version != LOOPFS_LAYER_ABI_VERSION) return 1;
  return registry->Register("trace", loopfs_example::MakeTraceLayer) ? 0 : 2;
}
