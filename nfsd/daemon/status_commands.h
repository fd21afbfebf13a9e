// The `status` and `stats` control commands.
#pragma once

#include "nfsd/daemon/control_server.h"
#include "nfsd/export.h"
#include "nfsd/mount_program.h"
#include "rpc/dispatcher.h"
#include "rpc/server.h"

namespace loopfs::daemon {

struct StatusSources {
  const rpc::RpcServer* server;
  const rpc::Dispatcher* dispatcher;
  const nfsd::ExportTableHolder* exports;
  const nfsd::MountProgram* mount;
};

void RegisterStatusCommands(ControlServer& control, StatusSources sources);

}  // namespace loopfs::daemon
