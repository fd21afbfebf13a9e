// The posix layer's node handle bytes: a compact form of the kernel's
// struct file_handle (name_to_handle_at(2)), so a handle names an inode, not
// a path, and survives renames and server restarts.
//
//   byte 0      format (kKernelHandleFormat)
//   byte 1      handle_type (a FILEID_* value; all in-tree ones are < 256)
//   bytes 2..   f_handle, at most kMaxKernelHandleBytes
//
// ext4 and xfs produce 8-20 bytes, btrfs 20-40, tmpfs 12: all fit.
#pragma once

#include <fcntl.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>

#include "layers/types.h"

namespace loopfs::posix {

inline constexpr uint8_t kKernelHandleFormat = 1;
inline constexpr size_t kHandleHeader = 2;
inline constexpr size_t kMaxKernelHandleBytes = kMaxLayerHandle - kHandleHeader;

// A struct file_handle with room for MAX_HANDLE_SZ bytes.
struct KernelHandle {
  struct file_handle header;
  unsigned char storage[MAX_HANDLE_SZ];
};
static_assert(offsetof(KernelHandle, storage) == sizeof(struct file_handle));

// False if the kernel handle does not fit (type ≥ 256 or too many bytes).
bool EncodeHandle(const KernelHandle& kh, NodeHandle* out);
// False if the bytes are not a handle this layer could have issued.
bool DecodeHandle(const NodeHandle& in, KernelHandle* kh);

}  // namespace loopfs::posix
