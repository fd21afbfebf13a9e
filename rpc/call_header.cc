#include "rpc/call_header.h"

#include <rpc/rpc.h>

#include <cstring>

#include "rpc/onc_rpc_prot.h"

namespace loopfs::rpc {
namespace {

constexpr unsigned kMaxAuthBody = 400;       // opaque_auth body<400>
constexpr unsigned kMaxMachineName = 255;    // AUTH_SYS, appendix A
constexpr unsigned kMaxGids = 16;

// Parses an AUTH_SYS body strictly: every byte must belong to the structure.
bool DecodeAuthSys(const uint8_t* body, unsigned len, AuthSys* sys) {
  char machine[kMaxMachineName + 1];
  unsigned int gids[kMaxGids];
  onc_authsys_parms parms{};
  parms.machinename = machine;  // preset buffers: xdr_string/xdr_array do not allocate
  parms.gids.gids_val = gids;

  XDR xdr;
  xdrmem_create(&xdr, reinterpret_cast<char*>(const_cast<uint8_t*>(body)), len, XDR_DECODE);
  bool ok = xdr_onc_authsys_parms(&xdr, &parms) && xdr_getpos(&xdr) == len;
  xdr_destroy(&xdr);
  if (!ok) return false;

  sys->stamp = parms.stamp;
  sys->machine.assign(machine, strnlen(machine, kMaxMachineName));
  sys->uid = parms.uid;
  sys->gid = parms.gid;
  sys->ngids = parms.gids.gids_len;
  std::memcpy(sys->gids.data(), gids, sizeof(unsigned int) * sys->ngids);
  return true;
}

}  // namespace

CallHeaderStatus DecodeCallHeader(std::span<const uint8_t> record, CallHeader* out) {
  XDR xdr;
  xdrmem_create(&xdr, reinterpret_cast<char*>(const_cast<uint8_t*>(record.data())),
                static_cast<u_int>(record.size()), XDR_DECODE);
  struct Closer {
    XDR* x;
    ~Closer() { xdr_destroy(x); }
  } closer{&xdr};

  // Enumerations are read as plain integers: a hostile value outside the
  // enum's range must not be loaded into a C++ enum (undefined behaviour).
  u_int xid = 0;
  u_int mtype = 0;
  if (!xdr_u_int(&xdr, &xid) || !xdr_u_int(&xdr, &mtype)) {
    return CallHeaderStatus::kUndecodable;
  }
  out->info.xid = xid;
  if (mtype != ONC_CALL) return CallHeaderStatus::kNotCall;

  u_int rpcvers = 0;
  if (!xdr_u_int(&xdr, &rpcvers)) return CallHeaderStatus::kUndecodable;
  if (rpcvers != 2) return CallHeaderStatus::kRpcMismatch;

  if (!xdr_u_int(&xdr, &out->info.prog) || !xdr_u_int(&xdr, &out->info.vers) ||
      !xdr_u_int(&xdr, &out->info.proc)) {
    return CallHeaderStatus::kUndecodable;
  }
  // opaque_auth cred, verf: flavor and body<400>.  A body over 400 bytes
  // fails to decode: a bad credential.
  char cred_body[kMaxAuthBody];
  char verf_body[kMaxAuthBody];
  char* cred_ptr = cred_body;
  char* verf_ptr = verf_body;
  u_int cred_flavor = 0, cred_len = 0, verf_flavor = 0, verf_len = 0;
  if (!xdr_u_int(&xdr, &cred_flavor) ||
      !xdr_bytes(&xdr, &cred_ptr, &cred_len, kMaxAuthBody) ||
      !xdr_u_int(&xdr, &verf_flavor) || !xdr_bytes(&xdr, &verf_ptr, &verf_len, kMaxAuthBody)) {
    return CallHeaderStatus::kBadCred;
  }
  out->args_offset = xdr_getpos(&xdr);

  switch (cred_flavor) {
    case ONC_AUTH_NONE:
      out->info.flavor = AuthFlavor::kNone;
      break;
    case ONC_AUTH_SYS:
      out->info.flavor = AuthFlavor::kSys;
      if (!DecodeAuthSys(reinterpret_cast<const uint8_t*>(cred_body), cred_len,
                         &out->info.sys)) {
        return CallHeaderStatus::kBadCred;
      }
      break;
    default:
      return CallHeaderStatus::kBadFlavor;
  }
  // The verifier of AUTH_NONE and AUTH_SYS calls carries nothing we check.
  return CallHeaderStatus::kOk;
}

}  // namespace loopfs::rpc
