// The posix layer's changes to the name space: CREATE, MKDIR, SYMLINK,
// MKNOD, REMOVE, RMDIR, RENAME, LINK.  All run under the caller's ids, so
// new objects belong to the caller (and inherit the group of a setgid
// directory, which the kernel does) and the kernel enforces write and sticky
// directory permissions.
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <string>

#include "layers/posix/credentials.h"
#include "layers/posix/posix_internal.h"
#include "layers/posix/posix_layer.h"

namespace loopfs::posix {
namespace {

// RFC 1813 section 3.3.8 suggests keeping the exclusive-create verifier in
// the new file's attributes; like knfsd, its two halves become mtime and
// atime seconds, masked to 31 bits so they are valid non-negative times.
struct VerifierTimes {
  time_t mtime;
  time_t atime;
};
VerifierTimes TimesFor(const CreateVerifier& verf) {
  auto half = [&](int i) {
    uint32_t v = (uint32_t{verf[i]} << 24) | (uint32_t{verf[i + 1]} << 16) |
                 (uint32_t{verf[i + 2]} << 8) | verf[i + 3];
    return static_cast<time_t>(v & 0x7fffffff);
  };
  return {half(0), half(4)};
}

}  // namespace

Status PosixLayer::FinishCreate(const Node& dir, ScopedFd child_fd, const SetAttrArgs& args,
                                std::optional<uint32_t> want_mode, CreateRes* res) {
  Node child;
  child.fd = MakeSharedFd(child_fd.release());
  if (fstatat(child.get(), "", &child.st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0) {
    return Fail("fstat", errno);
  }
  Status s = HandleOf(child.get(), "", &child.handle);
  if (!s.ok()) return s;
  path_cache_.Insert(child.handle, child.fd);
  res->handle = child.handle;
  // The process umask applied to the create; NFS wants the mode as sent
  // (knfsd creates with umask 0).  A new directory keeps the setgid bit the
  // kernel gave it in a setgid directory.
  if (want_mode && !S_ISLNK(child.st.st_mode)) {
    uint32_t mode = *want_mode & 07777;
    if (S_ISDIR(child.st.st_mode)) mode |= child.st.st_mode & S_ISGID;
    if (mode != (child.st.st_mode & 07777)) s = ChmodFd(child.get(), mode);
  }
  if (s.ok()) s = ApplyAttrs(child, args, /*skip_mode=*/true);
  res->attr = StatAttr(child.get());
  res->dir_wcc.after = StatAttr(dir.get());
  return s;
}

Status PosixLayer::Create(const RequestContext& ctx, const NodeHandle& dir, std::string_view name,
                          CreateMode mode, const SetAttrArgs& args, const CreateVerifier& verf,
                          CreateRes* res) {
  Node d;
  Status s = ResolveDir(dir, &d);
  if (!s.ok()) return s;
  res->dir_wcc.before = ToWccAttr(ToAttr(d.st));
  res->dir_wcc.after = ToAttr(d.st);
  if (ctx.read_only) return Nfsstat3::kRofs;
  NameBuf buf;
  s = CheckName(name, &buf);
  if (!s.ok()) return s;
  if (IsDots(name)) return Nfsstat3::kExist;
  CredentialScope as_caller(ctx.cred);
  if (!as_caller.ok()) return Nfsstat3::kServerfault;

  const int flags = O_CREAT | O_EXCL | O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK;
  mode_t create_mode = mode == CreateMode::kExclusive ? 0600 : (args.mode.value_or(0) & 07777);
  ScopedFd fd(openat(d.get(), buf.data(), flags, create_mode));
  if (!fd.valid() && errno != EEXIST) return Fail("create", errno);

  if (!fd.valid()) {
    if (mode == CreateMode::kGuarded) return Nfsstat3::kExist;
    // UNCHECKED on an existing regular file succeeds and, like knfsd, only a
    // size in the attributes is applied; EXCLUSIVE succeeds only if this is
    // a retransmission of the same create.
    ScopedFd existing(openat(d.get(), buf.data(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
    if (!existing.valid()) return Fail("create", errno);
    struct stat st {};
    if (fstat(existing.get(), &st) != 0) return Fail("fstat", errno);
    if (!S_ISREG(st.st_mode)) return Nfsstat3::kExist;
    SetAttrArgs only_size;
    if (mode == CreateMode::kExclusive) {
      VerifierTimes t = TimesFor(verf);
      if (st.st_mtim.tv_sec != t.mtime || st.st_atim.tv_sec != t.atime) {
        return Nfsstat3::kExist;
      }
    } else {
      only_size.size = args.size;
    }
    return FinishCreate(d, std::move(existing), only_size, std::nullopt, res);
  }

  if (mode == CreateMode::kExclusive) {
    VerifierTimes t = TimesFor(verf);
    struct timespec ts[2] = {{t.atime, 0}, {t.mtime, 0}};
    if (futimens(fd.get(), ts) != 0) return Fail("create: store verifier", errno);
    return FinishCreate(d, std::move(fd), SetAttrArgs{}, std::nullopt, res);
  }
  SetAttrArgs rest = args;
  // A new file is empty: a size of 0 is already true (and needs no write
  // permission the creator may not have under a mode like 0444).
  if (rest.size && *rest.size == 0) rest.size.reset();
  return FinishCreate(d, std::move(fd), rest, args.mode.value_or(0), res);
}

Status PosixLayer::MkDir(const RequestContext& ctx, const NodeHandle& dir, std::string_view name,
                         const SetAttrArgs& args, CreateRes* res) {
  Node d;
  Status s = ResolveDir(dir, &d);
  if (!s.ok()) return s;
  res->dir_wcc.before = ToWccAttr(ToAttr(d.st));
  res->dir_wcc.after = ToAttr(d.st);
  if (ctx.read_only) return Nfsstat3::kRofs;
  NameBuf buf;
  s = CheckName(name, &buf);
  if (!s.ok()) return s;
  if (IsDots(name)) return Nfsstat3::kExist;
  CredentialScope as_caller(ctx.cred);
  if (!as_caller.ok()) return Nfsstat3::kServerfault;
  uint32_t mode = args.mode.value_or(0) & 07777;
  if (mkdirat(d.get(), buf.data(), mode) != 0) return Fail("mkdir", errno);
  ScopedFd fd(openat(d.get(), buf.data(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid()) return Fail("mkdir: open", errno);
  SetAttrArgs rest = args;
  rest.size.reset();
  return FinishCreate(d, std::move(fd), rest, mode, res);
}

Status PosixLayer::SymLink(const RequestContext& ctx, const NodeHandle& dir,
                           std::string_view name, std::string_view target,
                           const SetAttrArgs& args, CreateRes* res) {
  Node d;
  Status s = ResolveDir(dir, &d);
  if (!s.ok()) return s;
  res->dir_wcc.before = ToWccAttr(ToAttr(d.st));
  res->dir_wcc.after = ToAttr(d.st);
  if (ctx.read_only) return Nfsstat3::kRofs;
  NameBuf buf;
  s = CheckName(name, &buf);
  if (!s.ok()) return s;
  if (IsDots(name)) return Nfsstat3::kExist;
  // The target is stored, never followed by the server: any text will do,
  // except what a C string cannot hold.
  if (target.empty() || target.find('\0') != std::string_view::npos) return Nfsstat3::kInval;
  if (target.size() >= PATH_MAX) return Nfsstat3::kNametoolong;
  std::string text(target);
  CredentialScope as_caller(ctx.cred);
  if (!as_caller.ok()) return Nfsstat3::kServerfault;
  if (symlinkat(text.c_str(), d.get(), buf.data()) != 0) return Fail("symlink", errno);
  ScopedFd fd(openat(d.get(), buf.data(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid()) return Fail("symlink: open", errno);
  SetAttrArgs rest = args;
  rest.size.reset();
  rest.mode.reset();
  return FinishCreate(d, std::move(fd), rest, std::nullopt, res);
}

Status PosixLayer::MkNod(const RequestContext& ctx, const NodeHandle& dir, std::string_view name,
                         FileType type, const SetAttrArgs& args, uint32_t rdev_major,
                         uint32_t rdev_minor, CreateRes* res) {
  Node d;
  Status s = ResolveDir(dir, &d);
  if (!s.ok()) return s;
  res->dir_wcc.before = ToWccAttr(ToAttr(d.st));
  res->dir_wcc.after = ToAttr(d.st);
  if (ctx.read_only) return Nfsstat3::kRofs;
  mode_t fmt;
  dev_t rdev = 0;
  switch (type) {
    case FileType::kChr: fmt = S_IFCHR; rdev = makedev(rdev_major, rdev_minor); break;
    case FileType::kBlk: fmt = S_IFBLK; rdev = makedev(rdev_major, rdev_minor); break;
    case FileType::kSock: fmt = S_IFSOCK; break;
    case FileType::kFifo: fmt = S_IFIFO; break;
    default: return Nfsstat3::kBadtype;
  }
  NameBuf buf;
  s = CheckName(name, &buf);
  if (!s.ok()) return s;
  if (IsDots(name)) return Nfsstat3::kExist;
  CredentialScope as_caller(ctx.cred);
  if (!as_caller.ok()) return Nfsstat3::kServerfault;
  uint32_t mode = args.mode.value_or(0) & 07777;
  if (mknodat(d.get(), buf.data(), fmt | mode, rdev) != 0) return Fail("mknod", errno);
  ScopedFd fd(openat(d.get(), buf.data(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid()) return Fail("mknod: open", errno);
  SetAttrArgs rest = args;
  rest.size.reset();
  return FinishCreate(d, std::move(fd), rest, mode, res);
}

namespace {
// Removing or renaming "." or ".." is never meaningful, and ".." at the
// root names something outside the export.
Status CheckRemovableName(std::string_view name, NameBuf* buf) {
  Status s = CheckName(name, buf);
  if (s.ok() && IsDots(name)) return Nfsstat3::kInval;
  return s;
}
}  // namespace

Status PosixLayer::Remove(const RequestContext& ctx, const NodeHandle& dir, std::string_view name,
                          RemoveRes* res) {
  return Unlink(ctx, dir, name, /*directory=*/false, res);
}

Status PosixLayer::RmDir(const RequestContext& ctx, const NodeHandle& dir, std::string_view name,
                         RemoveRes* res) {
  return Unlink(ctx, dir, name, /*directory=*/true, res);
}

// REMOVE and RMDIR: unlinkat(2) with or without AT_REMOVEDIR, and the
// victim's cached fds dropped so its handle answers STALE at once.
Status PosixLayer::Unlink(const RequestContext& ctx, const NodeHandle& dir, std::string_view name,
                          bool directory, RemoveRes* res) {
  Node d;
  Status s = ResolveDir(dir, &d);
  if (!s.ok()) return s;
  res->dir_wcc.before = ToWccAttr(ToAttr(d.st));
  res->dir_wcc.after = ToAttr(d.st);
  if (ctx.read_only) return Nfsstat3::kRofs;
  NameBuf buf;
  s = CheckRemovableName(name, &buf);
  if (!s.ok()) return s;
  CredentialScope as_caller(ctx.cred);
  if (!as_caller.ok()) return Nfsstat3::kServerfault;
  NodeHandle victim;
  bool known = HandleOf(d.get(), buf.data(), &victim).ok();
  if (unlinkat(d.get(), buf.data(), directory ? AT_REMOVEDIR : 0) != 0) {
    int err = errno;
    // Some file systems say EEXIST for a non-empty directory; NFS says NOTEMPTY.
    s = directory ? Fail("rmdir", err == EEXIST ? ENOTEMPTY : err) : Fail("remove", err);
  } else if (known) {
    Forget(victim);
  }
  FillWcc(d, &res->dir_wcc);
  return s;
}

Status PosixLayer::Rename(const RequestContext& ctx, const NodeHandle& from_dir,
                          std::string_view from_name, const NodeHandle& to_dir,
                          std::string_view to_name, RenameRes* res) {
  Node from, to;
  Status s = ResolveDir(from_dir, &from);
  if (!s.ok()) return s;
  res->from_dir_wcc.before = ToWccAttr(ToAttr(from.st));
  res->from_dir_wcc.after = ToAttr(from.st);
  s = ResolveDir(to_dir, &to);
  if (!s.ok()) return s;
  res->to_dir_wcc.before = ToWccAttr(ToAttr(to.st));
  res->to_dir_wcc.after = ToAttr(to.st);
  if (ctx.read_only) return Nfsstat3::kRofs;
  NameBuf from_buf, to_buf;
  s = CheckRemovableName(from_name, &from_buf);
  if (s.ok()) s = CheckRemovableName(to_name, &to_buf);
  if (!s.ok()) return s;
  CredentialScope as_caller(ctx.cred);
  if (!as_caller.ok()) return Nfsstat3::kServerfault;
  // A replaced object loses a link; drop its cached fds (unless source and
  // target are links of one inode, where rename does nothing).
  NodeHandle source, victim;
  bool have_source = HandleOf(from.get(), from_buf.data(), &source).ok();
  bool have_victim = HandleOf(to.get(), to_buf.data(), &victim).ok();
  if (renameat(from.get(), from_buf.data(), to.get(), to_buf.data()) != 0) {
    s = Fail("rename", errno == EEXIST ? ENOTEMPTY : errno);
  } else if (have_victim && !(have_source && source == victim)) {
    Forget(victim);
  }
  FillWcc(from, &res->from_dir_wcc);
  FillWcc(to, &res->to_dir_wcc);
  return s;
}

Status PosixLayer::Link(const RequestContext& ctx, const NodeHandle& fh, const NodeHandle& dir,
                        std::string_view name, LinkRes* res) {
  Node file, d;
  Status s = Resolve(fh, &file);
  if (!s.ok()) return s;
  res->attr = ToAttr(file.st);
  s = ResolveDir(dir, &d);
  if (!s.ok()) return s;
  res->dir_wcc.before = ToWccAttr(ToAttr(d.st));
  res->dir_wcc.after = ToAttr(d.st);
  if (ctx.read_only) return Nfsstat3::kRofs;
  NameBuf buf;
  s = CheckName(name, &buf);
  if (!s.ok()) return s;
  if (IsDots(name)) return Nfsstat3::kExist;
  if (S_ISDIR(file.st.st_mode)) return Nfsstat3::kIsdir;
  CredentialScope as_caller(ctx.cred);
  if (!as_caller.ok()) return Nfsstat3::kServerfault;
  // linkat(fd, "", AT_EMPTY_PATH) needs CAP_DAC_READ_SEARCH; the /proc magic
  // link works for any caller and is subject to protected_hardlinks like a
  // local link.  Following it lands on the inode itself, never on a
  // symlink's target.
  std::string path = fmt::format("/proc/self/fd/{}", file.get());
  if (linkat(AT_FDCWD, path.c_str(), d.get(), buf.data(), AT_SYMLINK_FOLLOW) != 0) {
    s = Fail("link", errno);
  }
  res->attr = StatAttr(file.get());
  FillWcc(d, &res->dir_wcc);
  return s;
}

}  // namespace loopfs::posix
