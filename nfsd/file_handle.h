// The NFSv3 wire file handle: a layer's NodeHandle wrapped with the export
// id, a route byte and an integrity tag (docs/architecture.md, "Handles").
//
//   byte 0      version (kFileHandleVersion)
//   bytes 1-2   export id, big endian
//   byte 3      route (0 today; reserved for stacks that fan out)
//   byte 4      layer handle length n (at most kMaxLayerHandle = 48)
//   5..5+n      layer handle bytes
//   next 8      SipHash-2-4 over all preceding bytes under the installation
//               key, little endian
//
// The tag is checked before anything else looks at the handle, so forged or
// corrupted handles never reach a layer.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "layers/status.h"
#include "layers/types.h"
#include "nfsd/siphash.h"

namespace loopfs::nfsd {

inline constexpr uint8_t kFileHandleVersion = 1;
inline constexpr size_t kFileHandleHeader = 5;
inline constexpr size_t kFileHandleTag = 8;
inline constexpr size_t kMaxFileHandle = kFileHandleHeader + kMaxLayerHandle + kFileHandleTag;
static_assert(kMaxFileHandle <= 64, "must fit NFSv3's NFS3_FHSIZE");

// The per-installation secret (nfsd/handle_key.h loads it).
using HandleKey = SipHashKey;

// An encoded wire handle.
struct WireHandle {
  uint8_t size = 0;
  std::array<uint8_t, kMaxFileHandle> data{};

  std::span<const uint8_t> bytes() const { return {data.data(), size}; }
};

// What a valid wire handle names.
struct DecodedHandle {
  uint16_t export_id = 0;
  uint8_t route = 0;
  NodeHandle node;
};

WireHandle EncodeFileHandle(const HandleKey& key, uint16_t export_id, uint8_t route,
                            const NodeHandle& node);

// Checks the structure and the tag.  Anything malformed or forged is
// kBadhandle.  Whether the export exists is the caller's question (the
// export table; an unknown export id is kStale, as knfsd answers for an
// export that went away).
Status DecodeFileHandle(const HandleKey& key, std::span<const uint8_t> wire, DecodedHandle* out);

}  // namespace loopfs::nfsd
