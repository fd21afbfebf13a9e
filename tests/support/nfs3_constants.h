// RFC 1813's names for statuses, types and bits, as libnfs's rpcgen headers
// spell them (NFS3ERR_NOENT, NF3DIR, ACCESS3_READ...), for test assertions.
#pragma once

// libnfs's raw headers need its context API declared first.
#include <nfsc/libnfs.h>
// (own block: the raw headers need libnfs.h first)
#include <nfsc/libnfs-raw-mount.h>
#include <nfsc/libnfs-raw-nfs.h>
#include <nfsc/libnfs-raw.h>

#include <string>

#include <fmt/format.h>

#include "tests/support/nfs3_client.h"

namespace loopfs::testing {

// "NFS3ERR_NOENT (status 2): <rpc error>" for assertion messages.
inline std::string Why(const Res3& r) {
  return fmt::format("{} (status {}) {}", r.rpc_ok ? Nfsstat3Name(r.status) : "no RPC reply",
                     r.status, r.error);
}

}  // namespace loopfs::testing
