// Helpers shared by the posix layer's source files; not part of its API.
#pragma once

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <string_view>

#include "layers/status.h"

namespace loopfs::posix {

inline constexpr size_t kNameMax = 255;
using NameBuf = std::array<char, kNameMax + 1>;

// Copies a single name component into a NUL-terminated buffer.  Names with
// '/' or NUL (which nfsd refuses already, but a layer must not trust that to
// stay confined) get kAcces, like knfsd; over 255 bytes kNametoolong.
Status CheckName(std::string_view name, NameBuf* out);

bool IsDots(std::string_view name);

// faccessat2(fd, "", mode, AT_EACCESS | AT_EMPTY_PATH): checks mode for the
// thread's fsuid/fsgid/groups (AT_EACCESS; plain access(2) would use the
// real uid, root) on the object fd refers to.  0 or -1 with errno.
inline int AccessAt(int fd, int mode) {
  return static_cast<int>(syscall(SYS_faccessat2, fd, "", mode, AT_EACCESS | AT_EMPTY_PATH));
}

}  // namespace loopfs::posix
