// A file handle as the benchmark keeps it: a fixed-size copy of the server's opaque bytes.
//
// libnfs hands out handles that live inside a reply and die with it; workloads keep handles
// for the whole run, so they copy them into this fixed 64-byte value (NFS3_FHSIZE, RFC 1813)
// and need no allocation per call.
#ifndef LOOPFS_BENCH_FILE_HANDLE_H_
#define LOOPFS_BENCH_FILE_HANDLE_H_

#include <nfsc/libnfs.h>
#include <nfsc/libnfs-raw.h>
#include <nfsc/libnfs-raw-nfs.h>

#include <array>
#include <cstdint>
#include <cstring>

namespace loopfs::bench {

inline constexpr uint32_t kMaxFileHandleSize = 64;

struct FileHandle {
  uint32_t size = 0;
  std::array<char, kMaxFileHandleSize> bytes{};

  // Copies a handle out of a reply; false if the server sent more than NFSv3 allows.
  bool Assign(const char* data, uint32_t length) {
    if (length > kMaxFileHandleSize || (length > 0 && data == nullptr)) return false;
    size = length;
    if (length > 0) std::memcpy(bytes.data(), data, length);
    return true;
  }
  bool Assign(const nfs_fh3& fh) { return Assign(fh.data.data_val, fh.data.data_len); }

  // A view for call arguments; libnfs only reads through it while encoding the call.
  nfs_fh3 AsArgument() const {
    nfs_fh3 fh{};
    fh.data.data_len = size;
    fh.data.data_val = const_cast<char*>(bytes.data());
    return fh;
  }
};

}  // namespace loopfs::bench

#endif  // LOOPFS_BENCH_FILE_HANDLE_H_
