// Hand-encoded NFSv3 / MOUNT arguments for the raw RPC client, so tests can
// send exact (and deliberately wrong) bytes.  Layouts from RFC 1813.
#pragma once

#include <cstdint>
#include <string_view>

#include "tests/support/xdr_codec.h"

namespace loopfs::testing {

// nfs_fh3: opaque<64>.
inline XdrEncoder& PutFh(XdrEncoder& e, const Bytes& fh) { return e.Opaque(fh); }

// sattr3 with nothing set.
inline XdrEncoder& PutEmptySattr(XdrEncoder& e) {
  for (int i = 0; i < 6; ++i) e.U32(0);
  return e;
}

inline Bytes GetAttrArgs(const Bytes& fh) {
  XdrEncoder e;
  PutFh(e, fh);
  return e.Take();
}

// diropargs3: LOOKUP, REMOVE, RMDIR.
inline Bytes DirOpArgs(const Bytes& dir, std::string_view name) {
  XdrEncoder e;
  PutFh(e, dir).String(name);
  return e.Take();
}

// CREATE3args with GUARDED and an empty sattr3.
inline Bytes CreateGuardedArgs(const Bytes& dir, std::string_view name) {
  XdrEncoder e;
  PutFh(e, dir).String(name).U32(1);
  PutEmptySattr(e);
  return e.Take();
}

// MKDIR3args with an empty sattr3.
inline Bytes MkDirArgs(const Bytes& dir, std::string_view name) {
  XdrEncoder e;
  PutFh(e, dir).String(name);
  PutEmptySattr(e);
  return e.Take();
}

// RENAME3args.
inline Bytes RenameArgs(const Bytes& from_dir, std::string_view from, const Bytes& to_dir,
                        std::string_view to) {
  XdrEncoder e;
  PutFh(e, from_dir).String(from);
  PutFh(e, to_dir).String(to);
  return e.Take();
}

// The nfsstat3 that starts every NFSv3 result body; UINT32_MAX if missing.
inline uint32_t ResultStatus(const Bytes& body) {
  XdrDecoder d(body);
  uint32_t s = UINT32_MAX;
  d.U32(&s);
  return s;
}

}  // namespace loopfs::testing
