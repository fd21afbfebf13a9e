// What an RPC program (NFS, MOUNT) implements to be served by rpc/.
//
// rpc/ owns everything up to and including the call header: transports,
// record marking, the call header and its credential, version and procedure
// range checks against what the program declares, the duplicate request
// cache and the reply header.  The program decodes its arguments from an XDR
// decoder positioned at the first argument byte and encodes its result body
// into an XDR encoder positioned just after the accepted-reply header.
#pragma once

#include <rpc/xdr.h>
#include <sys/socket.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace loopfs::rpc {

// auth_flavor, RFC 5531 section 8.2.
enum class AuthFlavor : uint32_t { kNone = 0, kSys = 1, kShort = 2, kDh = 3, kRpcsecGss = 6 };

// authsys_parms after the limits of RFC 5531 appendix A were checked.
struct AuthSys {
  uint32_t stamp = 0;
  std::string machine;  // at most 255 bytes
  uint32_t uid = 0;
  uint32_t gid = 0;
  uint32_t ngids = 0;   // at most 16
  std::array<uint32_t, 16> gids{};
};

// Where a call came from.
struct Peer {
  sockaddr_storage addr{};
  socklen_t addr_len = 0;
  uint16_t port = 0;          // source port, host order
  bool tcp = true;
  // For a TCP peer on loopback: the uid owning the client's socket
  // (NETLINK_SOCK_DIAG), or -1 if it could not be found out.
  int64_t owner_uid = -1;

  bool reserved_port() const { return port != 0 && port < 1024; }
};

struct CallInfo {
  uint32_t xid = 0;
  uint32_t prog = 0;
  uint32_t vers = 0;
  uint32_t proc = 0;
  AuthFlavor flavor = AuthFlavor::kNone;
  AuthSys sys;  // valid when flavor == kSys
  const Peer* peer = nullptr;
  // After this the client has retransmitted or given up.
  std::chrono::steady_clock::time_point deadline;
};

// auth_stat, RFC 5531 section 9.
enum class AuthStat : uint32_t {
  kOk = 0,
  kBadCred = 1,
  kRejectedCred = 2,
  kBadVerf = 3,
  kRejectedVerf = 4,
  kTooWeak = 5,
  kInvalidResp = 6,
  kFailed = 7,
};

// How the program answered a call.  The accept_stat values the program may
// produce; PROG_UNAVAIL and PROG_MISMATCH are rpc/'s own.
enum class DispatchStatus {
  kSuccess,       // result body encoded
  kProcUnavail,   // no such procedure in this version
  kGarbageArgs,   // arguments did not decode
  kSystemErr,     // the program failed (e.g. result did not encode)
  kAuthTooWeak,   // reply MSG_DENIED/AUTH_ERROR/AUTH_TOOWEAK (e.g. insecure port)
  kDrop,          // send no reply at all (the client will retransmit)
};

class Program {
 public:
  virtual ~Program() = default;

  virtual uint32_t number() const = 0;
  virtual std::string_view name() const = 0;  // "nfs", "mount"
  // Versions served: every version in [low, high] for which HasVersion is
  // true.  A call for another version gets PROG_MISMATCH with low and high.
  virtual uint32_t low_version() const = 0;
  virtual uint32_t high_version() const = 0;
  virtual bool HasVersion(uint32_t vers) const { return vers >= low_version() && vers <= high_version(); }
  // Name of a procedure for logs and statistics, e.g. "GETATTR"; empty if
  // there is no such procedure.
  virtual std::string_view ProcName(uint32_t vers, uint32_t proc) const = 0;
  // True for procedures whose repetition is harmful (SETATTR, WRITE, CREATE,
  // MKDIR, SYMLINK, MKNOD, REMOVE, RMDIR, RENAME, LINK): their replies go to
  // the duplicate request cache.
  virtual bool IsNonIdempotent(uint32_t vers, uint32_t proc) const = 0;

  // Serves one call.  args decodes the arguments; result encodes the result
  // body.  Runs on a worker thread, concurrently with other calls; must not
  // throw.  result supports xdr_inline() of any size (it grows), which is how
  // READ places file data straight into the reply.  The result body ends at
  // xdr_getpos(result) when Dispatch returns: READ reserves room for a full
  // count, then xdr_setpos()es back to write its header and forward to just
  // after the data it actually read.
  virtual DispatchStatus Dispatch(const CallInfo& call, XDR* args, XDR* result) = 0;
};

}  // namespace loopfs::rpc
