#include "nfsd/squash.h"

namespace loopfs::nfsd {

Credentials SquashCredentials(const rpc::CallInfo& call, const ExportOptions& options) {
  Credentials c;
  if (call.flavor != rpc::AuthFlavor::kSys || options.all_squash) {
    c.uid = options.anonuid;
    c.gid = options.anongid;
    return c;
  }
  const rpc::AuthSys& sys = call.sys;
  c.uid = sys.uid;
  c.gid = sys.gid;
  c.ngroups = sys.ngids <= kMaxGroups ? sys.ngids : static_cast<uint32_t>(kMaxGroups);
  for (uint32_t i = 0; i < c.ngroups; ++i) c.groups[i] = sys.gids[i];
  if (options.root_squash) {
    if (c.uid == 0) c.uid = options.anonuid;
    if (c.gid == 0) c.gid = options.anongid;
    for (uint32_t i = 0; i < c.ngroups; ++i) {
      if (c.groups[i] == 0) c.groups[i] = options.anongid;
    }
  }
  return c;
}

bool ClaimsForeignUid(const rpc::CallInfo& call) {
  if (call.peer == nullptr || call.flavor != rpc::AuthFlavor::kSys) return false;
  const int64_t owner = call.peer->owner_uid;
  if (owner == 0) return false;  // root's socket (the kernel client) speaks for everyone
  if (owner > 0) return static_cast<int64_t>(call.sys.uid) != owner;
  // Owner unknown (UDP has no connection to look up, or the lookup failed):
  // only a reserved port, which only a privileged process can bind, vouches
  // for the credentials.
  return !call.peer->reserved_port();
}

}  // namespace loopfs::nfsd
