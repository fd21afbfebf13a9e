// One valid argument encoding per NFSv3 procedure (and for MNT), for the
// garbage-argument tests and as seeds of the fuzz corpora.
#pragma once

#include <cstring>
#include <string>
#include <vector>

#include "nfsd/mount_prot.h"
#include "nfsd/nfs3_prot.h"
#include "tests/unit/nfsd/xdr_test_util.h"

namespace loopfs::nfsd::testing {

inline std::vector<uint8_t> SampleNfs3Args(uint32_t proc, std::vector<uint8_t> fh_bytes) {
  nfs_fh3 fh{};
  fh.data.data_len = static_cast<u_int>(fh_bytes.size());
  fh.data.data_val = reinterpret_cast<char*>(fh_bytes.data());
  static char name[] = "sample";
  static char name2[] = "sample2";
  static char target[] = "target";
  static char data[] = "some data";
  const filename3 fname{6, name}, fname2{7, name2};
  sattr3 attrs{};
  attrs.mode.set_it = TRUE;
  attrs.mode.set_mode3_u.mode = 0644;
  attrs.mtime.set_it = SET_TO_CLIENT_TIME;
  attrs.mtime.set_mtime_u.mtime = {1, 2};

  switch (proc) {
    case NFSPROC3_GETATTR: {
      GETATTR3args a{fh};
      return XdrEncode(xdr_GETATTR3args, &a);
    }
    case NFSPROC3_SETATTR: {
      SETATTR3args a{fh, attrs, {}};
      a.guard.check = TRUE;
      return XdrEncode(xdr_SETATTR3args, &a);
    }
    case NFSPROC3_LOOKUP: {
      LOOKUP3args a{{fh, fname}};
      return XdrEncode(xdr_LOOKUP3args, &a);
    }
    case NFSPROC3_ACCESS: {
      ACCESS3args a{fh, 0x3f};
      return XdrEncode(xdr_ACCESS3args, &a);
    }
    case NFSPROC3_READLINK: {
      READLINK3args a{fh};
      return XdrEncode(xdr_READLINK3args, &a);
    }
    case NFSPROC3_READ: {
      READ3args a{fh, 0, 4096};
      return XdrEncode(xdr_READ3args, &a);
    }
    case NFSPROC3_WRITE: {
      WRITE3args a{fh, 0, 9, UNSTABLE, {9, data}};
      return XdrEncode(xdr_WRITE3args, &a);
    }
    case NFSPROC3_CREATE: {
      CREATE3args a{};
      a.where = {fh, fname};
      a.how.mode = GUARDED;
      a.how.createhow3_u.obj_attributes = attrs;
      return XdrEncode(xdr_CREATE3args, &a);
    }
    case NFSPROC3_MKDIR: {
      MKDIR3args a{{fh, fname}, attrs};
      return XdrEncode(xdr_MKDIR3args, &a);
    }
    case NFSPROC3_SYMLINK: {
      SYMLINK3args a{};
      a.where = {fh, fname};
      a.symlink.symlink_attributes = attrs;
      a.symlink.symlink_data = {6, target};
      return XdrEncode(xdr_SYMLINK3args, &a);
    }
    case NFSPROC3_MKNOD: {
      MKNOD3args a{};
      a.where = {fh, fname};
      a.what.type = NF3CHR;
      a.what.mknoddata3_u.device = {attrs, {1, 3}};
      return XdrEncode(xdr_MKNOD3args, &a);
    }
    case NFSPROC3_REMOVE: {
      REMOVE3args a{{fh, fname}};
      return XdrEncode(xdr_REMOVE3args, &a);
    }
    case NFSPROC3_RMDIR: {
      RMDIR3args a{{fh, fname}};
      return XdrEncode(xdr_RMDIR3args, &a);
    }
    case NFSPROC3_RENAME: {
      RENAME3args a{{fh, fname}, {fh, fname2}};
      return XdrEncode(xdr_RENAME3args, &a);
    }
    case NFSPROC3_LINK: {
      LINK3args a{fh, {fh, fname2}};
      return XdrEncode(xdr_LINK3args, &a);
    }
    case NFSPROC3_READDIR: {
      READDIR3args a{};
      a.dir = fh;
      a.count = 4096;
      return XdrEncode(xdr_READDIR3args, &a);
    }
    case NFSPROC3_READDIRPLUS: {
      READDIRPLUS3args a{};
      a.dir = fh;
      a.dircount = 1024;
      a.maxcount = 8192;
      return XdrEncode(xdr_READDIRPLUS3args, &a);
    }
    case NFSPROC3_FSSTAT: {
      FSSTAT3args a{fh};
      return XdrEncode(xdr_FSSTAT3args, &a);
    }
    case NFSPROC3_FSINFO: {
      FSINFO3args a{fh};
      return XdrEncode(xdr_FSINFO3args, &a);
    }
    case NFSPROC3_PATHCONF: {
      PATHCONF3args a{fh};
      return XdrEncode(xdr_PATHCONF3args, &a);
    }
    case NFSPROC3_COMMIT: {
      COMMIT3args a{fh, 0, 0};
      return XdrEncode(xdr_COMMIT3args, &a);
    }
    default:
      return {};
  }
}

inline std::vector<uint8_t> SampleDirpath(std::string path) {
  dirpath p = path.data();
  return XdrEncode(xdr_dirpath, &p);
}

}  // namespace loopfs::nfsd::testing
