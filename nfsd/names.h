// The checks every name from a client passes before it reaches a layer
// (layers/layer.h promises layers non-empty names of at most 255 bytes
// without '/' or NUL).
#pragma once

#include <string_view>

#include "layers/status.h"

namespace loopfs::nfsd {

inline constexpr size_t kMaxNameLength = 255;  // NFS3_MAXNAMLEN

// What the name is used for decides how "." and ".." are answered.
enum class NameUse {
  kLookup,  // LOOKUP: "." and ".." are passed on (the layer keeps them inside)
  kCreate,  // CREATE, MKDIR, SYMLINK, MKNOD, LINK target: NFS3ERR_EXIST
  kRemove,  // REMOVE, RMDIR: NFS3ERR_ACCES
  kRename,  // either name of RENAME: NFS3ERR_PERM
};

// Answers as knfsd does (fs/nfsd/vfs.c and lookup_one_len()): an empty name or
// one holding '/' or NUL is NFS3ERR_ACCES; longer than 255 bytes is
// NFS3ERR_NAMETOOLONG (RFC 1813); "." and ".." as above.
Status CheckName(std::string_view name, NameUse use);

}  // namespace loopfs::nfsd
