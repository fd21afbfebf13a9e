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
  return owner > 0 && static_cast<int64_t>(call.sys.uid) != owner;
}

}  // namespace loopfs::nfsd
