#include "layers/automount/automount_handle.h"

#include <cstring>

namespace loopfs::automount {

namespace {

void PutKeyId(uint64_t key_id, uint8_t* out) {
  for (int i = 0; i < 8; ++i) out[i] = static_cast<uint8_t>(key_id >> (8 * i));
}

uint64_t GetKeyId(const uint8_t* in) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(in[i]) << (8 * i);
  return v;
}

constexpr uint64_t kMixMask = 0xFFFFFF;
constexpr int kMixShift = 40;
constexpr uint64_t kLowMask = (uint64_t{1} << kMixShift) - 1;

}  // namespace

uint64_t KeyId(std::string_view key) {
  uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a 64 offset basis
  for (unsigned char c : key) {
    h ^= c;
    h *= 0x100000001b3ULL;  // FNV 64 prime
  }
  return h;
}

NodeHandle RootHandle() {
  NodeHandle h;
  h.size = 1;
  h.data[0] = static_cast<uint8_t>(HandleKind::kRoot);
  return h;
}

NodeHandle EntryRootHandle(uint64_t key_id) {
  NodeHandle h;
  h.size = kHandleHeaderBytes;
  h.data[0] = static_cast<uint8_t>(HandleKind::kEntryRoot);
  PutKeyId(key_id, &h.data[1]);
  return h;
}

bool InnerHandle(uint64_t key_id, const NodeHandle& inner, NodeHandle* out) {
  if (inner.size > kMaxInnerHandle) return false;
  out->size = static_cast<uint8_t>(kHandleHeaderBytes + inner.size);
  out->data[0] = static_cast<uint8_t>(HandleKind::kInner);
  PutKeyId(key_id, &out->data[1]);
  if (inner.size > 0) std::memcpy(&out->data[kHandleHeaderBytes], inner.data.data(), inner.size);
  return true;
}

bool DecodeHandle(const NodeHandle& fh, DecodedHandle* out) {
  if (fh.size == 0) return false;
  switch (static_cast<HandleKind>(fh.data[0])) {
    case HandleKind::kRoot:
      if (fh.size != 1) return false;
      out->kind = HandleKind::kRoot;
      return true;
    case HandleKind::kEntryRoot:
      if (fh.size != kHandleHeaderBytes) return false;
      out->kind = HandleKind::kEntryRoot;
      out->key_id = GetKeyId(&fh.data[1]);
      return true;
    case HandleKind::kInner:
      if (fh.size <= kHandleHeaderBytes) return false;
      out->kind = HandleKind::kInner;
      out->key_id = GetKeyId(&fh.data[1]);
      out->inner.size = static_cast<uint8_t>(fh.size - kHandleHeaderBytes);
      std::memcpy(out->inner.data.data(), &fh.data[kHandleHeaderBytes], out->inner.size);
      return true;
  }
  return false;
}

uint64_t MixFileid(uint64_t key_id, uint64_t inner_fileid) {
  return inner_fileid ^ ((key_id & kMixMask) << kMixShift);
}

uint64_t EntryRootFileid(uint64_t key_id) { return MixFileid(key_id, kLowMask); }

}  // namespace loopfs::automount
