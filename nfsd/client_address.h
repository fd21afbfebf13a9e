// A caller's address as text, for log lines and the MOUNT list.
#pragma once

#include <string>

#include "rpc/program.h"

namespace loopfs::nfsd {

// "127.0.0.1", "::1"; "unknown" if the call has no usable peer address.
std::string ClientHost(const rpc::CallInfo& call);
// "127.0.0.1:811" for logs.
std::string ClientName(const rpc::CallInfo& call);

}  // namespace loopfs::nfsd
