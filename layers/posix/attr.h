// struct stat → fattr3.
#pragma once

#include <sys/stat.h>

#include "layers/types.h"

namespace loopfs::posix {

// fileid is st_ino; for an inode on another device than root_dev (which the
// layer never hands out, but readdir may list a mount point) the device is
// mixed in so fileids stay unique within the export.  fsid is left 0: nfsd
// sets one per export.
Attr AttrFromStat(const struct stat& st, dev_t root_dev);

inline NfsTime NfsTimeFrom(const struct timespec& ts) {
  return {static_cast<uint32_t>(ts.tv_sec), static_cast<uint32_t>(ts.tv_nsec)};
}

FileType FileTypeFromMode(mode_t mode);

uint64_t FileIdFor(ino_t ino, dev_t dev, dev_t root_dev);

}  // namespace loopfs::posix
