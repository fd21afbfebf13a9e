// Several passphrases per vault.  gocryptfs.conf keeps the master key wrapped under the
// original passphrase (so gocryptfs still opens the vault with it); each extra passphrase is
// another wrapped copy of the same master key in `loopfs.keys`, a JSON side file in the vault
// root that gocryptfs ignores:
//
//   { "Version": 1,
//     "Keys": [ { "Label": "alice", "Created": "2026-11-21T10:52:00Z",
//                 "EncryptedKey": "<base64>",
//                 "ScryptObject": { "Salt": "<base64>", "N": 65536, "R": 8, "P": 1,
//                                   "KeyLen": 32 } } ] }
//
// Each entry wraps the key exactly as gocryptfs.conf does (scrypt, HKDF, AES-GCM), and is
// validated by the same parser, so the limits on scrypt cost and key sizes are the same.
// The file is outside input: parsing never throws and never trusts sizes or types.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "layers/encrypt/vault_config.h"

namespace loopfs::encrypt {

inline constexpr std::string_view kKeyringName = "loopfs.keys";
inline constexpr uint64_t kKeyringVersion = 1;
inline constexpr size_t kKeyringMaxBytes = 256 * 1024;
inline constexpr size_t kKeyringMaxEntries = 64;
inline constexpr size_t kLabelMaxLength = 64;

struct KeyringEntry {
  std::string label;    // 1..64 of [A-Za-z0-9._@+-]
  std::string created;  // UTC, RFC 3339 ("2026-11-21T10:52:00Z")
  VaultConfig wrapped;  // EncryptedKey and ScryptObject; version and flags as gocryptfs.conf
};

struct Keyring {
  std::vector<KeyringEntry> entries;
};

// True for a label `passwd --add` accepts.
bool IsValidLabel(std::string_view label);

std::optional<Keyring> ParseKeyring(std::string_view json, std::string* error);
std::string SerializeKeyring(const Keyring& keyring);

// Reads and validates cipher_dir/gocryptfs.conf.
std::optional<VaultConfig> LoadVaultConfig(const std::string& cipher_dir, std::string* error);

// Reads cipher_dir/loopfs.keys; a vault without one has an empty keyring.
std::optional<Keyring> LoadKeyring(const std::string& cipher_dir, std::string* error);

// Replaces cipher_dir/loopfs.keys atomically (mode 0400); an empty keyring removes the file.
bool SaveKeyring(const std::string& cipher_dir, const Keyring& keyring, std::string* error);

// Unlocks the master key of the vault in cipher_dir with passphrase: tries gocryptfs.conf,
// then each loopfs.keys entry.  False with *error for a missing or invalid gocryptfs.conf
// (ParseVaultConfig's messages), an unusable loopfs.keys, or "wrong passphrase".
bool UnlockVault(const std::string& cipher_dir, std::string_view passphrase, SecretKey* master,
                 std::string* error);

// Adds `passphrase` under `label` (which must be new) as another way to unlock `master`, with
// scrypt N = 2^log_n.
bool AddPassphrase(const std::string& cipher_dir, const SecretKey& master, std::string_view label,
                   std::string_view passphrase, int log_n, std::string* error);

// Removes the passphrase with `label`.  The original passphrase in gocryptfs.conf cannot be
// removed this way (gocryptfs needs it; change it with gocryptfs -passwd).
bool RemovePassphrase(const std::string& cipher_dir, std::string_view label, std::string* error);

}  // namespace loopfs::encrypt
