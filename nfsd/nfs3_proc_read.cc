// READ (RFC 1813 section 3.3.6).
//
// The file data goes straight into the reply: the result stream's
// xdr_inline() hands out room for the largest possible reply, the layer reads
// into it, and the header in front (status, attributes, count, eof, data
// length) is written afterwards, when count and eof are known.  The reply
// then ends at the stream's position (xdr_getpos), after the padded data.
#include <cstring>
#include <vector>

#include "nfsd/nfs3_attr.h"
#include "nfsd/nfs3_call.h"
#include "nfsd/nfs3_program.h"

namespace loopfs::nfsd::nfs3proc {
namespace {

// status, post_op_attr with attributes, count, eof, data length.
constexpr uint32_t kHeaderWithAttr = 4 + kPostOpAttrSize + 4 + 4 + 4;
constexpr uint32_t kHeaderWithoutAttr = kHeaderWithAttr - kFattr3Size;

DispatchStatus ReplyFailure(Nfs3Call& call, Status st, const std::optional<Attr>& attr,
                            uint64_t fsid, XDR* res) {
  READ3res r{};
  r.status = ToNfsstat3(st);
  ToPostOpAttr(attr, fsid, &r.READ3res_u.resfail.file_attributes);
  return call.Reply(xdr_READ3res, &r, res);
}

bool EncodeHeader(XDR* res, const std::optional<Attr>& attr, uint64_t fsid, uint32_t count,
                  bool eof) {
  enum_t status = NFS3_OK;
  post_op_attr pa{};
  ToPostOpAttr(attr, fsid, &pa);
  bool_t eof_flag = eof;
  u_int len = count;
  return xdr_enum(res, &status) && xdr_post_op_attr(res, &pa) && xdr_u_int(res, &count) &&
         xdr_bool(res, &eof_flag) && xdr_u_int(res, &len);
}

// When the result stream cannot inline (not the rpc runtime's): read into a
// buffer and encode it, one copy more.
DispatchStatus ReadCopying(Nfs3Call& call, const Nfs3Target& t, uint64_t offset, uint32_t count,
                           XDR* res) {
  std::vector<uint8_t> buf(count);
  ReadRes rr;
  Status st = call.Checked(t.layer()->Read(call.ctx(), t.node, offset, buf, &rr));
  if (!st.ok()) return ReplyFailure(call, st, rr.attr, t.fsid(), res);
  READ3res r{};
  r.status = NFS3_OK;
  READ3resok& ok = r.READ3res_u.resok;
  ToPostOpAttr(rr.attr, t.fsid(), &ok.file_attributes);
  ok.count = std::min(rr.count, count);
  ok.eof = rr.eof;
  ok.data.data_len = ok.count;
  ok.data.data_val = reinterpret_cast<char*>(buf.data());
  return call.Reply(xdr_READ3res, &r, res);
}

}  // namespace

DispatchStatus Read(Nfs3Call& call, XDR* args, XDR* res) {
  XdrArgs<READ3args, xdr_READ3args> a;
  if (!a.Decode(args)) return DispatchStatus::kGarbageArgs;
  Nfs3Target t;
  Status st = call.Resolve(a->file, &t);
  if (call.too_weak()) return DispatchStatus::kAuthTooWeak;
  if (!st.ok()) return ReplyFailure(call, st, std::nullopt, 0, res);

  const uint32_t count = std::min(a->count, kMaxTransfer);
  const u_int start = xdr_getpos(res);
  auto* room = reinterpret_cast<uint8_t*>(xdr_inline(res, kHeaderWithAttr + XdrPad(count)));
  if (room == nullptr) return ReadCopying(call, t, a->offset, count, res);

  uint8_t* data = room + kHeaderWithAttr;
  ReadRes rr;
  st = call.Checked(t.layer()->Read(call.ctx(), t.node, a->offset, {data, count}, &rr));
  if (!st.ok()) {
    if (!xdr_setpos(res, start)) return DispatchStatus::kSystemErr;
    return ReplyFailure(call, st, rr.attr, t.fsid(), res);
  }
  const uint32_t n = std::min(rr.count, count);
  uint32_t header = kHeaderWithAttr;
  if (!rr.attr) {
    // Rare: no attributes, so the header is shorter and the data moves up.
    header = kHeaderWithoutAttr;
    std::memmove(room + header, data, n);
    data = room + header;
  }
  std::memset(data + n, 0, XdrPad(n) - n);  // XDR padding is zeros

  if (!xdr_setpos(res, start) || !EncodeHeader(res, rr.attr, t.fsid(), n, rr.eof) ||
      xdr_getpos(res) != start + header || !xdr_setpos(res, start + header + XdrPad(n))) {
    call.LogEncodeFailure();
    return DispatchStatus::kSystemErr;
  }
  return DispatchStatus::kSuccess;
}

}  // namespace loopfs::nfsd::nfs3proc
