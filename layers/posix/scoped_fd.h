// An owned file descriptor, closed on destruction.  Shared as
// std::shared_ptr<const ScopedFd> between the fd caches and the calls using
// an fd, so an evicted fd is closed only after its last user is done (a
// number closed under a running call could be reused for another file).
#pragma once

#include <unistd.h>

#include <memory>
#include <utility>

namespace loopfs::posix {

class ScopedFd {
 public:
  ScopedFd() = default;
  explicit ScopedFd(int fd) : fd_(fd) {}
  ScopedFd(ScopedFd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  ScopedFd& operator=(ScopedFd&& o) noexcept {
    if (this != &o) {
      Reset();
      fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
  }
  ScopedFd(const ScopedFd&) = delete;
  ScopedFd& operator=(const ScopedFd&) = delete;
  ~ScopedFd() { Reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release() { return std::exchange(fd_, -1); }
  void Reset() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

using SharedFd = std::shared_ptr<const ScopedFd>;

inline SharedFd MakeSharedFd(int fd) { return std::make_shared<const ScopedFd>(fd); }

}  // namespace loopfs::posix
