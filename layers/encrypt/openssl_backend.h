// OpenSSL 3 behind the portable core's crypto table (core/crypto_backend.h), plus the key
// derivation functions the vault needs: HKDF-SHA256, scrypt, randomness, constant-time
// comparison.  Nothing here throws; failures are false or a nonzero return.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "layers/encrypt/core/crypto_backend.h"

namespace loopfs::encrypt {

// The table to pass to every core function.  Its `key` arguments are Aes256Key::handle().
const lfenc_crypto& OpenSslCrypto();

// An AES-256 key prepared for GCM and for the raw block cipher (EME).  Cipher contexts are
// pooled per key, so worker threads use it concurrently without setting the key schedule up
// per block; destroying the key frees them, and OpenSSL wipes them as it does.
class Aes256Key {
 public:
  static constexpr size_t kLength = 32;

  // nullptr if OpenSSL cannot set up a context.
  static std::unique_ptr<Aes256Key> Create(std::span<const uint8_t, kLength> key);
  ~Aes256Key();
  Aes256Key(const Aes256Key&) = delete;
  Aes256Key& operator=(const Aes256Key&) = delete;

  const void* handle() const { return this; }

  struct Pools;  // internal: the context pools, defined in openssl_backend.cc
  Pools* pools() const { return pools_.get(); }

 private:
  Aes256Key();
  std::unique_ptr<Pools> pools_;
};

// HKDF-SHA256 (RFC 5869) with an empty salt, as gocryptfs derives its subkeys.
bool HkdfSha256(std::span<const uint8_t> ikm, std::string_view info, std::span<uint8_t> out);

// Largest scrypt working set accepted from a config file (128 * r * (N + p + 2) bytes).
inline constexpr uint64_t kScryptMaxMemory = uint64_t{4} << 30;

// scrypt (RFC 7914).  False for parameters OpenSSL refuses or that need more than
// kScryptMaxMemory.
bool Scrypt(std::string_view passphrase, std::span<const uint8_t> salt, uint64_t n, uint64_t r,
            uint64_t p, std::span<uint8_t> out);

bool RandomBytes(std::span<uint8_t> out);

// Equal lengths and equal bytes, in time independent of where they differ.
bool ConstantTimeEqual(std::span<const uint8_t> a, std::span<const uint8_t> b);

// Overwrites memory in a way the compiler may not drop.
void Wipe(std::span<uint8_t> bytes);

}  // namespace loopfs::encrypt
