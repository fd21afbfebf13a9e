// The daemon's side of automount exports: the `automount-status` control command (what
// `loopfs automount status` prints) and the map reload SIGHUP asks of every automount
// export whose stack a configuration reload kept.
#pragma once

#include "nfsd/daemon/control_server.h"
#include "nfsd/export.h"

namespace loopfs::daemon {

void RegisterAutomountCommands(ControlServer& control, const nfsd::ExportTableHolder* exports);

// Rereads the map of every automount export in table (an invalid map keeps the old one;
// the layer logs why).
void ReloadAutomountMaps(const nfsd::ExportTable& table);

}  // namespace loopfs::daemon
