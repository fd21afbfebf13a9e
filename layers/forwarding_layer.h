// ForwardingLayer passes every operation to the layer below it unchanged, so
// a stacked layer overrides only what it changes (LevelDB's EnvWrapper,
// Ganesha's FSAL_NULL).
#pragma once

#include <memory>
#include <utility>

#include "layers/layer.h"

namespace loopfs {

class ForwardingLayer : public Layer {
 public:
  explicit ForwardingLayer(std::unique_ptr<Layer> lower) : lower_(std::move(lower)) {}

  Layer* lower() const { return lower_.get(); }

  Status Root(const RequestContext& ctx, NodeHandle* root) override {
    return lower_->Root(ctx, root);
  }
  Status GetAttr(const RequestContext& ctx, const NodeHandle& fh, Attr* attr) override {
    return lower_->GetAttr(ctx, fh, attr);
  }
  Status SetAttr(const RequestContext& ctx, const NodeHandle& fh, const SetAttrArgs& args,
                 const std::optional<NfsTime>& guard_ctime, Wcc* wcc) override {
    return lower_->SetAttr(ctx, fh, args, guard_ctime, wcc);
  }
  Status Lookup(const RequestContext& ctx, const NodeHandle& dir, std::string_view name,
                LookupRes* res) override {
    return lower_->Lookup(ctx, dir, name, res);
  }
  Status Access(const RequestContext& ctx, const NodeHandle& fh, uint32_t access,
                AccessRes* res) override {
    return lower_->Access(ctx, fh, access, res);
  }
  Status ReadLink(const RequestContext& ctx, const NodeHandle& fh, ReadLinkRes* res) override {
    return lower_->ReadLink(ctx, fh, res);
  }
  Status Read(const RequestContext& ctx, const NodeHandle& fh, uint64_t offset,
              std::span<uint8_t> buf, ReadRes* res) override {
    return lower_->Read(ctx, fh, offset, buf, res);
  }
  Status Write(const RequestContext& ctx, const NodeHandle& fh, uint64_t offset,
               std::span<const uint8_t> data, StableHow stable, WriteRes* res) override {
    return lower_->Write(ctx, fh, offset, data, stable, res);
  }
  Status Commit(const RequestContext& ctx, const NodeHandle& fh, uint64_t offset, uint32_t count,
                CommitRes* res) override {
    return lower_->Commit(ctx, fh, offset, count, res);
  }
  Status Create(const RequestContext& ctx, const NodeHandle& dir, std::string_view name,
                CreateMode mode, const SetAttrArgs& args, const CreateVerifier& verf,
                CreateRes* res) override {
    return lower_->Create(ctx, dir, name, mode, args, verf, res);
  }
  Status MkDir(const RequestContext& ctx, const NodeHandle& dir, std::string_view name,
               const SetAttrArgs& args, CreateRes* res) override {
    return lower_->MkDir(ctx, dir, name, args, res);
  }
  Status SymLink(const RequestContext& ctx, const NodeHandle& dir, std::string_view name,
                 std::string_view target, const SetAttrArgs& args, CreateRes* res) override {
    return lower_->SymLink(ctx, dir, name, target, args, res);
  }
  Status MkNod(const RequestContext& ctx, const NodeHandle& dir, std::string_view name,
               FileType type, const SetAttrArgs& args, uint32_t rdev_major, uint32_t rdev_minor,
               CreateRes* res) override {
    return lower_->MkNod(ctx, dir, name, type, args, rdev_major, rdev_minor, res);
  }
  Status Remove(const RequestContext& ctx, const NodeHandle& dir, std::string_view name,
                RemoveRes* res) override {
    return lower_->Remove(ctx, dir, name, res);
  }
  Status RmDir(const RequestContext& ctx, const NodeHandle& dir, std::string_view name,
               RemoveRes* res) override {
    return lower_->RmDir(ctx, dir, name, res);
  }
  Status Rename(const RequestContext& ctx, const NodeHandle& from_dir, std::string_view from_name,
                const NodeHandle& to_dir, std::string_view to_name, RenameRes* res) override {
    return lower_->Rename(ctx, from_dir, from_name, to_dir, to_name, res);
  }
  Status Link(const RequestContext& ctx, const NodeHandle& fh, const NodeHandle& dir,
              std::string_view name, LinkRes* res) override {
    return lower_->Link(ctx, fh, dir, name, res);
  }
  Status ReadDir(const RequestContext& ctx, const NodeHandle& dir, uint64_t cookie,
                 const CookieVerifier& verf, bool plus, DirSink& sink, ReadDirRes* res) override {
    return lower_->ReadDir(ctx, dir, cookie, verf, plus, sink, res);
  }
  Status FsStat(const RequestContext& ctx, const NodeHandle& fh, FsStatRes* res) override {
    return lower_->FsStat(ctx, fh, res);
  }
  Status FsInfo(const RequestContext& ctx, const NodeHandle& fh, FsInfoRes* res) override {
    return lower_->FsInfo(ctx, fh, res);
  }
  Status PathConf(const RequestContext& ctx, const NodeHandle& fh, PathConfRes* res) override {
    return lower_->PathConf(ctx, fh, res);
  }

 private:
  std::unique_ptr<Layer> lower_;
};

}  // namespace loopfs
