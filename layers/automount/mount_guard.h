// Keeps loopfsd from reading maps through its own mounts.
//
// A map file (or include, or map program) that lies under a mount of this very server would be
// read by a loopfsd thread through the kernel's NFS client, which sends the request back to
// loopfsd: at best slow, at worst a deadlock when every server thread waits on itself.  So map
// paths are resolved component by component and refused as soon as one lies at or under a
// loopfs mount point, before anything under it is touched (realpath(3) would already stat
// through the mount).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace loopfs::automount {

// Mount points of NFS mounts served from this machine (fstype nfs or nfs4; source host or
// addr= option localhost, 127.0.0.0/8 or ::1), from /proc/self/mountinfo text.  Octal escapes
// in mount points (\040 for space) are decoded.
std::vector<std::string> LoopbackNfsMountPoints(std::string_view mountinfo);

// The same, read from /proc/self/mountinfo; empty if it cannot be read.
std::vector<std::string> ReadLoopbackNfsMountPoints();

enum class PathCheck {
  kOk,          // *resolved is set
  kUnderMount,  // the path, or a symlink on the way, leads under a loopfs mount point
  kLoop,        // too many symbolic links (ELOOP)
  kError,       // does not exist, not a directory on the way, unreadable link, ...
};

// Resolves `path` (relative paths against the working directory) to an absolute path free of
// symlinks, "." and "..", without touching anything at or under one of `mount_points`.  Unless
// kOk, *error says what is wrong, e.g. "/mnt/x/auto.map lies under the loopfs mount /mnt/x
// (...): move the map off loopfs".
PathCheck ResolveOutsideMounts(std::string_view path, const std::vector<std::string>& mount_points,
                               std::string* resolved, std::string* error);

}  // namespace loopfs::automount
