// gocryptfs.conf: the JSON file at the root of a vault that holds the master key, wrapped
// with a key derived from the passphrase, and the vault's feature flags.
//
// Key hierarchy (as gocryptfs 2.x, format version 2):
//   kek_seed   = scrypt(passphrase, Salt, N, R, P, KeyLen = 32)
//   wrap key   = HKDF-SHA256(kek_seed, info "AES-GCM file content encryption")
//   EncryptedKey = block 0 sealed with the wrap key, no file id (16-byte nonce, 8-byte AD)
//   content key = HKDF-SHA256(master key, info "AES-GCM file content encryption")
//   name key    = HKDF-SHA256(master key, info "EME filename encryption")
//
// Parsing never throws (the file is outside input); errors are a message for the operator.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "layers/encrypt/openssl_backend.h"

namespace loopfs::encrypt {

inline constexpr std::string_view kHkdfInfoContent = "AES-GCM file content encryption";
inline constexpr std::string_view kHkdfInfoNames = "EME filename encryption";
inline constexpr uint64_t kConfigVersion = 2;
inline constexpr size_t kConfigMaxBytes = 64 * 1024;
// The feature flags of a default gocryptfs 2.x vault: the only combination loopfs serves.
inline constexpr std::array<std::string_view, 6> kRequiredFeatureFlags = {
    "HKDF", "GCMIV128", "DirIV", "EMENames", "LongNames", "Raw64"};

struct ScryptParams {
  std::vector<uint8_t> salt;
  uint64_t n = 0;
  uint64_t r = 0;
  uint64_t p = 0;
  uint64_t key_len = 0;
};

struct VaultConfig {
  std::string creator;
  std::vector<uint8_t> encrypted_key;
  ScryptParams scrypt;
  uint64_t version = 0;
  std::vector<std::string> feature_flags;
};

// A 32-byte key that is wiped when it goes away.  (Locking it in memory and keeping it out of
// core dumps is the layer's business: it owns where keys live.)
class SecretKey {
 public:
  static constexpr size_t kLength = 32;
  SecretKey() = default;
  ~SecretKey() { Wipe(bytes_); }
  SecretKey(const SecretKey&) = delete;
  SecretKey& operator=(const SecretKey&) = delete;
  std::span<uint8_t, kLength> bytes() { return bytes_; }
  std::span<const uint8_t, kLength> bytes() const { return bytes_; }

 private:
  std::array<uint8_t, kLength> bytes_{};
};

// The two keys a vault's files and names are encrypted with.
struct VaultKeys {
  std::unique_ptr<Aes256Key> content;
  std::unique_ptr<Aes256Key> names;
};

// Parses and validates gocryptfs.conf.  Refuses other versions, unknown or unsupported
// feature flags (listing them), a missing required flag, a malformed key or salt, and scrypt
// parameters that are weak (N < 2^10) or too costly (more than kScryptMaxMemory).
std::optional<VaultConfig> ParseVaultConfig(std::string_view json, std::string* error);

// The JSON text gocryptfs writes: tab-indented, fields in gocryptfs's order.
std::string SerializeVaultConfig(const VaultConfig& config);

// Unwraps the master key with the passphrase.  False with "wrong passphrase" when the wrapped
// key does not authenticate (a wrong passphrase and a damaged key look alike, by design).
bool UnlockMasterKey(const VaultConfig& config, std::string_view passphrase, SecretKey* master,
                     std::string* error);

// A new config wrapping `master` under `passphrase`, with scrypt N = 2^log_n, R = 8, P = 1.
std::optional<VaultConfig> CreateVaultConfig(std::string_view passphrase, const SecretKey& master,
                                             int log_n, std::string* error);

// The raw content and name keys (HKDF of the master key).
bool DeriveSubkeys(const SecretKey& master, SecretKey* content, SecretKey* names);

// Derives the content and name keys from the master key, ready for use.
bool DeriveVaultKeys(const SecretKey& master, VaultKeys* keys);

}  // namespace loopfs::encrypt
