// The `attach` and `detach` control commands: an encrypted directory served as a new
// export of the running loopfsd, and taken away again (CFS's cattach and cdetach).
//
//   {"cmd": "attach", "cipherdir": "/srv/vault", "export": "/secret",
//    "passphrase": "...", "options": ["rw", "root_squash"]}
//   {"cmd": "detach", "export": "/secret"}
//
// The passphrase crosses the root-only control socket once; the handler wipes its copy
// after unlocking, and the keys live in the encrypt layer until the export is detached.
#pragma once

#include "nfsd/daemon/control_server.h"
#include "nfsd/daemon/runtime_exports.h"

namespace loopfs::daemon {

void RegisterAttachCommands(ControlServer& control, RuntimeExports* exports);

}  // namespace loopfs::daemon
