// From the RPC credential to the identity a layer acts with: AUTH_SYS ids,
// squashed as the export's options say (exports(5)).
#pragma once

#include "layers/types.h"
#include "nfsd/export_options.h"
#include "rpc/program.h"

namespace loopfs::nfsd {

// AUTH_NONE (and any other flavor) is the anonymous user.  root_squash maps
// uid 0 to anonuid and gid 0 (also among the supplementary groups) to
// anongid; all_squash maps everyone to anonuid/anongid without groups.
Credentials SquashCredentials(const rpc::CallInfo& call, const ExportOptions& options);

// True if the call must be refused because a non-root local user claims
// another uid: the peer's socket is owned by a known uid other than 0 and the
// AUTH_SYS uid differs from it.
bool ClaimsForeignUid(const rpc::CallInfo& call);

}  // namespace loopfs::nfsd
