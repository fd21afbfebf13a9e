#include "nfsd/nfs3_attr.h"

namespace loopfs::nfsd {
namespace {

nfstime3 ToNfstime3(const NfsTime& t) { return {t.seconds, t.nseconds}; }
NfsTime FromNfstime3(const nfstime3& t) { return {t.seconds, t.nseconds}; }

Status FromTimeHow(uint32_t how, const nfstime3& client_time, SetTime* out) {
  switch (how) {
    case DONT_CHANGE:
      out->how = TimeHow::kDontChange;
      return Status::Ok();
    case SET_TO_SERVER_TIME:
      out->how = TimeHow::kServerTime;
      return Status::Ok();
    case SET_TO_CLIENT_TIME:
      out->how = TimeHow::kClientTime;
      out->time = FromNfstime3(client_time);
      return Status::Ok();
    default:
      return Nfsstat3::kInval;
  }
}

}  // namespace

void ToFattr3(const Attr& a, uint64_t fsid, fattr3* out) {
  out->type = static_cast<ftype3>(a.type);
  out->mode = a.mode & 07777;
  out->nlink = a.nlink;
  out->uid = a.uid;
  out->gid = a.gid;
  out->size = a.size;
  out->used = a.used;
  out->rdev.specdata1 = a.rdev_major;
  out->rdev.specdata2 = a.rdev_minor;
  out->fsid = fsid;
  out->fileid = a.fileid;
  out->atime = ToNfstime3(a.atime);
  out->mtime = ToNfstime3(a.mtime);
  out->ctime = ToNfstime3(a.ctime);
}

Attr FromFattr3(const fattr3& in) {
  Attr a;
  a.type = static_cast<FileType>(in.type);
  a.mode = in.mode;
  a.nlink = in.nlink;
  a.uid = in.uid;
  a.gid = in.gid;
  a.size = in.size;
  a.used = in.used;
  a.rdev_major = in.rdev.specdata1;
  a.rdev_minor = in.rdev.specdata2;
  a.fsid = in.fsid;
  a.fileid = in.fileid;
  a.atime = FromNfstime3(in.atime);
  a.mtime = FromNfstime3(in.mtime);
  a.ctime = FromNfstime3(in.ctime);
  return a;
}

void ToPostOpAttr(const std::optional<Attr>& attr, uint64_t fsid, post_op_attr* out) {
  out->attributes_follow = attr.has_value();
  if (attr) ToFattr3(*attr, fsid, &out->post_op_attr_u.attributes);
}

void ToPreOpAttr(const std::optional<WccAttr>& attr, pre_op_attr* out) {
  out->attributes_follow = attr.has_value();
  if (attr) {
    wcc_attr& w = out->pre_op_attr_u.attributes;
    w.size = attr->size;
    w.mtime = ToNfstime3(attr->mtime);
    w.ctime = ToNfstime3(attr->ctime);
  }
}

void ToWccData(const Wcc& wcc, uint64_t fsid, wcc_data* out) {
  ToPreOpAttr(wcc.before, &out->before);
  ToPostOpAttr(wcc.after, fsid, &out->after);
}

Status FromSattr3(const sattr3& in, SetAttrArgs* out) {
  *out = SetAttrArgs{};
  if (in.mode.set_it) out->mode = in.mode.set_mode3_u.mode & 07777;
  if (in.uid.set_it) out->uid = in.uid.set_uid3_u.uid;
  if (in.gid.set_it) out->gid = in.gid.set_gid3_u.gid;
  if (in.size.set_it) out->size = in.size.set_size3_u.size;
  Status st = FromTimeHow(RawEnum(in.atime.set_it), in.atime.set_atime_u.atime, &out->atime);
  if (!st.ok()) return st;
  return FromTimeHow(RawEnum(in.mtime.set_it), in.mtime.set_mtime_u.mtime, &out->mtime);
}

}  // namespace loopfs::nfsd
