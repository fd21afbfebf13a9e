// Status and Result<T>: how every layer operation reports its outcome.
//
// Codes are the nfsstat3 values of RFC 1813 section 2.6, so nfsd/ puts them
// on the wire without a table.  errno values are mapped to them in exactly one
// place, StatusFromErrno() (layers/status.cc).  Nothing on the request path
// throws: a failure is a Status.
#pragma once

#include <cstdint>
#include <string_view>
#include <utility>
#include <variant>

namespace loopfs {

enum class Nfsstat3 : uint32_t {
  kOk = 0,
  kPerm = 1,
  kNoent = 2,
  kIo = 5,
  kNxio = 6,
  kAcces = 13,
  kExist = 17,
  kXdev = 18,
  kNodev = 19,
  kNotdir = 20,
  kIsdir = 21,
  kInval = 22,
  kFbig = 27,
  kNospc = 28,
  kRofs = 30,
  kMlink = 31,
  kNametoolong = 63,
  kNotempty = 66,
  kDquot = 69,
  kStale = 70,
  kRemote = 71,
  kBadhandle = 10001,
  kNotSync = 10002,
  kBadCookie = 10003,
  kNotsupp = 10004,
  kToosmall = 10005,
  kServerfault = 10006,
  kBadtype = 10007,
  kJukebox = 10008,
};

class [[nodiscard]] Status {
 public:
  constexpr Status() = default;
  constexpr Status(Nfsstat3 code) : code_(code) {}  // NOLINT: implicit by design
  static constexpr Status Ok() { return Status(); }

  constexpr bool ok() const { return code_ == Nfsstat3::kOk; }
  constexpr Nfsstat3 code() const { return code_; }
  constexpr bool operator==(const Status&) const = default;

 private:
  Nfsstat3 code_ = Nfsstat3::kOk;
};

// Maps an errno value to the nfsstat3 a Linux client expects for it.
// Unknown values become kServerfault; callers log those (they are bugs or
// surprises, never routine).
Status StatusFromErrno(int err);

// The protocol name of a status, e.g. "NFS3ERR_NOENT", for logs and tests.
std::string_view StatusName(Status status);

// Result<T>: a T or a non-ok Status.  A small stand-in for std::expected,
// which GCC 12 offers only in C++23 mode.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : v_(status) {}      // NOLINT
  Result(Nfsstat3 code) : v_(Status(code)) {}  // NOLINT

  bool ok() const { return std::holds_alternative<T>(v_); }
  Status status() const { return ok() ? Status::Ok() : std::get<Status>(v_); }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace loopfs
