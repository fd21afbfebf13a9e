// The posix layer's data path: READ, WRITE, COMMIT.
//
// Opening a file for every READ or WRITE as the caller would cost an
// open_by_handle_at, a credential switch and a close per call.  Instead the
// layer keeps fds it opened as root, one read-only and one read-write per
// handle (LRU-bounded), and checks the caller's permission per call
// (CheckDataAccess).  The I/O itself still runs under the caller's ids, so
// the kernel clears setuid/setgid on a write by anyone without CAP_FSETID,
// exactly as for a local write.  Read-only and read-write fds are separate
// so a file that is only read is not held open for writing (which would
// make execve of it fail with ETXTBSY).
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "layers/posix/credentials.h"
#include "layers/posix/posix_internal.h"
#include "layers/posix/posix_layer.h"

namespace loopfs::posix {

Status PosixLayer::CheckDataAccess(const Node& node, const Credentials& cred, bool write) const {
  // The owner may always: permission was checked when the client opened the
  // file, and the mode may have changed since (open, then chmod).
  if (cred.uid == node.st.st_uid) return Status::Ok();
  if (write) {
    if (AccessAt(node.get(), W_OK) == 0) return Status::Ok();
  } else {
    // A client cannot tell a read for execve from any other read.
    if (AccessAt(node.get(), R_OK) == 0 || AccessAt(node.get(), X_OK) == 0) return Status::Ok();
  }
  return StatusFromErrno(errno);
}

Status PosixLayer::DataFd(const Node& node, bool write, SharedFd* fd) {
  DataKey key{node.handle, write};
  *fd = data_cache_.Find(key);
  // A reader is served by the read-write fd too, if there is one.
  if (!*fd && !write) *fd = data_cache_.Find({node.handle, true});
  if (*fd) return Status::Ok();
  ScopedFd opened;
  Status s = OpenHandle(node.handle, (write ? O_RDWR : O_RDONLY) | O_NONBLOCK, &opened);
  if (!s.ok()) return s;
  int raw = opened.release();
  // O_NONBLOCK made the open fail (EWOULDBLOCK → JUKEBOX) instead of waiting
  // for a local lease holder to let go; the I/O itself should block.
  fcntl(raw, F_SETFL, fcntl(raw, F_GETFL) & ~O_NONBLOCK);
  *fd = MakeSharedFd(raw);
  data_cache_.Insert(key, *fd);
  return Status::Ok();
}

Status PosixLayer::Read(const RequestContext& ctx, const NodeHandle& fh, uint64_t offset,
                        std::span<uint8_t> buf, ReadRes* res) {
  Node node;
  Status s = Resolve(fh, &node);
  if (!s.ok()) return s;
  res->attr = ToAttr(node.st);
  res->count = 0;
  if (S_ISDIR(node.st.st_mode)) return Nfsstat3::kIsdir;
  if (!S_ISREG(node.st.st_mode)) return Nfsstat3::kInval;
  CredentialScope as_caller(ctx.cred);
  if (!as_caller.ok()) return Nfsstat3::kServerfault;
  // Permission first: a caller who may not read does not get the file
  // opened on its behalf.
  s = CheckDataAccess(node, ctx.cred, /*write=*/false);
  if (!s.ok()) return s;
  SharedFd data;
  s = DataFd(node, /*write=*/false, &data);
  if (!s.ok()) return s;
  if (offset > static_cast<uint64_t>(INT64_MAX)) {
    res->eof = true;
    return Status::Ok();
  }
  size_t done = 0;
  while (done < buf.size()) {
    ssize_t n = pread(data->get(), buf.data() + done, buf.size() - done,
                      static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return Fail("read", errno);
    }
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  res->count = static_cast<uint32_t>(done);
  struct stat after {};
  if (fstat(data->get(), &after) == 0) {
    res->attr = ToAttr(after);
    res->eof = offset + done >= static_cast<uint64_t>(after.st_size);
  } else {
    res->eof = done < buf.size();
  }
  return Status::Ok();
}

Status PosixLayer::Write(const RequestContext& ctx, const NodeHandle& fh, uint64_t offset,
                         std::span<const uint8_t> data, StableHow stable, WriteRes* res) {
  Node node;
  Status s = Resolve(fh, &node);
  if (!s.ok()) return s;
  res->count = 0;
  res->wcc.before = ToWccAttr(ToAttr(node.st));
  res->wcc.after = ToAttr(node.st);
  if (ctx.read_only) return Nfsstat3::kRofs;
  if (S_ISDIR(node.st.st_mode)) return Nfsstat3::kIsdir;
  if (!S_ISREG(node.st.st_mode)) return Nfsstat3::kInval;
  SharedFd fd;
  {
    CredentialScope as_caller(ctx.cred);
    if (!as_caller.ok()) return Nfsstat3::kServerfault;
    s = CheckDataAccess(node, ctx.cred, /*write=*/true);
    if (!s.ok()) return s;
    s = DataFd(node, /*write=*/true, &fd);
    if (!s.ok()) return s;
    if (offset > static_cast<uint64_t>(INT64_MAX) ||
        data.size() > static_cast<uint64_t>(INT64_MAX) - offset) {
      return Nfsstat3::kFbig;
    }
    size_t done = 0;
    while (done < data.size()) {
      ssize_t n = pwrite(fd->get(), data.data() + done, data.size() - done,
                         static_cast<off_t>(offset + done));
      if (n < 0) {
        if (errno == EINTR) continue;
        // A partial write is reported as what was written.
        if (done > 0) break;
        s = Fail("write", errno);
        break;
      }
      done += static_cast<size_t>(n);
    }
    res->count = static_cast<uint32_t>(done);
    if (s.ok()) {
      int rc = 0;
      if (stable == StableHow::kDataSync) rc = fdatasync(fd->get());
      if (stable == StableHow::kFileSync) rc = fsync(fd->get());
      // The data may be lost: the client must not think it stable.
      if (rc != 0) {
        spdlog::warn("posix: write: sync: {}", std::strerror(errno));
        s = Nfsstat3::kIo;
      }
      res->committed = stable;
    }
  }
  res->wcc.after = StatAttr(fd->get());
  return s;
}

Status PosixLayer::Commit(const RequestContext& ctx, const NodeHandle& fh, uint64_t offset,
                          uint32_t count, CommitRes* res) {
  Node node;
  Status s = Resolve(fh, &node);
  if (!s.ok()) return s;
  res->wcc.before = ToWccAttr(ToAttr(node.st));
  res->wcc.after = ToAttr(node.st);
  if (!S_ISREG(node.st.st_mode)) return S_ISDIR(node.st.st_mode) ? Nfsstat3::kIsdir
                                                                  : Nfsstat3::kInval;
  // The read-write fd that did the writes is the one that sees a write-back
  // error (errseq is sampled at open); fall back to a read-only one.
  SharedFd fd = data_cache_.Find({node.handle, true});
  if (!fd) {
    s = DataFd(node, /*write=*/false, &fd);
    if (!s.ok()) return s;
  }
  // Any write-back error means data the client sent may be gone: kIo makes
  // nfsd change its write verifier, so the client resends.
  if (fsync(fd->get()) != 0) {
    spdlog::warn("posix: commit: fsync: {}", std::strerror(errno));
    s = Nfsstat3::kIo;
  }
  res->wcc.after = StatAttr(fd->get());
  return s;
}

}  // namespace loopfs::posix
