// ONC RPC v2 (RFC 5531) call encoding and reply decoding for tests, by hand.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/xdr_codec.h"

namespace loopfs::testing {

inline constexpr uint32_t kNfsProgram = 100003;
inline constexpr uint32_t kMountProgram = 100005;
inline constexpr uint32_t kNfsV3 = 3;
inline constexpr uint32_t kMountV1 = 1;
inline constexpr uint32_t kMountV3 = 3;

// NFSv3 procedure numbers, RFC 1813 section 3.
enum Nfs3Proc : uint32_t {
  kNfs3Null = 0,
  kNfs3GetAttr = 1,
  kNfs3SetAttr = 2,
  kNfs3Lookup = 3,
  kNfs3Access = 4,
  kNfs3ReadLink = 5,
  kNfs3Read = 6,
  kNfs3Write = 7,
  kNfs3Create = 8,
  kNfs3MkDir = 9,
  kNfs3SymLink = 10,
  kNfs3MkNod = 11,
  kNfs3Remove = 12,
  kNfs3RmDir = 13,
  kNfs3Rename = 14,
  kNfs3Link = 15,
  kNfs3ReadDir = 16,
  kNfs3ReadDirPlus = 17,
  kNfs3FsStat = 18,
  kNfs3FsInfo = 19,
  kNfs3PathConf = 20,
  kNfs3Commit = 21,
};

// MOUNT v3 procedures, RFC 1813 section 5.
enum Mount3Proc : uint32_t {
  kMountNull = 0,
  kMountMnt = 1,
  kMountDump = 2,
  kMountUmnt = 3,
  kMountUmntAll = 4,
  kMountExport = 5,
};

// accept_stat, reject_stat and auth_stat (RFC 5531 section 9).
enum AcceptStat : uint32_t {
  kSuccess = 0,
  kProgUnavail = 1,
  kProgMismatch = 2,
  kProcUnavail = 3,
  kGarbageArgs = 4,
  kSystemErr = 5,
};
enum RejectStat : uint32_t { kRpcMismatch = 0, kAuthError = 1 };
enum AuthStatValue : uint32_t {
  kAuthOk = 0,
  kAuthBadCred = 1,
  kAuthRejectedCred = 2,
  kAuthBadVerf = 3,
  kAuthRejectedVerf = 4,
  kAuthTooWeak = 5,
};

// The credential of a call.  flavor 0 is AUTH_NONE, 1 AUTH_SYS; any other
// flavour is sent with body as its opaque body.
struct Credential {
  uint32_t flavor = 0;
  uint32_t stamp = 0;
  std::string machine;
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::vector<uint32_t> gids;
  Bytes body;  // used only for flavours other than 0 and 1

  static Credential None() { return {}; }
  static Credential Sys(uint32_t uid, uint32_t gid, std::vector<uint32_t> gids = {},
                        std::string machine = "loopfs-test") {
    Credential c;
    c.flavor = 1;
    c.machine = std::move(machine);
    c.uid = uid;
    c.gid = gid;
    c.gids = std::move(gids);
    return c;
  }
};

struct CallHeader {
  uint32_t xid = 0;
  uint32_t rpcvers = 2;
  uint32_t prog = kNfsProgram;
  uint32_t vers = kNfsV3;
  uint32_t proc = kNfs3Null;
  Credential cred;
};

// The call message (no record mark): header, AUTH_NONE verifier, args.
Bytes EncodeCall(const CallHeader& h, const Bytes& args);

// Prefixes a record mark to each fragment; the last one has the high bit.
// fragment_size 0 means one fragment.
Bytes RecordMark(const Bytes& msg, size_t fragment_size = 0);

struct RpcReply {
  uint32_t xid = 0;
  bool accepted = false;      // MSG_ACCEPTED; else MSG_DENIED
  uint32_t accept_stat = 0;   // when accepted
  uint32_t reject_stat = 0;   // when denied
  uint32_t auth_stat = 0;     // when denied with AUTH_ERROR
  uint32_t mismatch_low = 0;  // PROG_MISMATCH or RPC_MISMATCH
  uint32_t mismatch_high = 0;
  Bytes body;  // procedure result, when accept_stat == SUCCESS
  Bytes raw;   // the whole message, for byte-for-byte comparison

  bool Success() const { return accepted && accept_stat == kSuccess; }
};

// Decodes one reply message; nullopt if it is not a well-formed reply.
std::optional<RpcReply> DecodeReply(const Bytes& msg);

std::string DescribeReply(const RpcReply& r);

}  // namespace loopfs::testing
