/* The crypto primitives the portable core needs, as a table of function pointers, so the
 * same core runs over OpenSSL in loopfsd (layers/encrypt/openssl_backend.h) and over the
 * kernel crypto API in the kernel fast path.
 *
 * Keys are opaque: a backend prepares a key once (key schedule, contexts) and hands the core
 * a `const void *`; the core never sees key bytes.  Every function returns 0 on success and
 * nonzero on failure; none may keep pointers to its arguments after returning.  All of them
 * must be safe to call from several threads at once with the same key. */
#ifndef LOOPFS_LAYERS_ENCRYPT_CORE_CRYPTO_BACKEND_H_
#define LOOPFS_LAYERS_ENCRYPT_CORE_CRYPTO_BACKEND_H_

#include "layers/encrypt/core/platform.h"

#ifdef __cplusplus
extern "C" {
#endif

#define LFENC_GCM_IV_LEN 16 /* gocryptfs's GCMIV128 feature flag */
#define LFENC_GCM_TAG_LEN 16
#define LFENC_AES_BLOCK_LEN 16
#define LFENC_SHA256_LEN 32

struct lfenc_crypto {
  /* AES-256-GCM with a 16-byte IV: encrypts `len` bytes of `in` to `out` (same length; in
   * and out may be equal) and writes the 16-byte tag. */
  int (*aes256gcm_seal)(const void* key, const uint8_t iv[LFENC_GCM_IV_LEN], const uint8_t* ad,
                        size_t ad_len, const uint8_t* in, size_t len, uint8_t* out,
                        uint8_t tag[LFENC_GCM_TAG_LEN]);
  /* The inverse; nonzero when the tag does not verify.  On failure `out` may hold garbage,
   * which the core wipes. */
  int (*aes256gcm_open)(const void* key, const uint8_t iv[LFENC_GCM_IV_LEN], const uint8_t* ad,
                        size_t ad_len, const uint8_t* in, size_t len,
                        const uint8_t tag[LFENC_GCM_TAG_LEN], uint8_t* out);
  /* AES-256 on `nblocks` independent 16-byte blocks (ECB), in place allowed: EME's inner
   * cipher.  Batched so a backend can pipeline the blocks. */
  int (*aes256_encrypt_blocks)(const void* key, const uint8_t* in, uint8_t* out, size_t nblocks);
  int (*aes256_decrypt_blocks)(const void* key, const uint8_t* in, uint8_t* out, size_t nblocks);
  /* SHA-256, for long-name hashes. */
  int (*sha256)(const uint8_t* in, size_t len, uint8_t out[LFENC_SHA256_LEN]);
  /* Cryptographically strong random bytes (nonces, file ids, directory IVs). */
  int (*random_bytes)(uint8_t* out, size_t len);
};

#ifdef __cplusplus
}
#endif

#endif /* LOOPFS_LAYERS_ENCRYPT_CORE_CRYPTO_BACKEND_H_ */
