#include "nfsd/file_handle.h"

#include <cstring>

namespace loopfs::nfsd {
namespace {

void StoreLe64(uint64_t v, uint8_t* p) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

// Constant time: a timing difference would let a local attacker guess tags
// byte by byte.
bool TagEquals(const uint8_t* a, const uint8_t* b) {
  uint8_t diff = 0;
  for (size_t i = 0; i < kFileHandleTag; ++i) diff |= a[i] ^ b[i];
  return diff == 0;
}

}  // namespace

WireHandle EncodeFileHandle(const HandleKey& key, uint16_t export_id, uint8_t route,
                            const NodeHandle& node) {
  WireHandle w;
  uint8_t* p = w.data.data();
  const size_t n = node.size <= kMaxLayerHandle ? node.size : kMaxLayerHandle;
  p[0] = kFileHandleVersion;
  p[1] = static_cast<uint8_t>(export_id >> 8);
  p[2] = static_cast<uint8_t>(export_id);
  p[3] = route;
  p[4] = static_cast<uint8_t>(n);
  if (n > 0) std::memcpy(p + kFileHandleHeader, node.data.data(), n);
  const size_t body = kFileHandleHeader + n;
  StoreLe64(SipHash24(key, {p, body}), p + body);
  w.size = static_cast<uint8_t>(body + kFileHandleTag);
  return w;
}

Status DecodeFileHandle(const HandleKey& key, std::span<const uint8_t> wire, DecodedHandle* out) {
  if (wire.size() < kFileHandleHeader + kFileHandleTag || wire.size() > kMaxFileHandle) {
    return Nfsstat3::kBadhandle;
  }
  const uint8_t* p = wire.data();
  const size_t n = p[4];
  if (p[0] != kFileHandleVersion || n > kMaxLayerHandle ||
      wire.size() != kFileHandleHeader + n + kFileHandleTag) {
    return Nfsstat3::kBadhandle;
  }
  const size_t body = kFileHandleHeader + n;
  uint8_t tag[kFileHandleTag];
  StoreLe64(SipHash24(key, {p, body}), tag);
  if (!TagEquals(tag, p + body)) return Nfsstat3::kBadhandle;

  out->export_id = static_cast<uint16_t>((p[1] << 8) | p[2]);
  out->route = p[3];
  out->node.Assign({p + kFileHandleHeader, n});
  return Status::Ok();
}

}  // namespace loopfs::nfsd
