// GETATTR, SETATTR, ACCESS (RFC 1813 sections 3.3.1, 3.3.2, 3.3.4).
#include "nfsd/nfs3_attr.h"
#include "nfsd/nfs3_call.h"

namespace loopfs::nfsd::nfs3proc {

DispatchStatus GetAttr(Nfs3Call& call, XDR* args, XDR* res) {
  XdrArgs<GETATTR3args, xdr_GETATTR3args> a;
  if (!a.Decode(args)) return DispatchStatus::kGarbageArgs;
  Nfs3Target t;
  Status st = call.Resolve(a->object, &t);
  if (call.too_weak()) return DispatchStatus::kAuthTooWeak;

  GETATTR3res r{};
  if (st.ok()) {
    Attr attr;
    st = call.Checked(t.layer()->GetAttr(call.ctx(), t.node, &attr));
    if (st.ok()) ToFattr3(attr, t.fsid(), &r.GETATTR3res_u.resok.obj_attributes);
  }
  r.status = ToNfsstat3(st);
  return call.Reply(xdr_GETATTR3res, &r, res);
}

DispatchStatus SetAttr(Nfs3Call& call, XDR* args, XDR* res) {
  XdrArgs<SETATTR3args, xdr_SETATTR3args> a;
  if (!a.Decode(args)) return DispatchStatus::kGarbageArgs;
  Nfs3Target t;
  Status st = call.Resolve(a->object, &t);
  if (call.too_weak()) return DispatchStatus::kAuthTooWeak;

  Wcc wcc;
  if (st.ok()) {
    SetAttrArgs sa;
    st = FromSattr3(a->new_attributes, &sa);
    if (st.ok() && t.exp->options.read_only) st = Nfsstat3::kRofs;
    if (st.ok()) {
      std::optional<NfsTime> guard;
      if (a->guard.check) {
        guard = NfsTime{a->guard.sattrguard3_u.obj_ctime.seconds,
                        a->guard.sattrguard3_u.obj_ctime.nseconds};
      }
      st = call.Checked(t.layer()->SetAttr(call.ctx(), t.node, sa, guard, &wcc));
    } else {
      wcc.after = call.AttrOf(t);
    }
  }
  SETATTR3res r{};
  r.status = ToNfsstat3(st);
  ToWccData(wcc, t.exp ? t.fsid() : 0,
            st.ok() ? &r.SETATTR3res_u.resok.obj_wcc : &r.SETATTR3res_u.resfail.obj_wcc);
  return call.Reply(xdr_SETATTR3res, &r, res);
}

DispatchStatus Access(Nfs3Call& call, XDR* args, XDR* res) {
  XdrArgs<ACCESS3args, xdr_ACCESS3args> a;
  if (!a.Decode(args)) return DispatchStatus::kGarbageArgs;
  Nfs3Target t;
  Status st = call.Resolve(a->object, &t);
  if (call.too_weak()) return DispatchStatus::kAuthTooWeak;

  AccessRes ar;
  if (st.ok()) {
    constexpr uint32_t kAll = kAccessRead | kAccessLookup | kAccessModify | kAccessExtend |
                              kAccessDelete | kAccessExecute;
    st = call.Checked(t.layer()->Access(call.ctx(), t.node, a->access & kAll, &ar));
    ar.granted &= a->access & kAll;  // never more than was asked
    if (t.exp->options.read_only) {
      ar.granted &= ~(kAccessModify | kAccessExtend | kAccessDelete);
    }
  }
  ACCESS3res r{};
  r.status = ToNfsstat3(st);
  if (st.ok()) {
    ToPostOpAttr(ar.attr, t.fsid(), &r.ACCESS3res_u.resok.obj_attributes);
    r.ACCESS3res_u.resok.access = ar.granted;
  } else {
    ToPostOpAttr(ar.attr, t.exp ? t.fsid() : 0, &r.ACCESS3res_u.resfail.obj_attributes);
  }
  return call.Reply(xdr_ACCESS3res, &r, res);
}

}  // namespace loopfs::nfsd::nfs3proc
