// WRITE and COMMIT (RFC 1813 sections 3.3.7, 3.3.21).
#include <vector>

#include "nfsd/nfs3_attr.h"
#include "nfsd/nfs3_call.h"
#include "nfsd/nfs3_program.h"

namespace loopfs::nfsd::nfs3proc {
namespace {

// Errors after which data acknowledged as UNSTABLE may be lost: the write
// verifier changes so that clients send it again (RFC 1813 section 3.3.7).
bool MayHaveLostData(Status st) {
  return st.code() == Nfsstat3::kIo || st.code() == Nfsstat3::kNospc ||
         st.code() == Nfsstat3::kDquot;
}

struct WriteArgs {
  XdrArgs<nfs_fh3, xdr_nfs_fh3> file;
  uint64_t offset = 0;
  uint32_t count = 0;
  StableHow stable = StableHow::kUnstable;
  std::span<const uint8_t> data;
  std::vector<uint8_t> copy;  // only when the argument stream cannot inline
};

// WRITE3args, decoded by hand so the data stays where it arrived.  knfsd's
// rules: count must equal the data's length, stable must be a stable_how.
bool DecodeWriteArgs(XDR* x, WriteArgs* w) {
  uint64_t offset = 0;
  u_int count = 0;
  enum_t stable = 0;
  u_int len = 0;
  if (!w->file.Decode(x) || !xdr_uint64_t(x, &offset) || !xdr_u_int(x, &count) ||
      !xdr_enum(x, &stable) || !xdr_u_int(x, &len)) {
    return false;
  }
  if (stable < UNSTABLE || stable > FILE_SYNC || len != count || len > kMaxTransfer) return false;
  w->offset = offset;
  w->count = count;
  w->stable = static_cast<StableHow>(stable);
  if (auto* p = reinterpret_cast<const uint8_t*>(xdr_inline(x, XdrPad(len)))) {
    w->data = {p, len};
    return true;
  }
  w->copy.resize(len);
  if (!xdr_opaque(x, reinterpret_cast<char*>(w->copy.data()), len)) return false;
  w->data = w->copy;
  return true;
}

}  // namespace

DispatchStatus Write(Nfs3Call& call, XDR* args, XDR* res) {
  WriteArgs a;
  if (!DecodeWriteArgs(args, &a)) return DispatchStatus::kGarbageArgs;
  Nfs3Target t;
  Status st = call.Resolve(*a.file, &t);
  if (call.too_weak()) return DispatchStatus::kAuthTooWeak;

  WriteRes wr;
  if (st.ok() && t.exp->options.read_only) {
    st = Nfsstat3::kRofs;
    wr.wcc.after = call.AttrOf(t);
  } else if (st.ok()) {
    st = call.Checked(t.layer()->Write(call.ctx(), t.node, a.offset, a.data, a.stable, &wr));
    if (st.ok() && (wr.count > a.count || wr.committed < a.stable)) {
      st = call.Checked(Nfsstat3::kServerfault);
    }
    if (!st.ok() && a.stable != StableHow::kUnstable && MayHaveLostData(st)) {
      call.verifier().Change();
    }
  }
  WRITE3res r{};
  r.status = ToNfsstat3(st);
  const uint64_t fsid = t.exp ? t.fsid() : 0;
  const WriteVerf verf = call.verifier().Get();
  if (st.ok()) {
    WRITE3resok& ok = r.WRITE3res_u.resok;
    ToWccData(wr.wcc, fsid, &ok.file_wcc);
    ok.count = wr.count;
    ok.committed = static_cast<stable_how>(wr.committed);
    std::copy(verf.begin(), verf.end(), ok.verf);
  } else {
    ToWccData(wr.wcc, fsid, &r.WRITE3res_u.resfail.file_wcc);
  }
  return call.Reply(xdr_WRITE3res, &r, res);
}

DispatchStatus Commit(Nfs3Call& call, XDR* args, XDR* res) {
  XdrArgs<COMMIT3args, xdr_COMMIT3args> a;
  if (!a.Decode(args)) return DispatchStatus::kGarbageArgs;
  Nfs3Target t;
  Status st = call.Resolve(a->file, &t);
  if (call.too_weak()) return DispatchStatus::kAuthTooWeak;

  CommitRes cr;
  if (st.ok()) {
    st = call.Checked(t.layer()->Commit(call.ctx(), t.node, a->offset, a->count, &cr));
    if (MayHaveLostData(st)) call.verifier().Change();
  }
  COMMIT3res r{};
  r.status = ToNfsstat3(st);
  const uint64_t fsid = t.exp ? t.fsid() : 0;
  if (st.ok()) {
    const WriteVerf verf = call.verifier().Get();
    ToWccData(cr.wcc, fsid, &r.COMMIT3res_u.resok.file_wcc);
    std::copy(verf.begin(), verf.end(), r.COMMIT3res_u.resok.verf);
  } else {
    ToWccData(cr.wcc, fsid, &r.COMMIT3res_u.resfail.file_wcc);
  }
  return call.Reply(xdr_COMMIT3res, &r, res);
}

}  // namespace loopfs::nfsd::nfs3proc
