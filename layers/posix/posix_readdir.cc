// The posix layer's READDIR and READDIRPLUS; the cookie schemes are
// described in posix_layer.h.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

#include "layers/posix/attr.h"
#include "layers/posix/credentials.h"
#include "layers/posix/posix_internal.h"
#include "layers/posix/posix_layer.h"

namespace loopfs::posix {

// One open directory, positioned by lseek for each listing.  Its mutex is
// held for a whole READDIR call: the position is the fd's.
struct PosixLayer::DirStream {
  std::mutex mu;
  ScopedFd fd;
};

// A directory's entries sorted by NameCookie, for file systems whose
// offsets shift on removal.
struct PosixLayer::Snapshot {
  struct timespec mtime {};
  struct timespec ctime {};
  struct Entry {
    uint64_t cookie;
    uint64_t ino;
    std::string name;
  };
  std::vector<Entry> entries;
};

namespace {

constexpr uint64_t kDotCookie = 1;
constexpr uint64_t kDotDotCookie = 2;
constexpr size_t kGetdentsBuffer = 32 * 1024;

// The kernel's struct linux_dirent64.
struct LinuxDirent64 {
  uint64_t d_ino;
  int64_t d_off;
  unsigned short d_reclen;
  unsigned char d_type;
  char d_name[];
};

uint64_t Fnv1a(const uint8_t* p, size_t n) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (size_t i = 0; i < n; ++i) {
    h ^= p[i];
    h *= 0x100000001b3ULL;
  }
  return h;
}

uint64_t Mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

bool SameTime(const struct timespec& a, const struct timespec& b) {
  return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

}  // namespace

uint64_t NameCookie(std::string_view name) {
  // 63 bits: a Linux client hands cookies to user space as directory
  // offsets (loff_t), which must not be negative.
  uint64_t h = Mix(Fnv1a(reinterpret_cast<const uint8_t*>(name.data()), name.size())) &
               0x7fffffffffffffffULL;
  return h <= kDotDotCookie ? h + kDotDotCookie + 1 : h;
}

CookieVerifier PosixLayer::VerifierFor(const NodeHandle& dir) const {
  uint64_t v = Mix(Fnv1a(dir.data.data(), dir.size) ^ static_cast<uint64_t>(cookies_));
  if (v == 0) v = 1;  // zeros mean "no verifier" on the wire
  CookieVerifier out;
  for (int i = 0; i < 8; ++i) out[i] = static_cast<uint8_t>(v >> (56 - 8 * i));
  return out;
}

bool PosixLayer::FillPlus(const Node& dir, std::string_view name, DirEntry* entry) {
  if (name == ".") {
    entry->handle = dir.handle;
    entry->attr = ToAttr(dir.st);
    return true;
  }
  // The root's parent is outside the export: no handle for it.
  if (name == ".." && IsRoot(dir.st)) return false;
  NameBuf buf;
  if (!CheckName(name, &buf).ok()) return false;
  NodeHandle handle;
  // Mount points (another mount id) and races with removal: list the name
  // without handle and attributes; the client will LOOKUP it.
  if (!HandleOf(dir.get(), buf.data(), &handle).ok()) return false;
  struct stat st {};
  if (fstatat(dir.get(), buf.data(), &st, AT_SYMLINK_NOFOLLOW) != 0) return false;
  entry->handle = handle;
  entry->attr = ToAttr(st);
  return true;
}

Status PosixLayer::ReadDir(const RequestContext& ctx, const NodeHandle& dir, uint64_t cookie,
                           const CookieVerifier& verf, bool plus, DirSink& sink,
                           ReadDirRes* res) {
  Node d;
  Status s = Resolve(dir, &d);
  if (!s.ok()) return s;
  res->dir_attr = ToAttr(d.st);
  res->eof = false;
  if (!S_ISDIR(d.st.st_mode)) return Nfsstat3::kNotdir;
  res->verifier = VerifierFor(dir);
  // Linux clients send zeros after a restart of theirs; knfsd accepts them,
  // and so do we.  A non-zero verifier must be this directory's.
  if (cookie != 0 && verf != CookieVerifier{} && verf != res->verifier) {
    return Nfsstat3::kBadCookie;
  }
  CredentialScope as_caller(ctx.cred);
  if (!as_caller.ok()) return Nfsstat3::kServerfault;
  if (AccessAt(d.get(), R_OK) != 0) return Fail("readdir", errno);
  if (cookies_ == CookieScheme::kNameHash) return ReadDirHashed(ctx, d, cookie, plus, sink, res);
  return ReadDirOffsets(ctx, d, cookie, plus, sink, res);
}

Status PosixLayer::ReadDirOffsets(const RequestContext& ctx, const Node& dir, uint64_t cookie,
                                  bool plus, DirSink& sink, ReadDirRes* res) {
  // A continuing listing finds the directory already open; one that finds it
  // busy (two clients listing at once) opens its own.
  std::shared_ptr<DirStream> stream = dir_cache_.Find(dir.handle);
  std::unique_lock<std::mutex> lock;
  if (stream) lock = std::unique_lock(stream->mu, std::try_to_lock);
  if (!stream || !lock.owns_lock()) {
    ScopedFd fd;
    Status s = OpenHandle(dir.handle, O_RDONLY | O_DIRECTORY, &fd);
    if (!s.ok()) return s;
    stream = std::make_shared<DirStream>();
    stream->fd = std::move(fd);
    lock = std::unique_lock(stream->mu);
    dir_cache_.Insert(dir.handle, stream);
  }
  int fd = stream->fd.get();
  if (cookie > static_cast<uint64_t>(INT64_MAX) ||
      lseek(fd, static_cast<off_t>(cookie), SEEK_SET) < 0) {
    return Nfsstat3::kBadCookie;
  }
  alignas(LinuxDirent64) static thread_local char buf[kGetdentsBuffer];
  for (;;) {
    long n = syscall(SYS_getdents64, fd, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINVAL || errno == ENOENT) return Nfsstat3::kBadCookie;
      return Fail("getdents64", errno);
    }
    if (n == 0) {
      res->eof = true;
      return Status::Ok();
    }
    for (long pos = 0; pos < n;) {
      auto* e = reinterpret_cast<LinuxDirent64*>(buf + pos);
      pos += e->d_reclen;
      DirEntry entry;
      entry.name = e->d_name;
      entry.cookie = static_cast<uint64_t>(e->d_off);
      entry.fileid = e->d_ino;
      if (entry.name == ".." && IsRoot(dir.st)) entry.fileid = dir.st.st_ino;
      if (plus) FillPlus(dir, entry.name, &entry);
      if (!sink.Add(entry)) return Status::Ok();
    }
  }
}

std::shared_ptr<const PosixLayer::Snapshot> PosixLayer::SnapshotOf(const Node& dir,
                                                                   Status* status) {
  std::shared_ptr<const Snapshot> cached = snapshots_.Find(dir.handle);
  if (cached && SameTime(cached->mtime, dir.st.st_mtim) &&
      SameTime(cached->ctime, dir.st.st_ctim)) {
    return cached;
  }
  ScopedFd fd;
  *status = OpenHandle(dir.handle, O_RDONLY | O_DIRECTORY, &fd);
  if (!status->ok()) return nullptr;
  // Times are taken before reading: a change during the read makes the next
  // call read again.
  auto snap = std::make_shared<Snapshot>();
  snap->mtime = dir.st.st_mtim;
  snap->ctime = dir.st.st_ctim;
  alignas(LinuxDirent64) static thread_local char buf[kGetdentsBuffer];
  for (;;) {
    long n = syscall(SYS_getdents64, fd.get(), buf, sizeof(buf));
    if (n < 0) {
      *status = Fail("getdents64", errno);
      return nullptr;
    }
    if (n == 0) break;
    for (long pos = 0; pos < n;) {
      auto* e = reinterpret_cast<LinuxDirent64*>(buf + pos);
      pos += e->d_reclen;
      std::string_view name = e->d_name;
      uint64_t c = name == "." ? kDotCookie : name == ".." ? kDotDotCookie : NameCookie(name);
      snap->entries.push_back({c, e->d_ino, std::string(name)});
    }
  }
  std::sort(snap->entries.begin(), snap->entries.end(),
            [](const Snapshot::Entry& a, const Snapshot::Entry& b) { return a.cookie < b.cookie; });
  snapshots_.Insert(dir.handle, snap);
  return snap;
}

Status PosixLayer::ReadDirHashed(const RequestContext& ctx, const Node& dir, uint64_t cookie,
                                 bool plus, DirSink& sink, ReadDirRes* res) {
  Status s;
  std::shared_ptr<const Snapshot> snap = SnapshotOf(dir, &s);
  if (!snap) return s;
  auto it = snap->entries.begin();
  if (cookie != 0) {
    it = std::upper_bound(snap->entries.begin(), snap->entries.end(), cookie,
                          [](uint64_t c, const Snapshot::Entry& e) { return c < e.cookie; });
  }
  for (; it != snap->entries.end(); ++it) {
    DirEntry entry;
    entry.name = it->name;
    entry.cookie = it->cookie;
    entry.fileid = it->ino;
    if (entry.name == ".." && IsRoot(dir.st)) entry.fileid = dir.st.st_ino;
    if (plus) FillPlus(dir, entry.name, &entry);
    if (!sink.Add(entry)) return Status::Ok();
  }
  res->eof = true;
  return Status::Ok();
}

}  // namespace loopfs::posix
