// The automount layer's node handles and fileids.
//
// A handle must stay valid across detach, re-attach and loopfsd restarts, so it names the map
// entry (by a stable hash of its key) and the entry layer's own handle, never anything held in
// memory:
//
//   byte 0      kind: kRoot (the automount directory), kEntryRoot (the directory of a key,
//               issued by LOOKUP without attaching), kInner (an object inside an entry)
//   bytes 1..8  key id, little-endian (kEntryRoot, kInner)
//   bytes 9..   the entry layer's handle (kInner), at most kMaxInnerHandle bytes
//
// The key id is FNV-1a 64 of the key's bytes: fixed by its definition, unlike std::hash, so
// it means the same key after a restart or on another build.
//
// Fileids.  Entries are separate file systems whose inode numbers overlap, so the low 24 bits
// of the key id are mixed into bits 40..63 of every fileid an entry reports (inode numbers
// stay below 2^40 on every local file system in practice).  The entry's root keeps one fileid
// whether attached or not (EntryRootFileid); the automount directory is fileid 1.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "layers/types.h"

namespace loopfs::automount {

enum class HandleKind : uint8_t { kRoot = 1, kEntryRoot = 2, kInner = 3 };

inline constexpr size_t kHandleHeaderBytes = 9;
inline constexpr size_t kMaxInnerHandle = kMaxLayerHandle - kHandleHeaderBytes;
inline constexpr uint64_t kRootFileid = 1;

// FNV-1a 64 of the key.
uint64_t KeyId(std::string_view key);

struct DecodedHandle {
  HandleKind kind = HandleKind::kRoot;
  uint64_t key_id = 0;
  NodeHandle inner;  // kInner only
};

NodeHandle RootHandle();
NodeHandle EntryRootHandle(uint64_t key_id);
// False if `inner` is longer than kMaxInnerHandle.
bool InnerHandle(uint64_t key_id, const NodeHandle& inner, NodeHandle* out);
// False for bytes this layer cannot have issued.
bool DecodeHandle(const NodeHandle& fh, DecodedHandle* out);

// An entry's fileid as clients see it.
uint64_t MixFileid(uint64_t key_id, uint64_t inner_fileid);
uint64_t EntryRootFileid(uint64_t key_id);

}  // namespace loopfs::automount
