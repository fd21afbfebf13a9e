#include "rpc/reply_header.h"

#include <cstring>

#include "rpc/onc_rpc_prot.h"
#include "rpc/xdr_buffer.h"

namespace loopfs::rpc {
namespace {

// Encodes msg after the record mark, replacing whatever buf held.
void EncodeWhole(const onc_rpc_msg& msg, ByteBuffer* buf) {
  buf->clear();
  XdrBufferEncoder enc(buf, kReplyMarkSize);
  // Encoding into a growing buffer cannot fail for these fixed-shape messages.
  xdr_onc_rpc_msg(enc.xdr(), const_cast<onc_rpc_msg*>(&msg));
}

onc_rpc_msg Accepted(uint32_t xid, AcceptStat stat) {
  onc_rpc_msg msg{};
  msg.xid = xid;
  msg.body.mtype = ONC_REPLY;
  msg.body.onc_msg_body_u.rbody.stat = ONC_MSG_ACCEPTED;
  auto& areply = msg.body.onc_msg_body_u.rbody.onc_reply_body_u.areply;
  areply.verf.flavor = ONC_AUTH_NONE;
  areply.reply_data.stat = static_cast<onc_accept_stat>(stat);
  return msg;
}

onc_rpc_msg Denied(uint32_t xid, onc_reject_stat stat) {
  onc_rpc_msg msg{};
  msg.xid = xid;
  msg.body.mtype = ONC_REPLY;
  msg.body.onc_msg_body_u.rbody.stat = ONC_MSG_DENIED;
  msg.body.onc_msg_body_u.rbody.onc_reply_body_u.rreply.stat = stat;
  return msg;
}

}  // namespace

void WriteAcceptedHeader(uint32_t xid, AcceptStat stat, ByteBuffer* buf) {
  // The hot path: six fixed words, written without a stream.
  const uint32_t words[6] = {htonl(xid), htonl(ONC_REPLY), htonl(ONC_MSG_ACCEPTED),
                             htonl(ONC_AUTH_NONE), 0, htonl(static_cast<uint32_t>(stat))};
  std::memcpy(buf->data() + kReplyMarkSize, words, sizeof(words));
}

void EncodeAcceptedError(uint32_t xid, AcceptStat stat, ByteBuffer* buf) {
  EncodeWhole(Accepted(xid, stat), buf);
}

void EncodeProgMismatch(uint32_t xid, uint32_t low, uint32_t high, ByteBuffer* buf) {
  onc_rpc_msg msg = Accepted(xid, AcceptStat::kProgMismatch);
  auto& info = msg.body.onc_msg_body_u.rbody.onc_reply_body_u.areply.reply_data
                   .onc_accepted_reply_data_u.mismatch_info;
  info.low = low;
  info.high = high;
  EncodeWhole(msg, buf);
}

void EncodeRpcMismatch(uint32_t xid, ByteBuffer* buf) {
  onc_rpc_msg msg = Denied(xid, ONC_RPC_MISMATCH);
  auto& info = msg.body.onc_msg_body_u.rbody.onc_reply_body_u.rreply.onc_rejected_reply_u
                   .mismatch_info;
  info.low = 2;
  info.high = 2;
  EncodeWhole(msg, buf);
}

void EncodeAuthError(uint32_t xid, AuthStat stat, ByteBuffer* buf) {
  onc_rpc_msg msg = Denied(xid, ONC_AUTH_ERROR);
  msg.body.onc_msg_body_u.rbody.onc_reply_body_u.rreply.onc_rejected_reply_u.auth_stat =
      static_cast<onc_auth_stat>(stat);
  EncodeWhole(msg, buf);
}

}  // namespace loopfs::rpc
