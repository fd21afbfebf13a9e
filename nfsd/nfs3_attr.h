// Conversions between the layer vocabulary (layers/types.h) and the XDR
// types of RFC 1813: fattr3, post_op_attr, wcc_data, sattr3.
#pragma once

#include <cstring>
#include <optional>

#include "layers/status.h"
#include "layers/types.h"
#include "nfsd/nfs3_prot.h"

namespace loopfs::nfsd {

// fsid: the export's, which replaces the layer's (one file system per export).
void ToFattr3(const Attr& attr, uint64_t fsid, fattr3* out);
void ToPostOpAttr(const std::optional<Attr>& attr, uint64_t fsid, post_op_attr* out);
void ToPreOpAttr(const std::optional<WccAttr>& attr, pre_op_attr* out);
void ToWccData(const Wcc& wcc, uint64_t fsid, wcc_data* out);

// The inverse, for tests and tools.
Attr FromFattr3(const fattr3& in);

// sattr3 to SetAttrArgs.  Mode bits beyond 07777 are dropped (the file type
// cannot be changed).  A time_how outside the enum is kInval.
Status FromSattr3(const sattr3& in, SetAttrArgs* out);

// The value of an rpcgen enum field as decoded.  The decoders store any
// 32-bit value, and loading one outside the enumerators through the C++ enum
// type is undefined behaviour, so decoded enums are read as integers.
template <typename E>
uint32_t RawEnum(const E& field) {
  static_assert(sizeof(E) == sizeof(uint32_t));
  uint32_t v;
  std::memcpy(&v, &field, sizeof v);
  return v;
}

// The XDR sizes the READDIR(PLUS) size accounting needs.
inline constexpr uint32_t kFattr3Size = 84;
inline constexpr uint32_t kPostOpAttrSize = 4 + kFattr3Size;
inline constexpr uint32_t XdrPad(uint32_t n) { return (n + 3) & ~3u; }

}  // namespace loopfs::nfsd
