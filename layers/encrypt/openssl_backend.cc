#include "layers/encrypt/openssl_backend.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <array>
#include <climits>
#include <cstring>
#include <mutex>
#include <vector>

namespace loopfs::encrypt {
namespace {

// Ciphers fetched once per process; fetching is a provider lookup that is not free.
const EVP_CIPHER* Gcm() {
  static EVP_CIPHER* const cipher = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
  return cipher;
}
const EVP_CIPHER* Ecb() {
  static EVP_CIPHER* const cipher = EVP_CIPHER_fetch(nullptr, "AES-256-ECB", nullptr);
  return cipher;
}

enum class Use { kSeal, kOpen, kEncryptBlocks, kDecryptBlocks };

}  // namespace

// One pool of ready contexts per use: a context holds the expanded key for one direction.
struct Aes256Key::Pools {
  std::array<uint8_t, kLength> key{};
  std::mutex mu;
  std::array<std::vector<EVP_CIPHER_CTX*>, 4> free;

  ~Pools() {
    for (auto& list : free) {
      for (EVP_CIPHER_CTX* ctx : list) EVP_CIPHER_CTX_free(ctx);
    }
    OPENSSL_cleanse(key.data(), key.size());
  }

  EVP_CIPHER_CTX* NewContext(Use use) {
    EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
    if (ctx == nullptr) return nullptr;
    bool ok = false;
    if (use == Use::kSeal || use == Use::kOpen) {
      // The IV length must be set before the IV; it stays for every later IV-only re-init.
      size_t iv_len = LFENC_GCM_IV_LEN;
      OSSL_PARAM params[] = {OSSL_PARAM_construct_size_t(OSSL_CIPHER_PARAM_AEAD_IVLEN, &iv_len),
                             OSSL_PARAM_construct_end()};
      ok = EVP_CipherInit_ex2(ctx, Gcm(), key.data(), nullptr, use == Use::kSeal ? 1 : 0, params) ==
           1;
    } else {
      ok = EVP_CipherInit_ex2(ctx, Ecb(), key.data(), nullptr, use == Use::kEncryptBlocks ? 1 : 0,
                              nullptr) == 1 &&
           EVP_CIPHER_CTX_set_padding(ctx, 0) == 1;
    }
    if (!ok) {
      EVP_CIPHER_CTX_free(ctx);
      return nullptr;
    }
    return ctx;
  }

  EVP_CIPHER_CTX* Acquire(Use use) {
    {
      std::lock_guard<std::mutex> lock(mu);
      auto& list = free[static_cast<size_t>(use)];
      if (!list.empty()) {
        EVP_CIPHER_CTX* ctx = list.back();
        list.pop_back();
        return ctx;
      }
    }
    return NewContext(use);
  }

  void Release(Use use, EVP_CIPHER_CTX* ctx) {
    std::lock_guard<std::mutex> lock(mu);
    free[static_cast<size_t>(use)].push_back(ctx);
  }
};

namespace {

// Borrows a context for the length of one call.
class Borrowed {
 public:
  Borrowed(const void* key, Use use)
      : pools_(static_cast<const Aes256Key*>(key)->pools()),
        use_(use),
        ctx_(pools_ != nullptr ? pools_->Acquire(use) : nullptr) {}
  ~Borrowed() {
    if (ctx_ != nullptr) pools_->Release(use_, ctx_);
  }
  Borrowed(const Borrowed&) = delete;
  Borrowed& operator=(const Borrowed&) = delete;
  EVP_CIPHER_CTX* get() const { return ctx_; }

 private:
  Aes256Key::Pools* pools_;
  Use use_;
  EVP_CIPHER_CTX* ctx_;
};

int GcmSeal(const void* key, const uint8_t iv[LFENC_GCM_IV_LEN], const uint8_t* ad, size_t ad_len,
            const uint8_t* in, size_t len, uint8_t* out, uint8_t tag[LFENC_GCM_TAG_LEN]) {
  if (len > INT_MAX || ad_len > INT_MAX) return -1;
  Borrowed ctx(key, Use::kSeal);
  if (ctx.get() == nullptr) return -1;
  int n = 0;
  if (EVP_EncryptInit_ex2(ctx.get(), nullptr, nullptr, iv, nullptr) != 1 ||
      EVP_EncryptUpdate(ctx.get(), nullptr, &n, ad, static_cast<int>(ad_len)) != 1 ||
      EVP_EncryptUpdate(ctx.get(), out, &n, in, static_cast<int>(len)) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), out + n, &n) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, LFENC_GCM_TAG_LEN, tag) != 1) {
    return -1;
  }
  return 0;
}

int GcmOpen(const void* key, const uint8_t iv[LFENC_GCM_IV_LEN], const uint8_t* ad, size_t ad_len,
            const uint8_t* in, size_t len, const uint8_t tag[LFENC_GCM_TAG_LEN], uint8_t* out) {
  if (len > INT_MAX || ad_len > INT_MAX) return -1;
  Borrowed ctx(key, Use::kOpen);
  if (ctx.get() == nullptr) return -1;
  int n = 0;
  // OpenSSL takes a non-const tag pointer but only reads it.
  std::array<uint8_t, LFENC_GCM_TAG_LEN> expected;
  std::copy(tag, tag + LFENC_GCM_TAG_LEN, expected.begin());
  if (EVP_DecryptInit_ex2(ctx.get(), nullptr, nullptr, iv, nullptr) != 1 ||
      EVP_DecryptUpdate(ctx.get(), nullptr, &n, ad, static_cast<int>(ad_len)) != 1 ||
      EVP_DecryptUpdate(ctx.get(), out, &n, in, static_cast<int>(len)) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, LFENC_GCM_TAG_LEN, expected.data()) !=
          1) {
    return -1;
  }
  // Final verifies the tag; the context is reusable either way after the next IV init.
  return EVP_DecryptFinal_ex(ctx.get(), out + n, &n) == 1 ? 0 : -1;
}

int Blocks(const void* key, Use use, const uint8_t* in, uint8_t* out, size_t nblocks) {
  if (nblocks > INT_MAX / LFENC_AES_BLOCK_LEN) return -1;
  Borrowed ctx(key, use);
  if (ctx.get() == nullptr) return -1;
  int n = 0;
  const int len = static_cast<int>(nblocks * LFENC_AES_BLOCK_LEN);
  if (EVP_CipherUpdate(ctx.get(), out, &n, in, len) != 1 || n != len) return -1;
  return 0;
}

int EncryptBlocks(const void* key, const uint8_t* in, uint8_t* out, size_t nblocks) {
  return Blocks(key, Use::kEncryptBlocks, in, out, nblocks);
}
int DecryptBlocks(const void* key, const uint8_t* in, uint8_t* out, size_t nblocks) {
  return Blocks(key, Use::kDecryptBlocks, in, out, nblocks);
}

int Sha256(const uint8_t* in, size_t len, uint8_t out[LFENC_SHA256_LEN]) {
  unsigned int n = 0;
  return EVP_Digest(in, len, out, &n, EVP_sha256(), nullptr) == 1 && n == LFENC_SHA256_LEN ? 0 : -1;
}

int Random(uint8_t* out, size_t len) {
  return len <= INT_MAX && RAND_bytes(out, static_cast<int>(len)) == 1 ? 0 : -1;
}

// The core's random_bytes, which asks for 16 bytes per sealed block (a nonce) and per new
// file (its id): both are public, written to disk in clear, and need only be unique.  One
// RAND_bytes call costs about as much for 4 KiB as for 16 bytes (1.4 us; 0.37 s per GiB
// written), so each thread draws 4 KiB at a time and hands it out in order, never twice.
// Keys and IVs a caller keeps secret come from RandomBytes, straight from RAND_bytes.
int PooledRandom(uint8_t* out, size_t len) {
  constexpr size_t kPool = 4096;
  thread_local std::array<uint8_t, kPool> pool;
  thread_local size_t used = kPool;
  if (len > kPool / 4) return Random(out, len);
  if (kPool - used < len) {
    if (Random(pool.data(), kPool) != 0) return -1;
    used = 0;
  }
  std::memcpy(out, pool.data() + used, len);
  std::memset(pool.data() + used, 0, len);  // handed out once
  used += len;
  return 0;
}

const lfenc_crypto kOpenSsl = {
    .aes256gcm_seal = GcmSeal,
    .aes256gcm_open = GcmOpen,
    .aes256_encrypt_blocks = EncryptBlocks,
    .aes256_decrypt_blocks = DecryptBlocks,
    .sha256 = Sha256,
    .random_bytes = PooledRandom,
};

}  // namespace

const lfenc_crypto& OpenSslCrypto() { return kOpenSsl; }

Aes256Key::Aes256Key() : pools_(std::make_unique<Pools>()) {}
Aes256Key::~Aes256Key() = default;

std::unique_ptr<Aes256Key> Aes256Key::Create(std::span<const uint8_t, kLength> key) {
  if (Gcm() == nullptr || Ecb() == nullptr) return nullptr;
  std::unique_ptr<Aes256Key> result(new Aes256Key());
  std::copy(key.begin(), key.end(), result->pools_->key.begin());
  // Prove the key can be set up now, so per-block failures mean only out-of-memory.
  EVP_CIPHER_CTX* ctx = result->pools_->NewContext(Use::kSeal);
  if (ctx == nullptr) return nullptr;
  result->pools_->Release(Use::kSeal, ctx);
  return result;
}

bool HkdfSha256(std::span<const uint8_t> ikm, std::string_view info, std::span<uint8_t> out) {
  EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
  if (kdf == nullptr) return false;
  EVP_KDF_CTX* ctx = EVP_KDF_CTX_new(kdf);
  EVP_KDF_free(kdf);
  if (ctx == nullptr) return false;
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
                         OSSL_PARAM_construct_octet_string(
                             OSSL_KDF_PARAM_KEY, const_cast<uint8_t*>(ikm.data()), ikm.size()),
                         OSSL_PARAM_construct_octet_string(
                             OSSL_KDF_PARAM_INFO, const_cast<char*>(info.data()), info.size()),
                         OSSL_PARAM_construct_end()};
  const bool ok = EVP_KDF_derive(ctx, out.data(), out.size(), params) == 1;
  EVP_KDF_CTX_free(ctx);
  return ok;
}

bool Scrypt(std::string_view passphrase, std::span<const uint8_t> salt, uint64_t n, uint64_t r,
            uint64_t p, std::span<uint8_t> out) {
  // 128 * r * (N + p + 2) is what OpenSSL allocates; check it without overflowing.
  if (n < 2 || (n & (n - 1)) != 0 || r == 0 || p == 0) return false;
  if (n > kScryptMaxMemory || p > kScryptMaxMemory || r > kScryptMaxMemory / 128) return false;
  const uint64_t blocks = n + p + 2;
  if (blocks > kScryptMaxMemory / (128 * r)) return false;
  const uint64_t memory = 128 * r * blocks;
  return EVP_PBE_scrypt(passphrase.data(), passphrase.size(), salt.data(), salt.size(), n, r, p,
                        memory + 1024, out.data(), out.size()) == 1;
}

bool RandomBytes(std::span<uint8_t> out) { return Random(out.data(), out.size()) == 0; }

bool ConstantTimeEqual(std::span<const uint8_t> a, std::span<const uint8_t> b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

void Wipe(std::span<uint8_t> bytes) { OPENSSL_cleanse(bytes.data(), bytes.size()); }

}  // namespace loopfs::encrypt
