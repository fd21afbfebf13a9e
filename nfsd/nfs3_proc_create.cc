// CREATE, MKDIR, SYMLINK, MKNOD (RFC 1813 sections 3.3.8 to 3.3.11).
#include "nfsd/names.h"
#include "nfsd/nfs3_attr.h"
#include "nfsd/nfs3_call.h"

namespace loopfs::nfsd::nfs3proc {
namespace {

// The checks every creating procedure makes before its layer call: the
// directory handle, the name, a read-only export.  On failure the
// directory's attributes still go into the reply.
Status PrepareCreate(Nfs3Call& call, const diropargs3& where, Nfs3Target* dir, CreateRes* cr) {
  Status st = call.Resolve(where.dir, dir);
  if (!st.ok()) return st;
  st = CheckName(NameOf(where.name), NameUse::kCreate);
  if (st.ok() && dir->exp->options.read_only) st = Nfsstat3::kRofs;
  if (!st.ok()) cr->dir_wcc.after = call.AttrOf(*dir);
  return st;
}

// The four results share one shape: obj, obj_attributes, dir_wcc on success;
// dir_wcc on failure.
template <typename Res, typename ResOk, typename ResFail>
void FillCreateResult(Nfs3Call& call, const Nfs3Target& dir, Status st, CreateRes& cr,
                      WireHandle* wire, Res* r, ResOk* ok, ResFail* fail) {
  r->status = ToNfsstat3(st);
  const uint64_t fsid = dir.exp ? dir.fsid() : 0;
  if (st.ok()) {
    ok->obj.handle_follows = cr.handle.has_value();
    if (cr.handle) {
      *wire = call.EncodeHandle(dir, *cr.handle);
      ok->obj.post_op_fh3_u.handle = ToNfsFh3(*wire);
    }
    ToPostOpAttr(cr.attr, fsid, &ok->obj_attributes);
    ToWccData(cr.dir_wcc, fsid, &ok->dir_wcc);
  } else {
    ToWccData(cr.dir_wcc, fsid, &fail->dir_wcc);
  }
}

}  // namespace

DispatchStatus Create(Nfs3Call& call, XDR* args, XDR* res) {
  XdrArgs<CREATE3args, xdr_CREATE3args> a;
  if (!a.Decode(args)) return DispatchStatus::kGarbageArgs;
  Nfs3Target dir;
  CreateRes cr;
  Status st = PrepareCreate(call, a->where, &dir, &cr);
  if (call.too_weak()) return DispatchStatus::kAuthTooWeak;

  if (st.ok()) {
    SetAttrArgs sa;
    CreateVerifier verf{};
    const createhow3& how = a->how;
    // The decoder accepted only the three createmode3 values.
    if (how.mode == EXCLUSIVE) {
      std::copy(std::begin(how.createhow3_u.verf), std::end(how.createhow3_u.verf), verf.begin());
    } else {
      st = FromSattr3(how.createhow3_u.obj_attributes, &sa);
    }
    if (st.ok()) {
      st = call.Checked(dir.layer()->Create(call.ctx(), dir.node, NameOf(a->where.name),
                                            static_cast<CreateMode>(how.mode), sa, verf, &cr));
    }
  }
  CREATE3res r{};
  WireHandle wire;
  FillCreateResult(call, dir, st, cr, &wire, &r, &r.CREATE3res_u.resok, &r.CREATE3res_u.resfail);
  return call.Reply(xdr_CREATE3res, &r, res);
}

DispatchStatus MkDir(Nfs3Call& call, XDR* args, XDR* res) {
  XdrArgs<MKDIR3args, xdr_MKDIR3args> a;
  if (!a.Decode(args)) return DispatchStatus::kGarbageArgs;
  Nfs3Target dir;
  CreateRes cr;
  Status st = PrepareCreate(call, a->where, &dir, &cr);
  if (call.too_weak()) return DispatchStatus::kAuthTooWeak;

  if (st.ok()) {
    SetAttrArgs sa;
    st = FromSattr3(a->attributes, &sa);
    if (st.ok()) {
      st = call.Checked(dir.layer()->MkDir(call.ctx(), dir.node, NameOf(a->where.name), sa, &cr));
    }
  }
  MKDIR3res r{};
  WireHandle wire;
  FillCreateResult(call, dir, st, cr, &wire, &r, &r.MKDIR3res_u.resok, &r.MKDIR3res_u.resfail);
  return call.Reply(xdr_MKDIR3res, &r, res);
}

DispatchStatus SymLink(Nfs3Call& call, XDR* args, XDR* res) {
  XdrArgs<SYMLINK3args, xdr_SYMLINK3args> a;
  if (!a.Decode(args)) return DispatchStatus::kGarbageArgs;
  Nfs3Target dir;
  CreateRes cr;
  Status st = PrepareCreate(call, a->where, &dir, &cr);
  if (call.too_weak()) return DispatchStatus::kAuthTooWeak;

  if (st.ok()) {
    const nfspath3& data = a->symlink.symlink_data;
    std::string_view target(data.nfspath3_val == nullptr ? "" : data.nfspath3_val,
                            data.nfspath3_len);
    SetAttrArgs sa;
    st = FromSattr3(a->symlink.symlink_attributes, &sa);
    // A target must fit PATH_MAX with its NUL, and a NUL inside would cut it.
    if (st.ok() && target.size() >= NFS3_MAXPATHLEN) st = Nfsstat3::kNametoolong;
    if (st.ok() && target.find('\0') != std::string_view::npos) st = Nfsstat3::kInval;
    if (st.ok()) {
      st = call.Checked(
          dir.layer()->SymLink(call.ctx(), dir.node, NameOf(a->where.name), target, sa, &cr));
    } else {
      cr.dir_wcc.after = call.AttrOf(dir);
    }
  }
  SYMLINK3res r{};
  WireHandle wire;
  FillCreateResult(call, dir, st, cr, &wire, &r, &r.SYMLINK3res_u.resok, &r.SYMLINK3res_u.resfail);
  return call.Reply(xdr_SYMLINK3res, &r, res);
}

DispatchStatus MkNod(Nfs3Call& call, XDR* args, XDR* res) {
  XdrArgs<MKNOD3args, xdr_MKNOD3args> a;
  if (!a.Decode(args)) return DispatchStatus::kGarbageArgs;
  Nfs3Target dir;
  CreateRes cr;
  Status st = PrepareCreate(call, a->where, &dir, &cr);
  if (call.too_weak()) return DispatchStatus::kAuthTooWeak;

  if (st.ok()) {
    const mknoddata3& what = a->what;
    SetAttrArgs sa;
    uint32_t major = 0, minor = 0;
    const uint32_t type = RawEnum(what.type);
    switch (type) {
      case NF3CHR:
      case NF3BLK:
        st = FromSattr3(what.mknoddata3_u.device.dev_attributes, &sa);
        major = what.mknoddata3_u.device.spec.specdata1;
        minor = what.mknoddata3_u.device.spec.specdata2;
        break;
      case NF3SOCK:
      case NF3FIFO:
        st = FromSattr3(what.mknoddata3_u.pipe_attributes, &sa);
        break;
      default:
        st = Nfsstat3::kBadtype;  // RFC 1813: regular files, directories, links elsewhere
        break;
    }
    if (st.ok()) {
      st = call.Checked(dir.layer()->MkNod(call.ctx(), dir.node, NameOf(a->where.name),
                                           static_cast<FileType>(type), sa, major, minor, &cr));
    } else {
      cr.dir_wcc.after = call.AttrOf(dir);
    }
  }
  MKNOD3res r{};
  WireHandle wire;
  FillCreateResult(call, dir, st, cr, &wire, &r, &r.MKNOD3res_u.resok, &r.MKNOD3res_u.resfail);
  return call.Reply(xdr_MKNOD3res, &r, res);
}

}  // namespace loopfs::nfsd::nfs3proc
