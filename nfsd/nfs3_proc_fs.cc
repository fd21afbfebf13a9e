// FSSTAT, FSINFO, PATHCONF (RFC 1813 sections 3.3.18 to 3.3.20).
#include "nfsd/nfs3_attr.h"
#include "nfsd/nfs3_call.h"
#include "nfsd/nfs3_program.h"

namespace loopfs::nfsd::nfs3proc {

DispatchStatus FsStat(Nfs3Call& call, XDR* args, XDR* res) {
  XdrArgs<FSSTAT3args, xdr_FSSTAT3args> a;
  if (!a.Decode(args)) return DispatchStatus::kGarbageArgs;
  Nfs3Target t;
  Status st = call.Resolve(a->fsroot, &t);
  if (call.too_weak()) return DispatchStatus::kAuthTooWeak;

  FsStatRes fs;
  if (st.ok()) st = call.Checked(t.layer()->FsStat(call.ctx(), t.node, &fs));
  FSSTAT3res r{};
  r.status = ToNfsstat3(st);
  const uint64_t fsid = t.exp ? t.fsid() : 0;
  if (st.ok()) {
    FSSTAT3resok& ok = r.FSSTAT3res_u.resok;
    ToPostOpAttr(fs.attr, fsid, &ok.obj_attributes);
    ok.tbytes = fs.tbytes;
    ok.fbytes = fs.fbytes;
    ok.abytes = fs.abytes;
    ok.tfiles = fs.tfiles;
    ok.ffiles = fs.ffiles;
    ok.afiles = fs.afiles;
    ok.invarsec = fs.invarsec;
  } else {
    ToPostOpAttr(fs.attr, fsid, &r.FSSTAT3res_u.resfail.obj_attributes);
  }
  return call.Reply(xdr_FSSTAT3res, &r, res);
}

DispatchStatus FsInfo(Nfs3Call& call, XDR* args, XDR* res) {
  XdrArgs<FSINFO3args, xdr_FSINFO3args> a;
  if (!a.Decode(args)) return DispatchStatus::kGarbageArgs;
  Nfs3Target t;
  Status st = call.Resolve(a->fsroot, &t);
  if (call.too_weak()) return DispatchStatus::kAuthTooWeak;

  FsInfoRes fi;
  if (st.ok()) st = call.Checked(t.layer()->FsInfo(call.ctx(), t.node, &fi));
  FSINFO3res r{};
  r.status = ToNfsstat3(st);
  const uint64_t fsid = t.exp ? t.fsid() : 0;
  if (st.ok()) {
    FSINFO3resok& ok = r.FSINFO3res_u.resok;
    ToPostOpAttr(fi.attr, fsid, &ok.obj_attributes);
    // The transfer sizes are the server's, not the layer's: they bound what
    // rpc/ accepts and what READ places in one reply.
    ok.rtmax = ok.rtpref = kMaxTransfer;
    ok.wtmax = ok.wtpref = kMaxTransfer;
    ok.rtmult = ok.wtmult = 4096;
    ok.dtpref = 64 * 1024;
    ok.maxfilesize = fi.maxfilesize;
    ok.time_delta = {0, 1};
    ok.properties = FSF3_LINK | FSF3_SYMLINK | FSF3_HOMOGENEOUS | FSF3_CANSETTIME;
  } else {
    ToPostOpAttr(fi.attr, fsid, &r.FSINFO3res_u.resfail.obj_attributes);
  }
  return call.Reply(xdr_FSINFO3res, &r, res);
}

DispatchStatus PathConf(Nfs3Call& call, XDR* args, XDR* res) {
  XdrArgs<PATHCONF3args, xdr_PATHCONF3args> a;
  if (!a.Decode(args)) return DispatchStatus::kGarbageArgs;
  Nfs3Target t;
  Status st = call.Resolve(a->object, &t);
  if (call.too_weak()) return DispatchStatus::kAuthTooWeak;

  PathConfRes pc;
  if (st.ok()) st = call.Checked(t.layer()->PathConf(call.ctx(), t.node, &pc));
  PATHCONF3res r{};
  r.status = ToNfsstat3(st);
  const uint64_t fsid = t.exp ? t.fsid() : 0;
  if (st.ok()) {
    PATHCONF3resok& ok = r.PATHCONF3res_u.resok;
    ToPostOpAttr(pc.attr, fsid, &ok.obj_attributes);
    ok.linkmax = pc.linkmax;
    ok.name_max = pc.name_max;
    ok.no_trunc = pc.no_trunc;
    ok.chown_restricted = pc.chown_restricted;
    ok.case_insensitive = pc.case_insensitive;
    ok.case_preserving = pc.case_preserving;
  } else {
    ToPostOpAttr(pc.attr, fsid, &r.PATHCONF3res_u.resfail.obj_attributes);
  }
  return call.Reply(xdr_PATHCONF3res, &r, res);
}

}  // namespace loopfs::nfsd::nfs3proc
