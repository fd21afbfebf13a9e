// The posix layer: start-up, handle resolution, and the attribute and
// name-space queries (GETATTR, SETATTR, LOOKUP, ACCESS, READLINK, FSSTAT,
// FSINFO, PATHCONF).  Data I/O is in posix_io.cc, changes to the name space
// in posix_namespace.cc, READDIR in posix_readdir.cc.
#include "layers/posix/posix_layer.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <linux/magic.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>

#include "layers/posix/attr.h"
#include "layers/posix/credentials.h"
#include "layers/posix/posix_internal.h"

namespace loopfs::posix {

PosixLayer::PosixLayer(const PosixOptions& options, ScopedFd root_fd)
    : root_fd_(std::move(root_fd)),
      path_cache_(options.path_cache_entries),
      data_cache_(options.data_cache_entries),
      dir_cache_(options.dir_cache_entries),
      // Snapshots are for file systems with unstable offsets only; each
      // holds a whole directory's names, so keep few.
      snapshots_(16) {}

std::unique_ptr<PosixLayer> PosixLayer::Open(const PosixOptions& options, std::string* error) {
  if (options.root.empty()) {
    *error = "key \"root\": required: the local directory to export";
    return nullptr;
  }
  if (options.root[0] != '/') {
    *error = fmt::format("key \"root\": \"{}\" is not an absolute path", options.root);
    return nullptr;
  }
  CredentialScope as_root(RootCredentials());
  ScopedFd fd(open(options.root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) {
    *error = fmt::format("key \"root\": cannot open \"{}\": {}", options.root,
                         errno == ENOTDIR ? "not a directory" : std::strerror(errno));
    return nullptr;
  }
  std::unique_ptr<PosixLayer> layer(new PosixLayer(options, std::move(fd)));
  int root = layer->root_fd_.get();
  if (fstat(root, &layer->root_st_) != 0) {
    *error = fmt::format("key \"root\": cannot stat \"{}\": {}", options.root,
                         std::strerror(errno));
    return nullptr;
  }
  KernelHandle kh;
  kh.header.handle_bytes = MAX_HANDLE_SZ;
  if (name_to_handle_at(root, "", &kh.header, &layer->root_mount_id_, AT_EMPTY_PATH) != 0) {
    *error = fmt::format(
        "key \"root\": the file system of \"{}\" cannot make file handles (name_to_handle_at: "
        "{}); export a directory on a file system with NFS export support (ext4, xfs, btrfs, "
        "tmpfs)",
        options.root, std::strerror(errno));
    return nullptr;
  }
  if (!EncodeHandle(kh, &layer->root_handle_)) {
    *error = fmt::format(
        "key \"root\": the file system of \"{}\" makes {}-byte file handles of type {}; the "
        "posix layer fits at most {} bytes of type < 256",
        options.root, kh.header.handle_bytes, kh.header.handle_type, kMaxKernelHandleBytes);
    return nullptr;
  }
  ScopedFd check(open_by_handle_at(root, &kh.header, O_PATH | O_CLOEXEC));
  if (!check.valid()) {
    *error = fmt::format(
        "key \"root\": cannot reopen \"{}\" by file handle (open_by_handle_at: {}){}",
        options.root, std::strerror(errno),
        errno == EPERM ? "; loopfsd needs CAP_DAC_READ_SEARCH: run it as root" : "");
    return nullptr;
  }
  if (options.cookies) {
    layer->cookies_ = *options.cookies;
  } else {
    struct statfs sfs {};
    if (fstatfs(root, &sfs) == 0 &&
        (sfs.f_type == TMPFS_MAGIC || sfs.f_type == RAMFS_MAGIC ||
         sfs.f_type == OVERLAYFS_SUPER_MAGIC)) {
      layer->cookies_ = CookieScheme::kNameHash;
    }
  }
  return layer;
}

LayerFactory PosixLayerFactory() {
  return [](const LayerParams& params, std::unique_ptr<Layer> lower,
            std::string* error) -> std::unique_ptr<Layer> {
    if (lower) {
      *error = "posix is a base layer: it must be the last in the list (nothing below it)";
      return nullptr;
    }
    PosixOptions options;
    for (const auto& [key, value] : params.values()) {
      if (key == "root") {
        options.root = value;
      } else if (key == "readdir_cookies") {
        if (value == "offset") {
          options.cookies = CookieScheme::kOffset;
        } else if (value == "hash") {
          options.cookies = CookieScheme::kNameHash;
        } else if (value != "auto") {
          *error = fmt::format(
              "key \"readdir_cookies\": \"{}\" is not one of \"auto\", \"offset\", \"hash\"",
              value);
          return nullptr;
        }
      } else {
        *error = fmt::format("unknown key \"{}\" (posix takes: root, readdir_cookies)", key);
        return nullptr;
      }
    }
    return PosixLayer::Open(options, error);
  };
}

Status CheckName(std::string_view name, NameBuf* out) {
  if (name.empty() || name.find('/') != std::string_view::npos ||
      name.find('\0') != std::string_view::npos) {
    return Nfsstat3::kAcces;
  }
  if (name.size() > kNameMax) return Nfsstat3::kNametoolong;
  std::memcpy(out->data(), name.data(), name.size());
  (*out)[name.size()] = '\0';
  return Status::Ok();
}

bool IsDots(std::string_view name) { return name == "." || name == ".."; }

Status PosixLayer::Fail(std::string_view op, int err) const {
  Status s = StatusFromErrno(err);
  if (s.code() == Nfsstat3::kServerfault || s.code() == Nfsstat3::kIo) {
    spdlog::warn("posix: {}: {} ({})", op, std::strerror(err), StatusName(s));
  }
  return s;
}

Attr PosixLayer::ToAttr(const struct stat& st) const { return AttrFromStat(st, root_st_.st_dev); }

std::optional<Attr> PosixLayer::StatAttr(int fd) const {
  struct stat st {};
  if (fstatat(fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0) return std::nullopt;
  return ToAttr(st);
}

void PosixLayer::FillWcc(const Node& node, Wcc* wcc) const { wcc->after = StatAttr(node.get()); }

Status PosixLayer::HandleOf(int dirfd, const char* name, NodeHandle* handle) {
  KernelHandle kh;
  kh.header.handle_bytes = MAX_HANDLE_SZ;
  int mount_id = -1;
  int flags = name[0] == '\0' ? AT_EMPTY_PATH : 0;
  if (name_to_handle_at(dirfd, name, &kh.header, &mount_id, flags) != 0) {
    return Fail("name_to_handle_at", errno);
  }
  // Another mount (a file system mounted inside the root, or a bind mount):
  // the root's mount fd could not decode this handle, or would decode it
  // outside the export.
  if (mount_id != root_mount_id_) return Nfsstat3::kAcces;
  if (!EncodeHandle(kh, handle)) {
    spdlog::warn("posix: a {}-byte file handle of type {} does not fit", kh.header.handle_bytes,
                 kh.header.handle_type);
    return Nfsstat3::kServerfault;
  }
  return Status::Ok();
}

Status PosixLayer::OpenHandle(const NodeHandle& handle, int flags, ScopedFd* fd) {
  KernelHandle kh;
  if (!DecodeHandle(handle, &kh)) return Nfsstat3::kBadhandle;
  int err = 0;
  {
    CredentialScope as_root(RootCredentials());
    *fd = ScopedFd(open_by_handle_at(root_fd_.get(), &kh.header, flags | O_CLOEXEC));
    err = errno;
  }
  if (fd->valid()) return Status::Ok();
  if (err == ESTALE || err == ENOENT) return Nfsstat3::kStale;
  // A handle type the file system does not know: not one we issued.
  if (err == EINVAL) return Nfsstat3::kBadhandle;
  return Fail("open_by_handle_at", err);
}

Status PosixLayer::Resolve(const NodeHandle& handle, Node* node) {
  node->handle = handle;
  node->fd = path_cache_.Find(handle);
  if (!node->fd) {
    ScopedFd fd;
    Status s = OpenHandle(handle, O_PATH, &fd);
    if (!s.ok()) return s;
    node->fd = MakeSharedFd(fd.release());
    path_cache_.Insert(handle, node->fd);
  }
  if (fstatat(node->get(), "", &node->st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0) {
    return Fail("fstat", errno);
  }
  // Our cached fd keeps an unlinked inode alive; the object is gone for NFS.
  if (node->st.st_nlink == 0) {
    Forget(handle);
    return Nfsstat3::kStale;
  }
  return Status::Ok();
}

Status PosixLayer::ResolveDir(const NodeHandle& handle, Node* node) {
  Status s = Resolve(handle, node);
  if (s.ok() && !S_ISDIR(node->st.st_mode)) return Nfsstat3::kNotdir;
  return s;
}

void PosixLayer::Forget(const NodeHandle& handle) {
  path_cache_.Erase(handle);
  data_cache_.Erase({handle, false});
  data_cache_.Erase({handle, true});
  dir_cache_.Erase(handle);
  snapshots_.Erase(handle);
}

Status PosixLayer::Root(const RequestContext& ctx, NodeHandle* root) {
  *root = root_handle_;
  return Status::Ok();
}

Status PosixLayer::GetAttr(const RequestContext& ctx, const NodeHandle& fh, Attr* attr) {
  Node node;
  Status s = Resolve(fh, &node);
  if (s.ok()) *attr = ToAttr(node.st);
  return s;
}

Status PosixLayer::Lookup(const RequestContext& ctx, const NodeHandle& dir, std::string_view name,
                          LookupRes* res) {
  Node d;
  Status s = Resolve(dir, &d);
  if (!s.ok()) return s;
  res->dir_attr = ToAttr(d.st);
  if (!S_ISDIR(d.st.st_mode)) return Nfsstat3::kNotdir;
  CredentialScope as_caller(ctx.cred);
  if (!as_caller.ok()) return Nfsstat3::kServerfault;
  Node child;
  s = LookupChild(d, name, &child);
  if (!s.ok()) return s;
  res->handle = child.handle;
  res->attr = ToAttr(child.st);
  return Status::Ok();
}

Status PosixLayer::LookupChild(const Node& dir, std::string_view name, Node* child) {
  NameBuf buf;
  Status s = CheckName(name, &buf);
  if (!s.ok()) return s;
  // ".." of the root is the root: never step above the export.  "." is
  // opened rather than copied so the caller's search permission is checked.
  const char* component = buf.data();
  if (name == ".." && IsRoot(dir.st)) component = ".";
  int fd = openat(dir.get(), component, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return Fail("lookup", errno);
  child->fd = MakeSharedFd(fd);
  if (fstatat(fd, "", &child->st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0) {
    return Fail("fstat", errno);
  }
  s = HandleOf(fd, "", &child->handle);
  if (!s.ok()) return s;
  path_cache_.Insert(child->handle, child->fd);
  return Status::Ok();
}

Status PosixLayer::ChmodFd(int fd, uint32_t mode) const {
  // fchmod does not work on O_PATH fds and fchmodat(AT_EMPTY_PATH) only
  // exists from Linux 6.6 (fchmodat2); the /proc magic link reaches the
  // inode without a path walk.
  std::string path = fmt::format("/proc/self/fd/{}", fd);
  if (chmod(path.c_str(), mode & 07777) != 0) return Fail("chmod", errno);
  return Status::Ok();
}

// Applies sattr3 to node under the thread's (caller's) ids.  Order: owner
// first, since a chown clears setuid/setgid, so that a mode sent in the same
// call is what remains; then mode, size, times.
Status PosixLayer::ApplyAttrs(const Node& node, const SetAttrArgs& args, bool skip_mode) {
  int fd = node.get();
  if (args.uid || args.gid) {
    uid_t uid = args.uid ? *args.uid : static_cast<uid_t>(-1);
    gid_t gid = args.gid ? *args.gid : static_cast<gid_t>(-1);
    if (fchownat(fd, "", uid, gid, AT_EMPTY_PATH) != 0) return Fail("chown", errno);
  }
  // Like knfsd, a mode for a symlink is ignored (Linux symlinks have none).
  if (args.mode && !skip_mode && !S_ISLNK(node.st.st_mode)) {
    Status s = ChmodFd(fd, *args.mode);
    if (!s.ok()) return s;
  }
  if (args.size) {
    if (S_ISDIR(node.st.st_mode)) return Nfsstat3::kIsdir;
    if (!S_ISREG(node.st.st_mode)) return Nfsstat3::kInval;
    Credentials cred = CurrentThreadCredentials();
    Status s = CheckDataAccess(node, cred, /*write=*/true);
    if (!s.ok()) return s;
    SharedFd data;
    s = DataFd(node, /*write=*/true, &data);
    if (!s.ok()) return s;
    // Truncating under the caller's ids lets the kernel clear setuid/setgid
    // as it does for a local truncate.
    if (ftruncate(data->get(), static_cast<off_t>(*args.size)) != 0) {
      return Fail("truncate", errno);
    }
  }
  if (args.atime.how != TimeHow::kDontChange || args.mtime.how != TimeHow::kDontChange) {
    struct timespec ts[2];
    const SetTime* in[2] = {&args.atime, &args.mtime};
    for (int i = 0; i < 2; ++i) {
      switch (in[i]->how) {
        case TimeHow::kDontChange: ts[i] = {0, UTIME_OMIT}; break;
        case TimeHow::kServerTime: ts[i] = {0, UTIME_NOW}; break;
        case TimeHow::kClientTime:
          if (in[i]->time.nseconds >= 1000000000) return Nfsstat3::kInval;
          ts[i] = {static_cast<time_t>(in[i]->time.seconds),
                   static_cast<long>(in[i]->time.nseconds)};
          break;
      }
    }
    if (utimensat(fd, "", ts, AT_EMPTY_PATH) != 0) return Fail("utimensat", errno);
  }
  return Status::Ok();
}

Status PosixLayer::SetAttr(const RequestContext& ctx, const NodeHandle& fh,
                           const SetAttrArgs& args, const std::optional<NfsTime>& guard_ctime,
                           Wcc* wcc) {
  Node node;
  Status s = Resolve(fh, &node);
  if (!s.ok()) return s;
  Attr before = ToAttr(node.st);
  wcc->before = ToWccAttr(before);
  wcc->after = before;
  if (ctx.read_only) return Nfsstat3::kRofs;
  if (guard_ctime && !(*guard_ctime == before.ctime)) return Nfsstat3::kNotSync;
  {
    CredentialScope as_caller(ctx.cred);
    if (!as_caller.ok()) return Nfsstat3::kServerfault;
    s = ApplyAttrs(node, args, /*skip_mode=*/false);
  }
  FillWcc(node, wcc);
  return s;
}

// ACCESS3 bits → access(2) modes, for a directory and for anything else.
Status PosixLayer::Access(const RequestContext& ctx, const NodeHandle& fh, uint32_t access,
                          AccessRes* res) {
  Node node;
  Status s = Resolve(fh, &node);
  if (!s.ok()) return s;
  res->attr = ToAttr(node.st);
  res->granted = 0;
  bool dir = S_ISDIR(node.st.st_mode);
  CredentialScope as_caller(ctx.cred);
  if (!as_caller.ok()) return Nfsstat3::kServerfault;
  auto may = [&](int mode) { return AccessAt(node.get(), mode) == 0; };
  // ACCESS answers what open(2) would allow, as on a local file system: the
  // owner of a mode-0 file is refused here.  (READ and WRITE themselves let
  // the owner through, CheckDataAccess, for the open-then-chmod case.)
  if ((access & kAccessRead) && may(R_OK)) {
    res->granted |= kAccessRead;
  }
  if (dir) {
    if ((access & kAccessLookup) && may(X_OK)) res->granted |= kAccessLookup;
    if (!ctx.read_only && (access & (kAccessModify | kAccessExtend | kAccessDelete)) &&
        may(W_OK | X_OK)) {
      res->granted |= access & (kAccessModify | kAccessExtend | kAccessDelete);
    }
  } else {
    if ((access & kAccessExecute) && may(X_OK)) res->granted |= kAccessExecute;
    if (!ctx.read_only && (access & (kAccessModify | kAccessExtend)) && may(W_OK)) {
      res->granted |= access & (kAccessModify | kAccessExtend);
    }
  }
  return Status::Ok();
}

Status PosixLayer::ReadLink(const RequestContext& ctx, const NodeHandle& fh, ReadLinkRes* res) {
  Node node;
  Status s = Resolve(fh, &node);
  if (!s.ok()) return s;
  res->attr = ToAttr(node.st);
  if (!S_ISLNK(node.st.st_mode)) return Nfsstat3::kInval;
  char target[PATH_MAX];
  ssize_t n = readlinkat(node.get(), "", target, sizeof(target));
  if (n < 0) return Fail("readlink", errno);
  res->target.assign(target, static_cast<size_t>(n));
  return Status::Ok();
}

Status PosixLayer::FsStat(const RequestContext& ctx, const NodeHandle& fh, FsStatRes* res) {
  Node node;
  Status s = Resolve(fh, &node);
  if (!s.ok()) return s;
  res->attr = ToAttr(node.st);
  struct statvfs v {};
  if (fstatvfs(node.get(), &v) != 0) return Fail("statvfs", errno);
  res->tbytes = static_cast<uint64_t>(v.f_blocks) * v.f_frsize;
  res->fbytes = static_cast<uint64_t>(v.f_bfree) * v.f_frsize;
  res->abytes = static_cast<uint64_t>(v.f_bavail) * v.f_frsize;
  res->tfiles = v.f_files;
  res->ffiles = v.f_ffree;
  res->afiles = v.f_favail;
  res->invarsec = 0;
  return Status::Ok();
}

Status PosixLayer::FsInfo(const RequestContext& ctx, const NodeHandle& fh, FsInfoRes* res) {
  Node node;
  Status s = Resolve(fh, &node);
  if (!s.ok()) return s;
  res->attr = ToAttr(node.st);
  // Not fpathconf(_PC_FILESIZEBITS): glibc answers 32 for file systems it
  // does not know (tmpfs among them), and the client would then refuse
  // writes past 2 GiB itself.  The kernel's own limit is 2^63-1; a file
  // system with a lower one fails the write with EFBIG (NFS3ERR_FBIG).
  res->maxfilesize = static_cast<uint64_t>(INT64_MAX);
  return Status::Ok();
}

Status PosixLayer::PathConf(const RequestContext& ctx, const NodeHandle& fh, PathConfRes* res) {
  Node node;
  Status s = Resolve(fh, &node);
  if (!s.ok()) return s;
  res->attr = ToAttr(node.st);
  long link_max = fpathconf(node.get(), _PC_LINK_MAX);
  res->linkmax = link_max > 0 && link_max < UINT32_MAX ? static_cast<uint32_t>(link_max) : 1;
  long name_max = fpathconf(node.get(), _PC_NAME_MAX);
  res->name_max = name_max > 0 && name_max < 255 ? static_cast<uint32_t>(name_max) : 255;
  res->no_trunc = true;
  res->chown_restricted = true;
  res->case_insensitive = false;
  res->case_preserving = true;
  return Status::Ok();
}

}  // namespace loopfs::posix
