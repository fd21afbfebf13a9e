// Creating a vault as `gocryptfs -init` does: a random master key wrapped under the
// passphrase in gocryptfs.conf (mode 0400) and a random root gocryptfs.diriv (mode 0440).
#pragma once

#include <string>
#include <string_view>

#include "layers/encrypt/vault_config.h"

namespace loopfs::encrypt {

// Creates the vault in cipher_dir, which must be empty (it is created, mode 0700, if it does
// not exist).  The new master key is returned in *master so it can be shown once for
// recovery.  False with *error if anything fails; a half-made vault is not left behind.
bool InitVault(const std::string& cipher_dir, std::string_view passphrase, int scrypt_log_n,
               SecretKey* master, std::string* error);

// The master key as gocryptfs prints it: 64 hex digits in groups of 8 joined by '-', split
// into two lines of four groups (the second indented like the first, by `indent`).
std::string FormatMasterKey(const SecretKey& master, std::string_view indent);

}  // namespace loopfs::encrypt
