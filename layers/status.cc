// The one errno → nfsstat3 map.  Choices follow what a Linux client does
// with the answer (and, where it matters, what knfsd answers for the same
// errno), so the application on the client sees the errno it would have
// seen locally.
#include "layers/status.h"

#include <cerrno>

namespace loopfs {

Status StatusFromErrno(int err) {
  switch (err) {
    case 0:
      return Nfsstat3::kOk;
    case EPERM:
      return Nfsstat3::kPerm;
    case ENOENT:
      return Nfsstat3::kNoent;
    case EIO:
    case EUCLEAN:  // file system corruption: the client can only report EIO
    case EBADMSG:
    case ENODATA:
      return Nfsstat3::kIo;
    case ENXIO:
      return Nfsstat3::kNxio;
    case EACCES:
    case ETXTBSY:  // v3 has no TXTBSY; knfsd answers ACCES too
    case EBUSY:    // e.g. renaming a mount point
      return Nfsstat3::kAcces;
    case EEXIST:
      return Nfsstat3::kExist;
    case EXDEV:
      return Nfsstat3::kXdev;
    case ENODEV:
      return Nfsstat3::kNodev;
    case ENOTDIR:
      return Nfsstat3::kNotdir;
    case EISDIR:
      return Nfsstat3::kIsdir;
    case EINVAL:
    case ELOOP:      // a symlink where an object was expected (never followed)
    case EOVERFLOW:
    case ERANGE:
      return Nfsstat3::kInval;
    case EFBIG:
      return Nfsstat3::kFbig;
    case ENOSPC:
      return Nfsstat3::kNospc;
    case EROFS:
      return Nfsstat3::kRofs;
    case EMLINK:
      return Nfsstat3::kMlink;
    case ENAMETOOLONG:
      return Nfsstat3::kNametoolong;
    case ENOTEMPTY:
      return Nfsstat3::kNotempty;
    case EDQUOT:
      return Nfsstat3::kDquot;
    case ESTALE:
      return Nfsstat3::kStale;
    case EREMOTE:
      return Nfsstat3::kRemote;
    case EOPNOTSUPP:
    case ENOSYS:
      return Nfsstat3::kNotsupp;
    // Transient shortages: JUKEBOX makes the client retry after a pause
    // instead of failing the application's call.
    case EAGAIN:
    case ENOMEM:
    case EINTR:
    case ETIMEDOUT:
    case EMFILE:
    case ENFILE:
      return Nfsstat3::kJukebox;
    default:
      return Nfsstat3::kServerfault;
  }
}

std::string_view StatusName(Status status) {
  switch (status.code()) {
    case Nfsstat3::kOk: return "NFS3_OK";
    case Nfsstat3::kPerm: return "NFS3ERR_PERM";
    case Nfsstat3::kNoent: return "NFS3ERR_NOENT";
    case Nfsstat3::kIo: return "NFS3ERR_IO";
    case Nfsstat3::kNxio: return "NFS3ERR_NXIO";
    case Nfsstat3::kAcces: return "NFS3ERR_ACCES";
    case Nfsstat3::kExist: return "NFS3ERR_EXIST";
    case Nfsstat3::kXdev: return "NFS3ERR_XDEV";
    case Nfsstat3::kNodev: return "NFS3ERR_NODEV";
    case Nfsstat3::kNotdir: return "NFS3ERR_NOTDIR";
    case Nfsstat3::kIsdir: return "NFS3ERR_ISDIR";
    case Nfsstat3::kInval: return "NFS3ERR_INVAL";
    case Nfsstat3::kFbig: return "NFS3ERR_FBIG";
    case Nfsstat3::kNospc: return "NFS3ERR_NOSPC";
    case Nfsstat3::kRofs: return "NFS3ERR_ROFS";
    case Nfsstat3::kMlink: return "NFS3ERR_MLINK";
    case Nfsstat3::kNametoolong: return "NFS3ERR_NAMETOOLONG";
    case Nfsstat3::kNotempty: return "NFS3ERR_NOTEMPTY";
    case Nfsstat3::kDquot: return "NFS3ERR_DQUOT";
    case Nfsstat3::kStale: return "NFS3ERR_STALE";
    case Nfsstat3::kRemote: return "NFS3ERR_REMOTE";
    case Nfsstat3::kBadhandle: return "NFS3ERR_BADHANDLE";
    case Nfsstat3::kNotSync: return "NFS3ERR_NOT_SYNC";
    case Nfsstat3::kBadCookie: return "NFS3ERR_BAD_COOKIE";
    case Nfsstat3::kNotsupp: return "NFS3ERR_NOTSUPP";
    case Nfsstat3::kToosmall: return "NFS3ERR_TOOSMALL";
    case Nfsstat3::kServerfault: return "NFS3ERR_SERVERFAULT";
    case Nfsstat3::kBadtype: return "NFS3ERR_BADTYPE";
    case Nfsstat3::kJukebox: return "NFS3ERR_JUKEBOX";
  }
  return "NFS3ERR_UNKNOWN";
}

}  // namespace loopfs
