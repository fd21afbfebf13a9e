// Symlink targets as gocryptfs stores them: base64url_raw(block 0 sealed with the content
// key and no file id), so the target is confidential and tamper-evident like file content.
#pragma once

#include <string>
#include <string_view>

#include "layers/encrypt/vault_config.h"

namespace loopfs::encrypt {

// False for a target longer than one block (4096 bytes: longer than any path).
bool EncryptSymlinkTarget(const VaultKeys& keys, std::string_view target, std::string* stored);
// False for anything that does not decode and authenticate.
bool DecryptSymlinkTarget(const VaultKeys& keys, std::string_view stored, std::string* target);

}  // namespace loopfs::encrypt
