// REMOVE, RMDIR, RENAME, LINK (RFC 1813 sections 3.3.12 to 3.3.15).
#include "nfsd/names.h"
#include "nfsd/nfs3_attr.h"
#include "nfsd/nfs3_call.h"

namespace loopfs::nfsd::nfs3proc {
namespace {

using RemoveFn = Status (Layer::*)(const RequestContext&, const NodeHandle&, std::string_view,
                                   RemoveRes*);

// REMOVE and RMDIR differ only in the layer call.
template <typename Args, bool_t (*DecodeFn)(XDR*, Args*), typename Res,
          bool_t (*EncodeFn)(XDR*, Res*)>
DispatchStatus RemoveLike(Nfs3Call& call, XDR* args, XDR* res, RemoveFn op) {
  XdrArgs<Args, DecodeFn> a;
  if (!a.Decode(args)) return DispatchStatus::kGarbageArgs;
  const diropargs3& obj = a->object;
  Nfs3Target dir;
  Status st = call.Resolve(obj.dir, &dir);
  if (call.too_weak()) return DispatchStatus::kAuthTooWeak;

  RemoveRes rr;
  if (st.ok()) {
    st = CheckName(NameOf(obj.name), NameUse::kRemove);
    if (st.ok() && dir.exp->options.read_only) st = Nfsstat3::kRofs;
    if (st.ok()) {
      st = call.Checked((dir.layer()->*op)(call.ctx(), dir.node, NameOf(obj.name), &rr));
    } else {
      rr.dir_wcc.after = call.AttrOf(dir);
    }
  }
  Res r{};
  r.status = ToNfsstat3(st);
  // resok and resfail of REMOVE3res/RMDIR3res are both { wcc_data dir_wcc }.
  ToWccData(rr.dir_wcc, dir.exp ? dir.fsid() : 0,
            st.ok() ? &r.resok().dir_wcc : &r.resfail().dir_wcc);
  return call.Reply(EncodeFn, &r, res);
}

// Accessors so one template serves both rpcgen unions.
struct RemoveResult : REMOVE3res {
  REMOVE3resok& resok() { return REMOVE3res_u.resok; }
  REMOVE3resfail& resfail() { return REMOVE3res_u.resfail; }
};
struct RmdirResult : RMDIR3res {
  RMDIR3resok& resok() { return RMDIR3res_u.resok; }
  RMDIR3resfail& resfail() { return RMDIR3res_u.resfail; }
};
bool_t EncodeRemoveResult(XDR* x, RemoveResult* r) { return xdr_REMOVE3res(x, r); }
bool_t EncodeRmdirResult(XDR* x, RmdirResult* r) { return xdr_RMDIR3res(x, r); }

}  // namespace

DispatchStatus Remove(Nfs3Call& call, XDR* args, XDR* res) {
  return RemoveLike<REMOVE3args, xdr_REMOVE3args, RemoveResult, EncodeRemoveResult>(call, args, res,
                                                                                    &Layer::Remove);
}

DispatchStatus RmDir(Nfs3Call& call, XDR* args, XDR* res) {
  return RemoveLike<RMDIR3args, xdr_RMDIR3args, RmdirResult, EncodeRmdirResult>(call, args, res,
                                                                                &Layer::RmDir);
}

DispatchStatus Rename(Nfs3Call& call, XDR* args, XDR* res) {
  XdrArgs<RENAME3args, xdr_RENAME3args> a;
  if (!a.Decode(args)) return DispatchStatus::kGarbageArgs;
  Nfs3Target from, to;
  Status st = call.Resolve(a->from.dir, &from);
  if (call.too_weak()) return DispatchStatus::kAuthTooWeak;
  if (st.ok()) st = call.Resolve(a->to.dir, &to);

  RenameRes rr;
  if (st.ok()) {
    st = CheckName(NameOf(a->from.name), NameUse::kRename);
    if (st.ok()) st = CheckName(NameOf(a->to.name), NameUse::kRename);
    if (st.ok() && from.exp->options.read_only) st = Nfsstat3::kRofs;
    if (st.ok()) {
      st = call.Checked(from.layer()->Rename(call.ctx(), from.node, NameOf(a->from.name), to.node,
                                             NameOf(a->to.name), &rr));
    } else {
      rr.from_dir_wcc.after = call.AttrOf(from);
      rr.to_dir_wcc.after = call.AttrOf(to);
    }
  }
  RENAME3res r{};
  r.status = ToNfsstat3(st);
  const uint64_t fsid = from.exp ? from.fsid() : 0;
  if (st.ok()) {
    ToWccData(rr.from_dir_wcc, fsid, &r.RENAME3res_u.resok.fromdir_wcc);
    ToWccData(rr.to_dir_wcc, fsid, &r.RENAME3res_u.resok.todir_wcc);
  } else {
    ToWccData(rr.from_dir_wcc, fsid, &r.RENAME3res_u.resfail.fromdir_wcc);
    ToWccData(rr.to_dir_wcc, fsid, &r.RENAME3res_u.resfail.todir_wcc);
  }
  return call.Reply(xdr_RENAME3res, &r, res);
}

DispatchStatus Link(Nfs3Call& call, XDR* args, XDR* res) {
  XdrArgs<LINK3args, xdr_LINK3args> a;
  if (!a.Decode(args)) return DispatchStatus::kGarbageArgs;
  Nfs3Target file, dir;
  Status st = call.Resolve(a->file, &file);
  if (call.too_weak()) return DispatchStatus::kAuthTooWeak;
  if (st.ok()) st = call.Resolve(a->link.dir, &dir);

  LinkRes lr;
  if (st.ok()) {
    st = CheckName(NameOf(a->link.name), NameUse::kCreate);
    if (st.ok() && file.exp->options.read_only) st = Nfsstat3::kRofs;
    if (st.ok()) {
      st = call.Checked(
          file.layer()->Link(call.ctx(), file.node, dir.node, NameOf(a->link.name), &lr));
    } else {
      lr.attr = call.AttrOf(file);
      lr.dir_wcc.after = call.AttrOf(dir);
    }
  }
  LINK3res r{};
  r.status = ToNfsstat3(st);
  const uint64_t fsid = file.exp ? file.fsid() : 0;
  if (st.ok()) {
    ToPostOpAttr(lr.attr, fsid, &r.LINK3res_u.resok.file_attributes);
    ToWccData(lr.dir_wcc, fsid, &r.LINK3res_u.resok.linkdir_wcc);
  } else {
    ToPostOpAttr(lr.attr, fsid, &r.LINK3res_u.resfail.file_attributes);
    ToWccData(lr.dir_wcc, fsid, &r.LINK3res_u.resfail.linkdir_wcc);
  }
  return call.Reply(xdr_LINK3res, &r, res);
}

}  // namespace loopfs::nfsd::nfs3proc
