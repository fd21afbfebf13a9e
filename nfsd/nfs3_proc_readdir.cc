// READDIR and READDIRPLUS (RFC 1813 sections 3.3.16, 3.3.17).
//
// Size accounting is exact: each entry's XDR size is computed as the layer
// offers it, and the first entry that would exceed the client's limits ends
// the reply (it is offered again, from its predecessor's cookie, next time).
//   READDIR      count    = size of READDIR3resok (attributes, verifier, entries, eof)
//   READDIRPLUS  dircount = bytes of fileid + name + cookie of the entries
//                maxcount = size of READDIRPLUS3resok
// If not even one entry fits, the answer is NFS3ERR_TOOSMALL.
#include <vector>

#include "nfsd/nfs3_attr.h"
#include "nfsd/nfs3_call.h"
#include "nfsd/nfs3_program.h"

namespace loopfs::nfsd::nfs3proc {
namespace {

// Of a resok: dir_attributes (assumed present), cookieverf, the list's final
// "no more entries" word and eof.
constexpr uint32_t kResOkOverhead = kPostOpAttrSize + NFS3_COOKIEVERFSIZE + 4 + 4;

// Encodes accepted entries, each with its leading "value follows" word, into
// a buffer that becomes the body of the entry list.
class EntryEncoder : public DirSink {
 public:
  EntryEncoder(Nfs3Call& call, const Nfs3Target& dir, bool plus, uint32_t dircount, uint32_t budget)
      : call_(call), dir_(dir), plus_(plus), dircount_(dircount), budget_(budget) {}

  bool Add(const DirEntry& e) override {
    if (stopped_) return false;
    const auto name_len = static_cast<uint32_t>(e.name.size());
    if (name_len > NFS3_MAXPATHLEN) {  // a layer bug; never put it on the wire
      stopped_ = true;
      failed_ = true;
      return false;
    }
    const uint32_t dir_info = 8 + 4 + XdrPad(name_len) + 8;  // fileid, name, cookie
    uint32_t size = 4 + dir_info;
    WireHandle wire;
    if (plus_) {
      size += e.attr ? kPostOpAttrSize : 4;
      if (e.handle) {
        wire = call_.EncodeHandle(dir_, *e.handle);
        size += 4 + 4 + XdrPad(wire.size);
      } else {
        size += 4;
      }
    }
    if (used_ + size > budget_ || (plus_ && dir_used_ + dir_info > dircount_)) {
      stopped_ = true;
      return false;
    }

    const size_t at = buf_.size();
    buf_.resize(at + size);
    XDR x;
    xdrmem_create(&x, reinterpret_cast<char*>(buf_.data() + at), size, XDR_ENCODE);
    bool_t follows = TRUE;
    uint64_t fileid = e.fileid, cookie = e.cookie;
    filename3 name{name_len, const_cast<char*>(e.name.data())};
    bool ok = xdr_bool(&x, &follows) && xdr_uint64_t(&x, &fileid) && xdr_filename3(&x, &name) &&
              xdr_uint64_t(&x, &cookie);
    if (ok && plus_) {
      post_op_attr pa{};
      ToPostOpAttr(e.attr, dir_.fsid(), &pa);
      post_op_fh3 pf{};
      pf.handle_follows = e.handle.has_value();
      if (e.handle) pf.post_op_fh3_u.handle = ToNfsFh3(wire);
      ok = xdr_post_op_attr(&x, &pa) && xdr_post_op_fh3(&x, &pf);
    }
    ok = ok && xdr_getpos(&x) == size;
    xdr_destroy(&x);
    if (!ok) {
      buf_.resize(at);
      stopped_ = true;
      failed_ = true;
      return false;
    }
    used_ += size;
    dir_used_ += dir_info;
    ++entries_;
    return true;
  }

  bool stopped() const { return stopped_; }
  bool failed() const { return failed_; }
  size_t entries() const { return entries_; }
  std::vector<uint8_t>& body() { return buf_; }

 private:
  Nfs3Call& call_;
  const Nfs3Target& dir_;
  const bool plus_;
  const uint32_t dircount_;
  const uint32_t budget_;
  uint32_t used_ = 0;
  uint32_t dir_used_ = 0;
  size_t entries_ = 0;
  bool stopped_ = false;
  bool failed_ = false;
  std::vector<uint8_t> buf_;
};

DispatchStatus ReplyFailure(Nfs3Call& call, Status st, const std::optional<Attr>& dir_attr,
                            uint64_t fsid, bool plus, XDR* res) {
  if (plus) {
    READDIRPLUS3res r{};
    r.status = ToNfsstat3(st);
    ToPostOpAttr(dir_attr, fsid, &r.READDIRPLUS3res_u.resfail.dir_attributes);
    return call.Reply(xdr_READDIRPLUS3res, &r, res);
  }
  READDIR3res r{};
  r.status = ToNfsstat3(st);
  ToPostOpAttr(dir_attr, fsid, &r.READDIR3res_u.resfail.dir_attributes);
  return call.Reply(xdr_READDIR3res, &r, res);
}

DispatchStatus ReadDirCommon(Nfs3Call& call, const nfs_fh3& fh, uint64_t cookie,
                             const char (&cookieverf)[NFS3_COOKIEVERFSIZE], uint32_t dircount,
                             uint32_t maxcount, bool plus, XDR* res) {
  Nfs3Target dir;
  Status st = call.Resolve(fh, &dir);
  if (call.too_weak()) return DispatchStatus::kAuthTooWeak;
  if (!st.ok()) return ReplyFailure(call, st, std::nullopt, 0, plus, res);

  maxcount = std::min(maxcount, kMaxTransfer);
  if (maxcount < kResOkOverhead) {
    return ReplyFailure(call, Nfsstat3::kToosmall, call.AttrOf(dir), dir.fsid(), plus, res);
  }
  CookieVerifier verf;
  std::copy(std::begin(cookieverf), std::end(cookieverf), verf.begin());
  EntryEncoder entries(call, dir, plus, dircount, maxcount - kResOkOverhead);
  ReadDirRes rd;
  st = call.Checked(dir.layer()->ReadDir(call.ctx(), dir.node, cookie, verf, plus, entries, &rd));
  if (st.ok() && entries.failed()) st = call.Checked(Nfsstat3::kServerfault);
  if (st.ok() && entries.stopped() && entries.entries() == 0) st = Nfsstat3::kToosmall;
  if (!st.ok()) return ReplyFailure(call, st, rd.dir_attr, dir.fsid(), plus, res);

  // The resok by hand: the entries are already encoded.
  enum_t status = NFS3_OK;
  post_op_attr pa{};
  ToPostOpAttr(rd.dir_attr, dir.fsid(), &pa);
  std::vector<uint8_t>& body = entries.body();
  bool_t more = FALSE;
  bool_t eof = rd.eof && !entries.stopped();
  if (!xdr_enum(res, &status) || !xdr_post_op_attr(res, &pa) ||
      !xdr_opaque(res, reinterpret_cast<char*>(rd.verifier.data()), NFS3_COOKIEVERFSIZE) ||
      !xdr_opaque(res, reinterpret_cast<char*>(body.data()), static_cast<u_int>(body.size())) ||
      !xdr_bool(res, &more) || !xdr_bool(res, &eof)) {
    call.LogEncodeFailure();
    return DispatchStatus::kSystemErr;
  }
  return DispatchStatus::kSuccess;
}

}  // namespace

DispatchStatus ReadDir(Nfs3Call& call, XDR* args, XDR* res) {
  XdrArgs<READDIR3args, xdr_READDIR3args> a;
  if (!a.Decode(args)) return DispatchStatus::kGarbageArgs;
  // READDIR has no separate directory-information limit.
  return ReadDirCommon(call, a->dir, a->cookie, a->cookieverf, UINT32_MAX, a->count, false, res);
}

DispatchStatus ReadDirPlus(Nfs3Call& call, XDR* args, XDR* res) {
  XdrArgs<READDIRPLUS3args, xdr_READDIRPLUS3args> a;
  if (!a.Decode(args)) return DispatchStatus::kGarbageArgs;
  return ReadDirCommon(call, a->dir, a->cookie, a->cookieverf, a->dircount, a->maxcount, true, res);
}

}  // namespace loopfs::nfsd::nfs3proc
