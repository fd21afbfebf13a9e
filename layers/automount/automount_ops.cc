// The automount layer's NFS operations: those on the automount directory answer from the map;
// those on an entry attach it (entry_table.h) and forward to its stack, translating handles
// and fileids both ways (automount_handle.h).
#include <spdlog/spdlog.h>

#include "layers/automount/automount_handle.h"
#include "layers/automount/automount_layer.h"

namespace loopfs::automount {

// One call's view of its handle: which entry, that entry's handle, and a lease that keeps the
// entry attached until the call ends.
struct AutomountLayer::Target {
  HandleKind kind = HandleKind::kRoot;
  uint64_t key_id = 0;
  std::string key;
  EntryTable::Lease lease;
  NodeHandle inner;
  RequestContext ctx;  // the caller's, read-only for ro entries

  bool is_root() const { return kind == HandleKind::kRoot; }
  Layer* layer() const { return lease.attached().layer.get(); }

  uint64_t Fileid(uint64_t inner_fileid) const {
    return inner_fileid == lease.attached().inner_root_fileid ? EntryRootFileid(key_id)
                                                              : MixFileid(key_id, inner_fileid);
  }
  void Fix(Attr* a) const { a->fileid = Fileid(a->fileid); }
  void Fix(std::optional<Attr>* a) const {
    if (*a) Fix(&**a);
  }
  void Fix(Wcc* w) const { Fix(&w->after); }
  // The handle clients get for an object of this entry.  False (logged) if the entry
  // layer's handle is too long to carry.
  bool Wrap(const NodeHandle& in, NodeHandle* out) const {
    if (in == lease.attached().inner_root) {
      *out = EntryRootHandle(key_id);
      return true;
    }
    if (InnerHandle(key_id, in, out)) return true;
    spdlog::error(
        "automount: {}: the entry's layer issued a {}-byte handle, more than the {} bytes "
        "automount can carry; serve this file system as an export of its own",
        key, in.size, kMaxInnerHandle);
    return false;
  }
  bool Wrap(std::optional<NodeHandle>* h) const {
    if (!*h) return true;
    NodeHandle out;
    if (!Wrap(**h, &out)) {
      h->reset();
      return false;
    }
    *h = out;
    return true;
  }
};

namespace {

// Wraps the entries an entry's layer lists: fileids and handles translated, and ".." of the
// entry's own directory pointing to the automount directory.
class WrappingSink final : public DirSink {
 public:
  WrappingSink(DirSink& out, const AutomountLayer::Target& t, bool at_entry_root,
               const Attr& root_attr)
      : out_(out), t_(t), at_entry_root_(at_entry_root), root_attr_(root_attr) {}
  bool Add(const DirEntry& in) override {
    DirEntry e = in;
    if (at_entry_root_ && e.name == "..") {
      e.fileid = kRootFileid;
      if (e.handle) e.handle = RootHandle();
      if (e.attr) e.attr = root_attr_;
      return out_.Add(e);
    }
    e.fileid = t_.Fileid(e.fileid);
    t_.Fix(&e.attr);
    if (!t_.Wrap(&e.handle)) e.attr.reset();
    return out_.Add(e);
  }

 private:
  DirSink& out_;
  const AutomountLayer::Target& t_;
  bool at_entry_root_;
  Attr root_attr_;
};

}  // namespace

loopfs::Status AutomountLayer::Enter(const RequestContext& ctx, const NodeHandle& fh, Target* t) {
  DecodedHandle d;
  if (!DecodeHandle(fh, &d)) return Nfsstat3::kBadhandle;
  t->kind = d.kind;
  t->ctx = ctx;
  if (d.kind == HandleKind::kRoot) return loopfs::Status::Ok();
  t->key_id = d.key_id;
  if (!KeyOf(d.key_id, &t->key)) return Nfsstat3::kStale;  // the key left the map
  loopfs::Status st = table_->Acquire(d.key_id, t->key, ctx, &t->lease);
  if (st.code() == Nfsstat3::kNoent) return Nfsstat3::kStale;
  if (!st.ok()) return st;
  t->inner = d.kind == HandleKind::kEntryRoot ? t->lease.attached().inner_root : d.inner;
  if (t->lease.attached().read_only) t->ctx.read_only = true;
  return loopfs::Status::Ok();
}

loopfs::Status AutomountLayer::GetAttr(const RequestContext& ctx, const NodeHandle& fh,
                                       Attr* attr) {
  DecodedHandle d;
  if (!DecodeHandle(fh, &d)) return Nfsstat3::kBadhandle;
  if (d.kind == HandleKind::kRoot) {
    *attr = RootAttr();
    return loopfs::Status::Ok();
  }
  if (d.kind == HandleKind::kEntryRoot) {
    // stat of an entry never attaches it: real attributes if attached, else synthetic ones.
    std::string key;
    if (!KeyOf(d.key_id, &key)) return Nfsstat3::kStale;
    Target t;
    t.kind = d.kind;
    t.key_id = d.key_id;
    if (!table_->TryAcquire(d.key_id, &t.lease)) {
      // Asking the map (cached after the first time) tells a key that left it (ESTALE);
      // a map that cannot answer now does not make `ls -l` fail.
      MapEntry entry;
      if (table_->Resolve(d.key_id, key, ctx, &entry).code() == Nfsstat3::kNoent) {
        return Nfsstat3::kStale;
      }
      *attr = EntryRootAttr(d.key_id);
      return loopfs::Status::Ok();
    }
    loopfs::Status st = t.layer()->GetAttr(ctx, t.lease.attached().inner_root, attr);
    if (st.ok()) t.Fix(attr);
    return st;
  }
  Target t;
  loopfs::Status st = Enter(ctx, fh, &t);
  if (!st.ok()) return st;
  st = t.layer()->GetAttr(t.ctx, t.inner, attr);
  if (st.ok()) t.Fix(attr);
  return st;
}

loopfs::Status AutomountLayer::SetAttr(const RequestContext& ctx, const NodeHandle& fh,
                                       const SetAttrArgs& args,
                                       const std::optional<NfsTime>& guard_ctime, Wcc* wcc) {
  Target t;
  loopfs::Status st = Enter(ctx, fh, &t);
  if (!st.ok()) return st;
  if (t.is_root()) {
    wcc->after = RootAttr();
    return Nfsstat3::kAcces;
  }
  st = t.layer()->SetAttr(t.ctx, t.inner, args, guard_ctime, wcc);
  t.Fix(wcc);
  return st;
}

loopfs::Status AutomountLayer::Lookup(const RequestContext& ctx, const NodeHandle& dir,
                                      std::string_view name, LookupRes* res) {
  DecodedHandle d;
  if (!DecodeHandle(dir, &d)) return Nfsstat3::kBadhandle;
  if (d.kind == HandleKind::kRoot) return LookupKey(ctx, name, res);
  if (d.kind == HandleKind::kEntryRoot && (name == ".." || name == ".")) {
    // Neither leaves the entry's directory for its contents: no attach.
    Attr self;
    loopfs::Status st = GetAttr(ctx, dir, &self);
    if (!st.ok()) return st;
    res->dir_attr = self;
    if (name == ".") {
      res->handle = dir;
      res->attr = self;
    } else {
      res->handle = RootHandle();
      res->attr = RootAttr();
    }
    return loopfs::Status::Ok();
  }
  Target t;
  loopfs::Status st = Enter(ctx, dir, &t);
  if (!st.ok()) return st;
  st = t.layer()->Lookup(t.ctx, t.inner, name, res);
  t.Fix(&res->dir_attr);
  if (!st.ok()) return st;
  t.Fix(&res->attr);
  NodeHandle out;
  if (!t.Wrap(res->handle, &out)) return Nfsstat3::kIo;
  res->handle = out;
  return st;
}

loopfs::Status AutomountLayer::Access(const RequestContext& ctx, const NodeHandle& fh,
                                      uint32_t access, AccessRes* res) {
  DecodedHandle d;
  if (!DecodeHandle(fh, &d)) return Nfsstat3::kBadhandle;
  if (d.kind == HandleKind::kRoot) {
    res->granted = access & (kAccessRead | kAccessLookup | kAccessExecute);
    res->attr = RootAttr();
    return loopfs::Status::Ok();
  }
  Target t;
  loopfs::Status st = Enter(ctx, fh, &t);
  if (!st.ok()) return st;
  st = t.layer()->Access(t.ctx, t.inner, access, res);
  t.Fix(&res->attr);
  return st;
}

loopfs::Status AutomountLayer::ReadLink(const RequestContext& ctx, const NodeHandle& fh,
                                        ReadLinkRes* res) {
  Target t;
  loopfs::Status st = Enter(ctx, fh, &t);
  if (!st.ok()) return st;
  if (t.is_root()) return Nfsstat3::kInval;
  st = t.layer()->ReadLink(t.ctx, t.inner, res);
  t.Fix(&res->attr);
  return st;
}

loopfs::Status AutomountLayer::Read(const RequestContext& ctx, const NodeHandle& fh,
                                    uint64_t offset, std::span<uint8_t> buf, ReadRes* res) {
  Target t;
  loopfs::Status st = Enter(ctx, fh, &t);
  if (!st.ok()) return st;
  if (t.is_root()) return Nfsstat3::kIsdir;
  st = t.layer()->Read(t.ctx, t.inner, offset, buf, res);
  t.Fix(&res->attr);
  return st;
}

loopfs::Status AutomountLayer::Write(const RequestContext& ctx, const NodeHandle& fh,
                                     uint64_t offset, std::span<const uint8_t> data,
                                     StableHow stable, WriteRes* res) {
  Target t;
  loopfs::Status st = Enter(ctx, fh, &t);
  if (!st.ok()) return st;
  if (t.is_root()) return Nfsstat3::kIsdir;
  st = t.layer()->Write(t.ctx, t.inner, offset, data, stable, res);
  t.Fix(&res->wcc);
  if (st.ok() && res->committed == StableHow::kUnstable) t.lease.NoteUnstableWrite();
  return st;
}

loopfs::Status AutomountLayer::Commit(const RequestContext& ctx, const NodeHandle& fh,
                                      uint64_t offset, uint32_t count, CommitRes* res) {
  Target t;
  loopfs::Status st = Enter(ctx, fh, &t);
  if (!st.ok()) return st;
  if (t.is_root()) return Nfsstat3::kIsdir;
  st = t.layer()->Commit(t.ctx, t.inner, offset, count, res);
  t.Fix(&res->wcc);
  // One file's COMMIT clears the whole entry's mark: good enough to bound how long an entry
  // stays, as clients commit every file they wrote unstably before closing it.
  if (st.ok()) t.lease.NoteCommit();
  return st;
}

loopfs::Status AutomountLayer::EnterToChange(const RequestContext& ctx, const NodeHandle& dir,
                                             Target* t, Wcc* dir_wcc) {
  loopfs::Status st = Enter(ctx, dir, t);
  if (!st.ok()) return st;
  if (t->is_root()) {  // the automount directory's entries come from the map alone
    dir_wcc->after = RootAttr();
    return Nfsstat3::kAcces;
  }
  return st;
}

namespace {

// The common part of CREATE, MKDIR, SYMLINK, MKNOD inside an entry.
loopfs::Status FinishCreate(const AutomountLayer::Target& t, loopfs::Status st, CreateRes* res) {
  t.Fix(&res->dir_wcc);
  t.Fix(&res->attr);
  if (st.ok() && !t.Wrap(&res->handle)) res->attr.reset();  // the client LOOKUPs it instead
  return st;
}

}  // namespace

loopfs::Status AutomountLayer::Create(const RequestContext& ctx, const NodeHandle& dir,
                                      std::string_view name, CreateMode mode,
                                      const SetAttrArgs& args, const CreateVerifier& verf,
                                      CreateRes* res) {
  Target t;
  loopfs::Status st = EnterToChange(ctx, dir, &t, &res->dir_wcc);
  if (!st.ok()) return st;
  return FinishCreate(t, t.layer()->Create(t.ctx, t.inner, name, mode, args, verf, res), res);
}

loopfs::Status AutomountLayer::MkDir(const RequestContext& ctx, const NodeHandle& dir,
                                     std::string_view name, const SetAttrArgs& args,
                                     CreateRes* res) {
  Target t;
  loopfs::Status st = EnterToChange(ctx, dir, &t, &res->dir_wcc);
  if (!st.ok()) return st;
  return FinishCreate(t, t.layer()->MkDir(t.ctx, t.inner, name, args, res), res);
}

loopfs::Status AutomountLayer::SymLink(const RequestContext& ctx, const NodeHandle& dir,
                                       std::string_view name, std::string_view target,
                                       const SetAttrArgs& args, CreateRes* res) {
  Target t;
  loopfs::Status st = EnterToChange(ctx, dir, &t, &res->dir_wcc);
  if (!st.ok()) return st;
  return FinishCreate(t, t.layer()->SymLink(t.ctx, t.inner, name, target, args, res), res);
}

loopfs::Status AutomountLayer::MkNod(const RequestContext& ctx, const NodeHandle& dir,
                                     std::string_view name, FileType type, const SetAttrArgs& args,
                                     uint32_t rdev_major, uint32_t rdev_minor, CreateRes* res) {
  Target t;
  loopfs::Status st = EnterToChange(ctx, dir, &t, &res->dir_wcc);
  if (!st.ok()) return st;
  return FinishCreate(
      t, t.layer()->MkNod(t.ctx, t.inner, name, type, args, rdev_major, rdev_minor, res), res);
}

loopfs::Status AutomountLayer::Remove(const RequestContext& ctx, const NodeHandle& dir,
                                      std::string_view name, RemoveRes* res) {
  Target t;
  loopfs::Status st = EnterToChange(ctx, dir, &t, &res->dir_wcc);
  if (!st.ok()) return st;
  st = t.layer()->Remove(t.ctx, t.inner, name, res);
  t.Fix(&res->dir_wcc);
  return st;
}

loopfs::Status AutomountLayer::RmDir(const RequestContext& ctx, const NodeHandle& dir,
                                     std::string_view name, RemoveRes* res) {
  Target t;
  loopfs::Status st = EnterToChange(ctx, dir, &t, &res->dir_wcc);
  if (!st.ok()) return st;
  st = t.layer()->RmDir(t.ctx, t.inner, name, res);
  t.Fix(&res->dir_wcc);
  return st;
}

loopfs::Status AutomountLayer::Rename(const RequestContext& ctx, const NodeHandle& from_dir,
                                      std::string_view from_name, const NodeHandle& to_dir,
                                      std::string_view to_name, RenameRes* res) {
  DecodedHandle from, to;
  if (!DecodeHandle(from_dir, &from) || !DecodeHandle(to_dir, &to)) return Nfsstat3::kBadhandle;
  if (from.kind == HandleKind::kRoot || to.kind == HandleKind::kRoot) return Nfsstat3::kAcces;
  if (from.key_id != to.key_id) return Nfsstat3::kXdev;  // entries are separate file systems
  Target t;
  loopfs::Status st = Enter(ctx, from_dir, &t);
  if (!st.ok()) return st;
  NodeHandle inner_to =
      to.kind == HandleKind::kEntryRoot ? t.lease.attached().inner_root : to.inner;
  st = t.layer()->Rename(t.ctx, t.inner, from_name, inner_to, to_name, res);
  t.Fix(&res->from_dir_wcc);
  t.Fix(&res->to_dir_wcc);
  return st;
}

loopfs::Status AutomountLayer::Link(const RequestContext& ctx, const NodeHandle& fh,
                                    const NodeHandle& dir, std::string_view name, LinkRes* res) {
  DecodedHandle file, in;
  if (!DecodeHandle(fh, &file) || !DecodeHandle(dir, &in)) return Nfsstat3::kBadhandle;
  if (in.kind == HandleKind::kRoot || file.kind == HandleKind::kRoot) return Nfsstat3::kAcces;
  if (file.key_id != in.key_id) return Nfsstat3::kXdev;
  Target t;
  loopfs::Status st = Enter(ctx, dir, &t);
  if (!st.ok()) return st;
  NodeHandle inner_file =
      file.kind == HandleKind::kEntryRoot ? t.lease.attached().inner_root : file.inner;
  st = t.layer()->Link(t.ctx, inner_file, t.inner, name, res);
  t.Fix(&res->attr);
  t.Fix(&res->dir_wcc);
  return st;
}

loopfs::Status AutomountLayer::ReadDir(const RequestContext& ctx, const NodeHandle& dir,
                                       uint64_t cookie, const CookieVerifier& verf, bool plus,
                                       DirSink& sink, ReadDirRes* res) {
  Target t;
  loopfs::Status st = Enter(ctx, dir, &t);
  if (!st.ok()) return st;
  if (t.is_root()) return ReadRootDir(cookie, plus, sink, res);
  WrappingSink wrapping(sink, t, t.kind == HandleKind::kEntryRoot, RootAttr());
  st = t.layer()->ReadDir(t.ctx, t.inner, cookie, verf, plus, wrapping, res);
  t.Fix(&res->dir_attr);
  return st;
}

loopfs::Status AutomountLayer::FsStat(const RequestContext& ctx, const NodeHandle& fh,
                                      FsStatRes* res) {
  DecodedHandle d;
  if (!DecodeHandle(fh, &d)) return Nfsstat3::kBadhandle;
  // df of the automount directory (or of an entry not yet attached) must not attach: an
  // empty file system, as autofs shows.
  Target t;
  if (d.kind == HandleKind::kRoot ||
      (d.kind == HandleKind::kEntryRoot && !table_->TryAcquire(d.key_id, &t.lease))) {
    res->attr = d.kind == HandleKind::kRoot ? RootAttr() : EntryRootAttr(d.key_id);
    return loopfs::Status::Ok();
  }
  t.lease = {};
  loopfs::Status st = Enter(ctx, fh, &t);
  if (!st.ok()) return st;
  st = t.layer()->FsStat(t.ctx, t.inner, res);
  t.Fix(&res->attr);
  return st;
}

loopfs::Status AutomountLayer::FsInfo(const RequestContext& ctx, const NodeHandle& fh,
                                      FsInfoRes* res) {
  DecodedHandle d;
  if (!DecodeHandle(fh, &d)) return Nfsstat3::kBadhandle;
  // The client asks FSINFO for the export's root at mount time: answer without attaching.
  if (d.kind == HandleKind::kRoot || d.kind == HandleKind::kEntryRoot) {
    res->maxfilesize = UINT64_MAX >> 1;
    Attr attr;
    loopfs::Status st = GetAttr(ctx, fh, &attr);
    if (st.ok()) res->attr = attr;
    return st;
  }
  Target t;
  loopfs::Status st = Enter(ctx, fh, &t);
  if (!st.ok()) return st;
  st = t.layer()->FsInfo(t.ctx, t.inner, res);
  t.Fix(&res->attr);
  return st;
}

loopfs::Status AutomountLayer::PathConf(const RequestContext& ctx, const NodeHandle& fh,
                                        PathConfRes* res) {
  DecodedHandle d;
  if (!DecodeHandle(fh, &d)) return Nfsstat3::kBadhandle;
  if (d.kind == HandleKind::kRoot || d.kind == HandleKind::kEntryRoot) {
    Attr attr;
    loopfs::Status st = GetAttr(ctx, fh, &attr);
    if (st.ok()) res->attr = attr;
    return st;
  }
  Target t;
  loopfs::Status st = Enter(ctx, fh, &t);
  if (!st.ok()) return st;
  st = t.layer()->PathConf(t.ctx, t.inner, res);
  t.Fix(&res->attr);
  return st;
}

}  // namespace loopfs::automount
