#include "layers/posix/handle_codec.h"

#include <cstring>

namespace loopfs::posix {

bool EncodeHandle(const KernelHandle& kh, NodeHandle* out) {
  if (kh.header.handle_type < 0 || kh.header.handle_type > 255 ||
      kh.header.handle_bytes > kMaxKernelHandleBytes) {
    return false;
  }
  out->size = static_cast<uint8_t>(kHandleHeader + kh.header.handle_bytes);
  out->data[0] = kKernelHandleFormat;
  out->data[1] = static_cast<uint8_t>(kh.header.handle_type);
  std::memcpy(out->data.data() + kHandleHeader, kh.storage, kh.header.handle_bytes);
  return true;
}

bool DecodeHandle(const NodeHandle& in, KernelHandle* kh) {
  if (in.size < kHandleHeader + 1 || in.size > kMaxLayerHandle ||
      in.data[0] != kKernelHandleFormat) {
    return false;
  }
  kh->header.handle_type = in.data[1];
  kh->header.handle_bytes = in.size - kHandleHeader;
  std::memcpy(kh->storage, in.data.data() + kHandleHeader, kh->header.handle_bytes);
  return true;
}

}  // namespace loopfs::posix
