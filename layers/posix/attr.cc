#include "layers/posix/attr.h"

#include <sys/sysmacros.h>

namespace loopfs::posix {

FileType FileTypeFromMode(mode_t mode) {
  switch (mode & S_IFMT) {
    case S_IFDIR: return FileType::kDir;
    case S_IFBLK: return FileType::kBlk;
    case S_IFCHR: return FileType::kChr;
    case S_IFLNK: return FileType::kLnk;
    case S_IFSOCK: return FileType::kSock;
    case S_IFIFO: return FileType::kFifo;
    default: return FileType::kReg;
  }
}

uint64_t FileIdFor(ino_t ino, dev_t dev, dev_t root_dev) {
  if (dev == root_dev) return ino;
  // splitmix64 finaliser over the device, xored in: a different device's
  // inode numbers land far from the root file system's.
  uint64_t z = static_cast<uint64_t>(dev) + 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return ino ^ (z ^ (z >> 31));
}

Attr AttrFromStat(const struct stat& st, dev_t root_dev) {
  Attr a;
  a.type = FileTypeFromMode(st.st_mode);
  a.mode = st.st_mode & 07777;
  a.nlink = static_cast<uint32_t>(st.st_nlink);
  a.uid = st.st_uid;
  a.gid = st.st_gid;
  a.size = static_cast<uint64_t>(st.st_size);
  a.used = static_cast<uint64_t>(st.st_blocks) * 512;
  a.rdev_major = major(st.st_rdev);
  a.rdev_minor = minor(st.st_rdev);
  a.fsid = 0;
  a.fileid = FileIdFor(st.st_ino, st.st_dev, root_dev);
  a.atime = NfsTimeFrom(st.st_atim);
  a.mtime = NfsTimeFrom(st.st_mtim);
  a.ctime = NfsTimeFrom(st.st_ctim);
  return a;
}

}  // namespace loopfs::posix
