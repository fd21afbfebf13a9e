#include "tests/support/rpc_message.h"

#include <algorithm>

#include <fmt/format.h>

namespace loopfs::testing {

Bytes EncodeCall(const CallHeader& h, const Bytes& args) {
  XdrEncoder e;
  e.U32(h.xid).U32(0 /* CALL */).U32(h.rpcvers).U32(h.prog).U32(h.vers).U32(h.proc);
  e.U32(h.cred.flavor);
  if (h.cred.flavor == 0) {
    e.U32(0);
  } else if (h.cred.flavor == 1) {
    XdrEncoder body;
    body.U32(h.cred.stamp).String(h.cred.machine).U32(h.cred.uid).U32(h.cred.gid);
    body.U32(static_cast<uint32_t>(h.cred.gids.size()));
    for (uint32_t g : h.cred.gids) body.U32(g);
    e.Opaque(body.bytes());
  } else {
    e.Opaque(h.cred.body);
  }
  e.U32(0).U32(0);  // verifier: AUTH_NONE, empty
  e.Raw(args);
  return e.Take();
}

Bytes RecordMark(const Bytes& msg, size_t fragment_size) {
  if (fragment_size == 0) fragment_size = std::max<size_t>(msg.size(), 1);
  XdrEncoder e;
  size_t pos = 0;
  do {
    size_t n = std::min(fragment_size, msg.size() - pos);
    bool last = pos + n == msg.size();
    e.U32(static_cast<uint32_t>(n) | (last ? 0x80000000u : 0));
    e.Raw({msg.data() + pos, n});
    pos += n;
  } while (pos < msg.size());
  return e.Take();
}

std::optional<RpcReply> DecodeReply(const Bytes& msg) {
  RpcReply r;
  r.raw = msg;
  XdrDecoder d(msg);
  uint32_t mtype = 0, stat = 0;
  if (!d.U32(&r.xid) || !d.U32(&mtype) || mtype != 1 || !d.U32(&stat)) return std::nullopt;
  if (stat == 0) {
    r.accepted = true;
    uint32_t flavor = 0;
    Bytes verf;
    if (!d.U32(&flavor) || !d.Opaque(&verf, 400) || !d.U32(&r.accept_stat)) return std::nullopt;
    if (r.accept_stat == kProgMismatch) {
      if (!d.U32(&r.mismatch_low) || !d.U32(&r.mismatch_high)) return std::nullopt;
    }
    auto rest = d.rest();
    r.body.assign(rest.begin(), rest.end());
    return r;
  }
  if (stat != 1 || !d.U32(&r.reject_stat)) return std::nullopt;
  if (r.reject_stat == kRpcMismatch) {
    if (!d.U32(&r.mismatch_low) || !d.U32(&r.mismatch_high)) return std::nullopt;
  } else if (r.reject_stat == kAuthError) {
    if (!d.U32(&r.auth_stat)) return std::nullopt;
  } else {
    return std::nullopt;
  }
  return r;
}

std::string DescribeReply(const RpcReply& r) {
  if (r.accepted) {
    return fmt::format("xid={:#x} accepted accept_stat={} mismatch={}..{} body={}B", r.xid,
                       r.accept_stat, r.mismatch_low, r.mismatch_high, r.body.size());
  }
  return fmt::format("xid={:#x} denied reject_stat={} auth_stat={} mismatch={}..{}", r.xid,
                     r.reject_stat, r.auth_stat, r.mismatch_low, r.mismatch_high);
}

}  // namespace loopfs::testing
