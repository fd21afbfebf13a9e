// LOOKUP and READLINK (RFC 1813 sections 3.3.3, 3.3.5).
#include "nfsd/names.h"
#include "nfsd/nfs3_attr.h"
#include "nfsd/nfs3_call.h"

namespace loopfs::nfsd::nfs3proc {

DispatchStatus Lookup(Nfs3Call& call, XDR* args, XDR* res) {
  XdrArgs<LOOKUP3args, xdr_LOOKUP3args> a;
  if (!a.Decode(args)) return DispatchStatus::kGarbageArgs;
  Nfs3Target dir;
  Status st = call.Resolve(a->what.dir, &dir);
  if (call.too_weak()) return DispatchStatus::kAuthTooWeak;

  LookupRes lr;
  if (st.ok()) {
    st = CheckName(NameOf(a->what.name), NameUse::kLookup);
    if (st.ok()) {
      st = call.Checked(dir.layer()->Lookup(call.ctx(), dir.node, NameOf(a->what.name), &lr));
    } else {
      lr.dir_attr = call.AttrOf(dir);
    }
  }
  LOOKUP3res r{};
  r.status = ToNfsstat3(st);
  WireHandle wire;
  const uint64_t fsid = dir.exp ? dir.fsid() : 0;
  if (st.ok()) {
    LOOKUP3resok& ok = r.LOOKUP3res_u.resok;
    wire = call.EncodeHandle(dir, lr.handle);
    ok.object = ToNfsFh3(wire);
    ToPostOpAttr(lr.attr, fsid, &ok.obj_attributes);
    ToPostOpAttr(lr.dir_attr, fsid, &ok.dir_attributes);
  } else {
    ToPostOpAttr(lr.dir_attr, fsid, &r.LOOKUP3res_u.resfail.dir_attributes);
  }
  return call.Reply(xdr_LOOKUP3res, &r, res);
}

DispatchStatus ReadLink(Nfs3Call& call, XDR* args, XDR* res) {
  XdrArgs<READLINK3args, xdr_READLINK3args> a;
  if (!a.Decode(args)) return DispatchStatus::kGarbageArgs;
  Nfs3Target t;
  Status st = call.Resolve(a->symlink, &t);
  if (call.too_weak()) return DispatchStatus::kAuthTooWeak;

  ReadLinkRes rl;
  if (st.ok()) {
    st = call.Checked(t.layer()->ReadLink(call.ctx(), t.node, &rl));
    if (st.ok() && rl.target.size() > NFS3_MAXPATHLEN) st = Nfsstat3::kNametoolong;
  }
  READLINK3res r{};
  r.status = ToNfsstat3(st);
  const uint64_t fsid = t.exp ? t.fsid() : 0;
  if (st.ok()) {
    READLINK3resok& ok = r.READLINK3res_u.resok;
    ToPostOpAttr(rl.attr, fsid, &ok.symlink_attributes);
    ok.data.nfspath3_len = static_cast<u_int>(rl.target.size());
    ok.data.nfspath3_val = rl.target.data();
  } else {
    ToPostOpAttr(rl.attr, fsid, &r.READLINK3res_u.resfail.symlink_attributes);
  }
  return call.Reply(xdr_READLINK3res, &r, res);
}

}  // namespace loopfs::nfsd::nfs3proc
