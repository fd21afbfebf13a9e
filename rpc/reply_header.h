// Encoding of RPC reply headers (RFC 5531 section 9).
//
// Every reply buffer starts with room for the TCP record mark; UDP replies
// send the buffer from kReplyMarkSize on.
#pragma once

#include <cstdint>

#include "rpc/byte_buffer.h"
#include "rpc/program.h"

namespace loopfs::rpc {

inline constexpr size_t kReplyMarkSize = 4;
// Record mark + xid, REPLY, MSG_ACCEPTED, AUTH_NONE verifier (2 words), SUCCESS.
inline constexpr size_t kAcceptedHeaderEnd = kReplyMarkSize + 6 * 4;

enum class AcceptStat : uint32_t {
  kSuccess = 0,
  kProgUnavail = 1,
  kProgMismatch = 2,
  kProcUnavail = 3,
  kGarbageArgs = 4,
  kSystemErr = 5,
};

// Fills bytes [kReplyMarkSize, kAcceptedHeaderEnd) of buf (which must be at
// least that long) with an accepted reply header; the body follows.
void WriteAcceptedHeader(uint32_t xid, AcceptStat stat, ByteBuffer* buf);

// These replace buf's content with a complete reply that has no body
// (the record mark bytes are left for the transport to fill).
void EncodeAcceptedError(uint32_t xid, AcceptStat stat, ByteBuffer* buf);
void EncodeProgMismatch(uint32_t xid, uint32_t low, uint32_t high, ByteBuffer* buf);
void EncodeRpcMismatch(uint32_t xid, ByteBuffer* buf);
void EncodeAuthError(uint32_t xid, AuthStat stat, ByteBuffer* buf);

}  // namespace loopfs::rpc
