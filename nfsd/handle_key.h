// The per-installation secret that keys file handle tags.
#pragma once

#include <optional>
#include <string>

#include "nfsd/file_handle.h"

namespace loopfs::nfsd {

// Reads <state_dir>/handle.key (exactly 16 bytes), or creates it with mode
// 0600 from getrandom(2) if it does not exist.  Handles stay valid across
// restarts only while this file stays, so it is created once and never
// rewritten.  On failure returns nullopt and sets *error to a message that
// says what to do.
std::optional<HandleKey> LoadOrCreateHandleKey(const std::string& state_dir, std::string* error);

}  // namespace loopfs::nfsd
