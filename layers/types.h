// The vocabulary shared by every layer: node handles, attributes, credentials
// and the request context.  Field names follow RFC 1813 (fattr3, sattr3,
// wcc_attr) so nfsd/ converts them one to one; the types themselves are
// independent of XDR.
#pragma once

#include <sys/socket.h>
#include <sys/types.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <span>
#include <string_view>

namespace loopfs {

// A node handle as a layer sees it: the bytes the owning layer chose, at most
// kMaxLayerHandle of them.  nfsd/ wraps them with the export id, route and an
// integrity tag to form the 64-byte NFSv3 wire handle (nfsd/file_handle.h),
// so a layer never sees a forged handle: every handle it gets back is one it
// (or the layer it wraps) issued.
inline constexpr size_t kMaxLayerHandle = 48;

struct NodeHandle {
  uint8_t size = 0;
  std::array<uint8_t, kMaxLayerHandle> data{};

  std::span<const uint8_t> bytes() const { return {data.data(), size}; }
  // Returns false (and leaves the handle empty) if src is too long.
  bool Assign(std::span<const uint8_t> src) {
    if (src.size() > kMaxLayerHandle) {
      size = 0;
      return false;
    }
    size = static_cast<uint8_t>(src.size());
    if (!src.empty()) std::memcpy(data.data(), src.data(), src.size());
    return true;
  }
  bool operator==(const NodeHandle& o) const {
    return size == o.size && std::memcmp(data.data(), o.data.data(), size) == 0;
  }
};

// For unordered containers keyed by handle (layer caches).
struct NodeHandleHash {
  size_t operator()(const NodeHandle& h) const {
    return std::hash<std::string_view>()(
        std::string_view(reinterpret_cast<const char*>(h.data.data()), h.size));
  }
};

// ftype3
enum class FileType : uint32_t {
  kReg = 1,
  kDir = 2,
  kBlk = 3,
  kChr = 4,
  kLnk = 5,
  kSock = 6,
  kFifo = 7,
};

struct NfsTime {
  uint32_t seconds = 0;
  uint32_t nseconds = 0;
  bool operator==(const NfsTime&) const = default;
};

// fattr3.  mode holds the permission bits only (07777), as on the wire.
struct Attr {
  FileType type = FileType::kReg;
  uint32_t mode = 0;
  uint32_t nlink = 0;
  uint32_t uid = 0;
  uint32_t gid = 0;
  uint64_t size = 0;
  uint64_t used = 0;
  uint32_t rdev_major = 0;
  uint32_t rdev_minor = 0;
  uint64_t fsid = 0;
  uint64_t fileid = 0;
  NfsTime atime;
  NfsTime mtime;
  NfsTime ctime;
};

// wcc_attr: the pre-operation attributes weak cache consistency needs.
struct WccAttr {
  uint64_t size = 0;
  NfsTime mtime;
  NfsTime ctime;
};

// wcc_data: before and after attributes of an object an operation changed.
// Either half may be missing (a failed stat is not an error of the operation).
struct Wcc {
  std::optional<WccAttr> before;
  std::optional<Attr> after;
};

inline WccAttr ToWccAttr(const Attr& a) { return {a.size, a.mtime, a.ctime}; }

// sattr3.  A time is either left alone, set to the server's clock, or set to
// the value the client sent.
enum class TimeHow : uint32_t { kDontChange = 0, kServerTime = 1, kClientTime = 2 };
struct SetTime {
  TimeHow how = TimeHow::kDontChange;
  NfsTime time;
};
struct SetAttrArgs {
  std::optional<uint32_t> mode;
  std::optional<uint32_t> uid;
  std::optional<uint32_t> gid;
  std::optional<uint64_t> size;
  SetTime atime;
  SetTime mtime;
};

// The caller's identity after export squashing (root_squash, all_squash).
// Layers that touch the local file system act with exactly these ids.
inline constexpr size_t kMaxGroups = 16;  // AUTH_SYS limit, RFC 5531 appendix A
struct Credentials {
  uint32_t uid = 0;
  uint32_t gid = 0;
  uint32_t ngroups = 0;
  std::array<uint32_t, kMaxGroups> groups{};

  std::span<const uint32_t> supplementary() const { return {groups.data(), ngroups}; }
  bool operator==(const Credentials& o) const {
    return uid == o.uid && gid == o.gid && ngroups == o.ngroups &&
           std::equal(groups.begin(), groups.begin() + ngroups, o.groups.begin());
  }
};

// Everything a layer may want to know about the call it serves.
struct RequestContext {
  Credentials cred;
  // The client's socket address (for logs and automount's ${host}); may be
  // an AF_UNSPEC address in unit tests.
  sockaddr_storage client{};
  // Work for this call is useless after the deadline (the client will have
  // retransmitted); layers that wait (automount attach, remote NFS) honour it.
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  bool read_only = false;  // export is ro: layers refuse changes with kRofs
};

// ACCESS3 bits.
inline constexpr uint32_t kAccessRead = 0x0001;
inline constexpr uint32_t kAccessLookup = 0x0002;
inline constexpr uint32_t kAccessModify = 0x0004;
inline constexpr uint32_t kAccessExtend = 0x0008;
inline constexpr uint32_t kAccessDelete = 0x0010;
inline constexpr uint32_t kAccessExecute = 0x0020;

// stable_how
enum class StableHow : uint32_t { kUnstable = 0, kDataSync = 1, kFileSync = 2 };

// createmode3.  kExclusive carries the client's 8-byte verifier.
enum class CreateMode : uint32_t { kUnchecked = 0, kGuarded = 1, kExclusive = 2 };
using CreateVerifier = std::array<uint8_t, 8>;
using CookieVerifier = std::array<uint8_t, 8>;

}  // namespace loopfs
