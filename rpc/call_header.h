// Decoding of the RPC call header (RFC 5531 section 9) and its credential.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "rpc/program.h"

namespace loopfs::rpc {

enum class CallHeaderStatus {
  kOk,
  kUndecodable,   // not even an xid and a message type: no reply possible
  kNotCall,       // a REPLY sent to a server: ignored
  kRpcMismatch,   // rpcvers != 2: MSG_DENIED / RPC_MISMATCH 2..2
  kBadCred,       // malformed credential or over the AUTH_SYS limits
  kBadFlavor,     // a flavor we do not serve: AUTH_ERROR
};

struct CallHeader {
  CallInfo info;          // xid, prog, vers, proc, flavor, sys; peer is not set
  size_t args_offset = 0; // where the procedure's arguments begin in the record
};

// Decodes the call header at the start of record.  info.xid is valid for
// every status but kUndecodable.  Allocates nothing.
CallHeaderStatus DecodeCallHeader(std::span<const uint8_t> record, CallHeader* out);

}  // namespace loopfs::rpc
