// An in-memory base layer for the nfsd tests: a small POSIX-like tree with
// owners, modes, hard links and stable READDIR cookies, so nfsd's procedures
// can be tested without depending on the local file system.  Registered as
// type "memory" by TestRegistry (nfsd_test_env.h).
#pragma once

#include <algorithm>
#include <chrono>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "layers/layer.h"

namespace loopfs::nfsd::testing {

class MemoryLayer : public Layer {
 public:
  MemoryLayer() {
    Node& root = NewNode(FileType::kDir, 0755, 0, 0);
    root.parent = root.attr.fileid;
    root_ = root.attr.fileid;
  }

  std::string_view type() const override { return "memory"; }
  void SetRootMode(uint32_t mode) { nodes_[root_]->attr.mode = mode & 07777; }

  Status Root(const RequestContext&, NodeHandle* root) override {
    *root = HandleOf(root_);
    return Status::Ok();
  }

  Status GetAttr(const RequestContext&, const NodeHandle& fh, Attr* attr) override {
    std::lock_guard lock(mu_);
    Node* n = Find(fh);
    if (n == nullptr) return Nfsstat3::kStale;
    *attr = n->attr;
    return Status::Ok();
  }

  Status SetAttr(const RequestContext& ctx, const NodeHandle& fh, const SetAttrArgs& args,
                 const std::optional<NfsTime>& guard_ctime, Wcc* wcc) override {
    std::lock_guard lock(mu_);
    Node* n = Find(fh);
    if (n == nullptr) return Nfsstat3::kStale;
    wcc->before = ToWccAttr(n->attr);
    wcc->after = n->attr;
    if (ctx.read_only) return Nfsstat3::kRofs;
    if (guard_ctime && !(*guard_ctime == n->attr.ctime)) return Nfsstat3::kNotSync;
    const bool owner = ctx.cred.uid == 0 || ctx.cred.uid == n->attr.uid;
    if ((args.mode || args.uid || args.gid) && !owner) return Nfsstat3::kPerm;
    if (args.size) {
      if (n->attr.type == FileType::kDir) return Nfsstat3::kIsdir;
      if (!Allowed(ctx, *n, 2)) return Nfsstat3::kAcces;
      if (*args.size > kMaxSize) return Nfsstat3::kFbig;
      n->data.resize(*args.size);
      n->attr.size = *args.size;
    }
    if (args.mode) n->attr.mode = *args.mode & 07777;
    if (args.uid) n->attr.uid = *args.uid;
    if (args.gid) n->attr.gid = *args.gid;
    SetTimeField(args.atime, &n->attr.atime);
    SetTimeField(args.mtime, &n->attr.mtime);
    Touch(n, false);
    wcc->after = n->attr;
    return Status::Ok();
  }

  Status Lookup(const RequestContext& ctx, const NodeHandle& dir, std::string_view name,
                LookupRes* res) override {
    std::lock_guard lock(mu_);
    Node* d = Find(dir);
    if (d == nullptr) return Nfsstat3::kStale;
    res->dir_attr = d->attr;
    if (d->attr.type != FileType::kDir) return Nfsstat3::kNotdir;
    if (!Allowed(ctx, *d, 1)) return Nfsstat3::kAcces;
    uint64_t id;
    if (name == ".") {
      id = d->attr.fileid;
    } else if (name == "..") {
      id = d->parent;
    } else {
      auto it = d->by_name.find(std::string(name));
      if (it == d->by_name.end()) return Nfsstat3::kNoent;
      id = d->entries[it->second].second;
    }
    res->handle = HandleOf(id);
    res->attr = nodes_[id]->attr;
    return Status::Ok();
  }

  Status Access(const RequestContext& ctx, const NodeHandle& fh, uint32_t access,
                AccessRes* res) override {
    std::lock_guard lock(mu_);
    Node* n = Find(fh);
    if (n == nullptr) return Nfsstat3::kStale;
    res->attr = n->attr;
    uint32_t granted = 0;
    if (Allowed(ctx, *n, 4)) granted |= kAccessRead;
    if (Allowed(ctx, *n, 2) && !ctx.read_only) {
      granted |= kAccessModify | kAccessExtend;
      if (n->attr.type == FileType::kDir) granted |= kAccessDelete;
    }
    if (Allowed(ctx, *n, 1)) {
      granted |= n->attr.type == FileType::kDir ? kAccessLookup : kAccessExecute;
    }
    res->granted = granted & access;
    return Status::Ok();
  }

  Status ReadLink(const RequestContext&, const NodeHandle& fh, ReadLinkRes* res) override {
    std::lock_guard lock(mu_);
    Node* n = Find(fh);
    if (n == nullptr) return Nfsstat3::kStale;
    res->attr = n->attr;
    if (n->attr.type != FileType::kLnk) return Nfsstat3::kInval;
    res->target.assign(n->data.begin(), n->data.end());
    return Status::Ok();
  }

  Status Read(const RequestContext& ctx, const NodeHandle& fh, uint64_t offset,
              std::span<uint8_t> buf, ReadRes* res) override {
    std::lock_guard lock(mu_);
    Node* n = Find(fh);
    if (n == nullptr) return Nfsstat3::kStale;
    res->attr = n->attr;
    if (n->attr.type == FileType::kDir) return Nfsstat3::kIsdir;
    if (n->attr.type != FileType::kReg) return Nfsstat3::kInval;
    if (ctx.cred.uid != n->attr.uid && !Allowed(ctx, *n, 4)) return Nfsstat3::kAcces;
    const uint64_t size = n->data.size();
    const uint64_t start = std::min(offset, size);
    const uint64_t count = std::min<uint64_t>(buf.size(), size - start);
    if (count > 0) std::memcpy(buf.data(), n->data.data() + start, count);
    res->count = static_cast<uint32_t>(count);
    res->eof = start + count >= size;
    return Status::Ok();
  }

  Status Write(const RequestContext& ctx, const NodeHandle& fh, uint64_t offset,
               std::span<const uint8_t> data, StableHow stable, WriteRes* res) override {
    std::lock_guard lock(mu_);
    Node* n = Find(fh);
    if (n == nullptr) return Nfsstat3::kStale;
    res->wcc.before = ToWccAttr(n->attr);
    res->wcc.after = n->attr;
    if (ctx.read_only) return Nfsstat3::kRofs;
    if (n->attr.type == FileType::kDir) return Nfsstat3::kIsdir;
    if (n->attr.type != FileType::kReg) return Nfsstat3::kInval;
    if (ctx.cred.uid != n->attr.uid && !Allowed(ctx, *n, 2)) return Nfsstat3::kAcces;
    if (offset > kMaxSize || data.size() > kMaxSize - offset) return Nfsstat3::kFbig;
    if (n->data.size() < offset + data.size()) n->data.resize(offset + data.size());
    if (!data.empty()) std::memcpy(n->data.data() + offset, data.data(), data.size());
    n->attr.size = n->data.size();
    n->attr.used = n->data.size();
    Touch(n, true);
    res->count = static_cast<uint32_t>(data.size());
    res->committed = stable == StableHow::kUnstable ? StableHow::kUnstable : StableHow::kFileSync;
    res->wcc.after = n->attr;
    return Status::Ok();
  }

  Status Commit(const RequestContext&, const NodeHandle& fh, uint64_t, uint32_t,
                CommitRes* res) override {
    std::lock_guard lock(mu_);
    Node* n = Find(fh);
    if (n == nullptr) return Nfsstat3::kStale;
    res->wcc.before = ToWccAttr(n->attr);
    res->wcc.after = n->attr;
    return Status::Ok();
  }

  Status Create(const RequestContext& ctx, const NodeHandle& dir, std::string_view name,
                CreateMode mode, const SetAttrArgs& args, const CreateVerifier& verf,
                CreateRes* res) override {
    std::lock_guard lock(mu_);
    Node* d = nullptr;
    Status st = PrepareDir(ctx, dir, res, &d);
    if (!st.ok()) return st;
    auto it = d->by_name.find(std::string(name));
    if (it != d->by_name.end()) {
      Node* existing = nodes_[d->entries[it->second].second].get();
      if (mode == CreateMode::kGuarded) return Nfsstat3::kExist;
      if (mode == CreateMode::kExclusive) {
        if (!existing->verf || *existing->verf != verf) return Nfsstat3::kExist;
      } else if (existing->attr.type != FileType::kReg) {
        return Nfsstat3::kExist;
      }
      res->handle = HandleOf(existing->attr.fileid);
      res->attr = existing->attr;
      res->dir_wcc.after = d->attr;
      return Status::Ok();
    }
    Node& n = NewNode(FileType::kReg, args.mode.value_or(0644), ctx.cred.uid, ctx.cred.gid);
    if (mode == CreateMode::kExclusive) n.verf = verf;
    return Link(d, name, n, res);
  }

  Status MkDir(const RequestContext& ctx, const NodeHandle& dir, std::string_view name,
               const SetAttrArgs& args, CreateRes* res) override {
    std::lock_guard lock(mu_);
    Node* d = nullptr;
    Status st = PrepareDir(ctx, dir, res, &d);
    if (!st.ok()) return st;
    if (d->by_name.count(std::string(name)) != 0) return Nfsstat3::kExist;
    Node& n = NewNode(FileType::kDir, args.mode.value_or(0755), ctx.cred.uid, ctx.cred.gid);
    n.parent = d->attr.fileid;
    n.attr.nlink = 2;
    return Link(d, name, n, res);
  }

  Status SymLink(const RequestContext& ctx, const NodeHandle& dir, std::string_view name,
                 std::string_view target, const SetAttrArgs&, CreateRes* res) override {
    std::lock_guard lock(mu_);
    Node* d = nullptr;
    Status st = PrepareDir(ctx, dir, res, &d);
    if (!st.ok()) return st;
    if (d->by_name.count(std::string(name)) != 0) return Nfsstat3::kExist;
    Node& n = NewNode(FileType::kLnk, 0777, ctx.cred.uid, ctx.cred.gid);
    n.data.assign(target.begin(), target.end());
    n.attr.size = target.size();
    return Link(d, name, n, res);
  }

  Status MkNod(const RequestContext& ctx, const NodeHandle& dir, std::string_view name,
               FileType type, const SetAttrArgs& args, uint32_t major, uint32_t minor,
               CreateRes* res) override {
    std::lock_guard lock(mu_);
    Node* d = nullptr;
    Status st = PrepareDir(ctx, dir, res, &d);
    if (!st.ok()) return st;
    if ((type == FileType::kChr || type == FileType::kBlk) && ctx.cred.uid != 0) {
      return Nfsstat3::kPerm;
    }
    if (d->by_name.count(std::string(name)) != 0) return Nfsstat3::kExist;
    Node& n = NewNode(type, args.mode.value_or(0644), ctx.cred.uid, ctx.cred.gid);
    n.attr.rdev_major = major;
    n.attr.rdev_minor = minor;
    return Link(d, name, n, res);
  }

  Status Remove(const RequestContext& ctx, const NodeHandle& dir, std::string_view name,
                RemoveRes* res) override {
    return Unlink(ctx, dir, name, false, res);
  }
  Status RmDir(const RequestContext& ctx, const NodeHandle& dir, std::string_view name,
               RemoveRes* res) override {
    return Unlink(ctx, dir, name, true, res);
  }

  Status Rename(const RequestContext& ctx, const NodeHandle& from_dir, std::string_view from_name,
                const NodeHandle& to_dir, std::string_view to_name, RenameRes* res) override {
    std::lock_guard lock(mu_);
    Node* fd = Find(from_dir);
    Node* td = Find(to_dir);
    if (fd == nullptr || td == nullptr) return Nfsstat3::kStale;
    res->from_dir_wcc.before = ToWccAttr(fd->attr);
    res->to_dir_wcc.before = ToWccAttr(td->attr);
    res->from_dir_wcc.after = fd->attr;
    res->to_dir_wcc.after = td->attr;
    if (ctx.read_only) return Nfsstat3::kRofs;
    if (!Allowed(ctx, *fd, 3) || !Allowed(ctx, *td, 3)) return Nfsstat3::kAcces;
    auto it = fd->by_name.find(std::string(from_name));
    if (it == fd->by_name.end()) return Nfsstat3::kNoent;
    const uint64_t id = fd->entries[it->second].second;
    auto target = td->by_name.find(std::string(to_name));
    if (target != td->by_name.end()) {
      Node* victim = nodes_[td->entries[target->second].second].get();
      if (victim->attr.fileid == id) return Status::Ok();
      const bool src_dir = nodes_[id]->attr.type == FileType::kDir;
      if (src_dir != (victim->attr.type == FileType::kDir)) {
        return src_dir ? Nfsstat3::kNotdir : Nfsstat3::kIsdir;
      }
      if (!victim->by_name.empty()) return Nfsstat3::kNotempty;
      RemoveEntry(td, std::string(to_name));
      Drop(victim);
    }
    RemoveEntry(fd, std::string(from_name));
    AddEntry(td, std::string(to_name), id);
    if (nodes_[id]->attr.type == FileType::kDir) nodes_[id]->parent = td->attr.fileid;
    Touch(fd, true);
    Touch(td, true);
    res->from_dir_wcc.after = fd->attr;
    res->to_dir_wcc.after = td->attr;
    return Status::Ok();
  }

  Status Link(const RequestContext& ctx, const NodeHandle& fh, const NodeHandle& dir,
              std::string_view name, LinkRes* res) override {
    std::lock_guard lock(mu_);
    Node* n = Find(fh);
    Node* d = Find(dir);
    if (n == nullptr || d == nullptr) return Nfsstat3::kStale;
    res->attr = n->attr;
    res->dir_wcc.before = ToWccAttr(d->attr);
    res->dir_wcc.after = d->attr;
    if (ctx.read_only) return Nfsstat3::kRofs;
    if (n->attr.type == FileType::kDir) return Nfsstat3::kIsdir;
    if (!Allowed(ctx, *d, 3)) return Nfsstat3::kAcces;
    if (d->by_name.count(std::string(name)) != 0) return Nfsstat3::kExist;
    AddEntry(d, std::string(name), n->attr.fileid);
    n->attr.nlink++;
    Touch(n, false);
    Touch(d, true);
    res->attr = n->attr;
    res->dir_wcc.after = d->attr;
    return Status::Ok();
  }

  // Cookies: 1 and 2 for "." and "..", then each entry's sequence number in
  // its directory, which never changes while the entry exists.
  Status ReadDir(const RequestContext& ctx, const NodeHandle& dir, uint64_t cookie,
                 const CookieVerifier& verf, bool plus, DirSink& sink, ReadDirRes* res) override {
    std::lock_guard lock(mu_);
    Node* d = Find(dir);
    if (d == nullptr) return Nfsstat3::kStale;
    res->dir_attr = d->attr;
    if (d->attr.type != FileType::kDir) return Nfsstat3::kNotdir;
    if (!Allowed(ctx, *d, 4)) return Nfsstat3::kAcces;
    CookieVerifier mine{};
    for (int i = 0; i < 8; ++i) mine[i] = static_cast<uint8_t>(d->attr.fileid >> (8 * i)) ^ 0xa5;
    if (cookie != 0 && verf != mine) return Nfsstat3::kBadCookie;
    res->verifier = mine;
    auto offer = [&](uint64_t id, std::string_view name, uint64_t c) {
      DirEntry e;
      e.fileid = id;
      e.name = name;
      e.cookie = c;
      if (plus) {
        e.handle = HandleOf(id);
        e.attr = nodes_[id]->attr;
      }
      return sink.Add(e);
    };
    if (cookie < 1 && !offer(d->attr.fileid, ".", 1)) return Status::Ok();
    if (cookie < 2 && !offer(d->parent, "..", 2)) return Status::Ok();
    for (auto it = d->entries.upper_bound(std::max<uint64_t>(cookie, 2)); it != d->entries.end();
         ++it) {
      if (!offer(it->second.second, it->second.first, it->first)) return Status::Ok();
    }
    res->eof = true;
    return Status::Ok();
  }

  Status FsStat(const RequestContext&, const NodeHandle& fh, FsStatRes* res) override {
    std::lock_guard lock(mu_);
    Node* n = Find(fh);
    if (n == nullptr) return Nfsstat3::kStale;
    res->attr = n->attr;
    res->tbytes = 1ULL << 30;
    res->fbytes = res->abytes = 1ULL << 29;
    res->tfiles = 1 << 20;
    res->ffiles = res->afiles = (1 << 20) - nodes_.size();
    return Status::Ok();
  }

  Status FsInfo(const RequestContext&, const NodeHandle& fh, FsInfoRes* res) override {
    std::lock_guard lock(mu_);
    Node* n = Find(fh);
    if (n == nullptr) return Nfsstat3::kStale;
    res->attr = n->attr;
    res->maxfilesize = kMaxSize;
    return Status::Ok();
  }

  Status PathConf(const RequestContext&, const NodeHandle& fh, PathConfRes* res) override {
    std::lock_guard lock(mu_);
    Node* n = Find(fh);
    if (n == nullptr) return Nfsstat3::kStale;
    res->attr = n->attr;
    res->linkmax = 32000;
    return Status::Ok();
  }

 private:
  // Files stay small: the fuzzers write at any offset a client can name.
  static constexpr uint64_t kMaxSize = 64 << 20;

  struct Node {
    Attr attr;
    uint32_t generation = 0;
    uint64_t parent = 0;
    std::vector<uint8_t> data;  // file contents or symlink target
    std::optional<CreateVerifier> verf;
    // Directory entries by cookie, and cookie by name.
    std::map<uint64_t, std::pair<std::string, uint64_t>> entries;
    std::map<std::string, uint64_t> by_name;
    uint64_t next_cookie = 3;
  };

  static NfsTime Now() {
    auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                  std::chrono::system_clock::now().time_since_epoch())
                  .count();
    return {static_cast<uint32_t>(ns / 1000000000), static_cast<uint32_t>(ns % 1000000000)};
  }

  Node& NewNode(FileType type, uint32_t mode, uint32_t uid, uint32_t gid) {
    auto n = std::make_unique<Node>();
    n->attr.type = type;
    n->attr.mode = mode & 07777;
    n->attr.nlink = 1;
    n->attr.uid = uid;
    n->attr.gid = gid;
    n->attr.fsid = 99;
    n->attr.fileid = next_id_++;
    n->attr.atime = n->attr.mtime = n->attr.ctime = Now();
    n->generation = static_cast<uint32_t>(n->attr.fileid * 2654435761u);
    Node& ref = *n;
    nodes_[ref.attr.fileid] = std::move(n);
    return ref;
  }

  NodeHandle HandleOf(uint64_t id) {
    NodeHandle h;
    h.size = 12;
    for (int i = 0; i < 8; ++i) h.data[i] = static_cast<uint8_t>(id >> (8 * i));
    const uint32_t gen = nodes_.count(id) ? nodes_[id]->generation : 0;
    for (int i = 0; i < 4; ++i) h.data[8 + i] = static_cast<uint8_t>(gen >> (8 * i));
    return h;
  }

  Node* Find(const NodeHandle& h) {
    if (h.size != 12) return nullptr;
    uint64_t id = 0;
    uint32_t gen = 0;
    for (int i = 7; i >= 0; --i) id = (id << 8) | h.data[i];
    for (int i = 3; i >= 0; --i) gen = (gen << 8) | h.data[8 + i];
    auto it = nodes_.find(id);
    if (it == nodes_.end() || it->second->generation != gen) return nullptr;
    return it->second.get();
  }

  // want: 4 read, 2 write, 1 execute (or a sum of them).
  static bool Allowed(const RequestContext& ctx, const Node& n, uint32_t want) {
    if (ctx.cred.uid == 0) return true;
    uint32_t bits = n.attr.mode & 7;
    if (ctx.cred.uid == n.attr.uid) {
      bits = (n.attr.mode >> 6) & 7;
    } else {
      bool in_group = ctx.cred.gid == n.attr.gid;
      for (uint32_t g : ctx.cred.supplementary()) in_group = in_group || g == n.attr.gid;
      if (in_group) bits = (n.attr.mode >> 3) & 7;
    }
    return (bits & want) == want;
  }

  static void SetTimeField(const SetTime& t, NfsTime* field) {
    if (t.how == TimeHow::kServerTime) *field = Now();
    if (t.how == TimeHow::kClientTime) *field = t.time;
  }

  static void Touch(Node* n, bool modified) {
    n->attr.ctime = Now();
    if (modified) n->attr.mtime = n->attr.ctime;
  }

  Status PrepareDir(const RequestContext& ctx, const NodeHandle& dir, CreateRes* res, Node** d) {
    *d = Find(dir);
    if (*d == nullptr) return Nfsstat3::kStale;
    res->dir_wcc.before = ToWccAttr((*d)->attr);
    res->dir_wcc.after = (*d)->attr;
    if (ctx.read_only) return Nfsstat3::kRofs;
    if ((*d)->attr.type != FileType::kDir) return Nfsstat3::kNotdir;
    if (!Allowed(ctx, **d, 3)) return Nfsstat3::kAcces;
    return Status::Ok();
  }

  Status Link(Node* d, std::string_view name, Node& n, CreateRes* res) {
    AddEntry(d, std::string(name), n.attr.fileid);
    if (n.attr.type == FileType::kDir) d->attr.nlink++;
    Touch(d, true);
    res->handle = HandleOf(n.attr.fileid);
    res->attr = n.attr;
    res->dir_wcc.after = d->attr;
    return Status::Ok();
  }

  static void AddEntry(Node* d, const std::string& name, uint64_t id) {
    const uint64_t c = d->next_cookie++;
    d->entries[c] = {name, id};
    d->by_name[name] = c;
    d->attr.size = d->entries.size();
  }

  static void RemoveEntry(Node* d, const std::string& name) {
    auto it = d->by_name.find(name);
    d->entries.erase(it->second);
    d->by_name.erase(it);
    d->attr.size = d->entries.size();
  }

  void Drop(Node* n) {
    if (n->attr.type == FileType::kDir || --n->attr.nlink == 0) {
      nodes_.erase(n->attr.fileid);
    } else {
      Touch(n, false);
    }
  }

  Status Unlink(const RequestContext& ctx, const NodeHandle& dir, std::string_view name,
                bool want_dir, RemoveRes* res) {
    std::lock_guard lock(mu_);
    Node* d = Find(dir);
    if (d == nullptr) return Nfsstat3::kStale;
    res->dir_wcc.before = ToWccAttr(d->attr);
    res->dir_wcc.after = d->attr;
    if (ctx.read_only) return Nfsstat3::kRofs;
    if (d->attr.type != FileType::kDir) return Nfsstat3::kNotdir;
    if (!Allowed(ctx, *d, 3)) return Nfsstat3::kAcces;
    auto it = d->by_name.find(std::string(name));
    if (it == d->by_name.end()) return Nfsstat3::kNoent;
    Node* n = nodes_[d->entries[it->second].second].get();
    const bool is_dir = n->attr.type == FileType::kDir;
    if (want_dir && !is_dir) return Nfsstat3::kNotdir;
    if (!want_dir && is_dir) return Nfsstat3::kIsdir;
    if (is_dir && !n->by_name.empty()) return Nfsstat3::kNotempty;
    RemoveEntry(d, std::string(name));
    if (is_dir) d->attr.nlink--;
    Drop(n);
    Touch(d, true);
    res->dir_wcc.after = d->attr;
    return Status::Ok();
  }

  std::mutex mu_;
  std::map<uint64_t, std::unique_ptr<Node>> nodes_;
  uint64_t next_id_ = 1;
  uint64_t root_ = 0;
};

}  // namespace loopfs::nfsd::testing
