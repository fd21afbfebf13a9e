#include "nfsd/nfs3_call.h"

#include <spdlog/spdlog.h>

#include "nfsd/client_address.h"
#include "nfsd/squash.h"

namespace loopfs::nfsd {
namespace {

bool IsNfsstat3(Nfsstat3 code) {
  switch (code) {
    case Nfsstat3::kOk:
    case Nfsstat3::kPerm:
    case Nfsstat3::kNoent:
    case Nfsstat3::kIo:
    case Nfsstat3::kNxio:
    case Nfsstat3::kAcces:
    case Nfsstat3::kExist:
    case Nfsstat3::kXdev:
    case Nfsstat3::kNodev:
    case Nfsstat3::kNotdir:
    case Nfsstat3::kIsdir:
    case Nfsstat3::kInval:
    case Nfsstat3::kFbig:
    case Nfsstat3::kNospc:
    case Nfsstat3::kRofs:
    case Nfsstat3::kMlink:
    case Nfsstat3::kNametoolong:
    case Nfsstat3::kNotempty:
    case Nfsstat3::kDquot:
    case Nfsstat3::kStale:
    case Nfsstat3::kRemote:
    case Nfsstat3::kBadhandle:
    case Nfsstat3::kNotSync:
    case Nfsstat3::kBadCookie:
    case Nfsstat3::kNotsupp:
    case Nfsstat3::kToosmall:
    case Nfsstat3::kServerfault:
    case Nfsstat3::kBadtype:
    case Nfsstat3::kJukebox:
      return true;
  }
  return false;
}

}  // namespace

Status Nfs3Call::Resolve(const nfs_fh3& fh, Nfs3Target* out) {
  DecodedHandle d;
  Status st = DecodeFileHandle(
      key_, {reinterpret_cast<const uint8_t*>(fh.data.data_val), fh.data.data_len}, &d);
  if (!st.ok()) return st;
  const Export* exp = table_.FindById(d.export_id);
  if (exp == nullptr) return Nfsstat3::kStale;  // the export went away (knfsd: STALE)

  if (exp_ == nullptr) {
    const bool reserved = info_.peer != nullptr && info_.peer->reserved_port();
    if (!reserved && !exp->options.insecure) {
      too_weak_ = true;
      return Nfsstat3::kAcces;
    }
    exp_ = exp;
    ctx_.cred = SquashCredentials(info_, exp->options);
    if (info_.peer != nullptr) ctx_.client = info_.peer->addr;
    if (info_.deadline != std::chrono::steady_clock::time_point{}) ctx_.deadline = info_.deadline;
    ctx_.read_only = exp->options.read_only;
  } else if (exp != exp_) {
    return Nfsstat3::kXdev;
  }
  out->exp = exp;
  out->node = d.node;
  return Status::Ok();
}

WireHandle Nfs3Call::EncodeHandle(const Nfs3Target& within, const NodeHandle& node) const {
  return EncodeFileHandle(key_, within.exp->id, 0, node);
}

std::string_view Nfs3Call::proc_name() const {
  static constexpr std::string_view kNames[] = {
      "NULL",    "GETATTR",     "SETATTR", "LOOKUP", "ACCESS",   "READLINK", "READ",   "WRITE",
      "CREATE",  "MKDIR",       "SYMLINK", "MKNOD",  "REMOVE",   "RMDIR",    "RENAME", "LINK",
      "READDIR", "READDIRPLUS", "FSSTAT",  "FSINFO", "PATHCONF", "COMMIT"};
  return info_.proc < std::size(kNames) ? kNames[info_.proc] : std::string_view();
}

Status Nfs3Call::Checked(Status st) {
  if (!IsNfsstat3(st.code())) {
    spdlog::warn(
        "nfs {} from {}: layer returned status {}, not an nfsstat3; answering "
        "NFS3ERR_SERVERFAULT",
        proc_name(), ClientName(info_), static_cast<uint32_t>(st.code()));
    return Nfsstat3::kServerfault;
  }
  if (st.code() == Nfsstat3::kServerfault) {
    spdlog::warn("nfs {} from {} (export {}): NFS3ERR_SERVERFAULT", proc_name(), ClientName(info_),
                 exp_ != nullptr ? exp_->path : std::string("?"));
  }
  return st;
}

std::optional<Attr> Nfs3Call::AttrOf(const Nfs3Target& target) {
  if (target.exp == nullptr) return std::nullopt;
  Attr a;
  if (!target.layer()->GetAttr(ctx_, target.node, &a).ok()) return std::nullopt;
  return a;
}

void Nfs3Call::LogEncodeFailure() const {
  spdlog::warn("nfs {} from {}: the reply did not encode", proc_name(), ClientName(info_));
}

}  // namespace loopfs::nfsd
