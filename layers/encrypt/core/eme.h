/* EME (ECB-Mix-ECB), the tweakable wide-block cipher mode of Halevi and Rogaway ("A Parallelizable
 * Enciphering Mode", 2003), over AES-256, as gocryptfs uses it for file names: a change in any
 * input bit changes every output bit, and equal names under the same directory IV (tweak)
 * encrypt equally, which is what makes lookup by encrypted name possible.
 *
 * Works in place (in == out allowed) with no scratch memory beyond a few 16-byte blocks,
 * so it is usable on a kernel stack. */
#ifndef LOOPFS_LAYERS_ENCRYPT_CORE_EME_H_
#define LOOPFS_LAYERS_ENCRYPT_CORE_EME_H_

#include "layers/encrypt/core/crypto_backend.h"
#include "layers/encrypt/core/platform.h"

#ifdef __cplusplus
extern "C" {
#endif

#define LFENC_EME_TWEAK_LEN 16
#define LFENC_EME_MAX_BLOCKS 128 /* the mode's limit: 2048 bytes */

/* Enciphers (or deciphers) `len` bytes, a multiple of 16 from 16 to 2048, under the AES-256
 * key `key` (prepared by the backend) and the 16-byte tweak.  LFENC_ERR_ARG for a bad
 * length, LFENC_ERR_BACKEND if the block cipher fails. */
int lfenc_eme_encrypt(const struct lfenc_crypto* crypto, const void* key,
                      const uint8_t tweak[LFENC_EME_TWEAK_LEN], const uint8_t* in, uint8_t* out,
                      size_t len);
int lfenc_eme_decrypt(const struct lfenc_crypto* crypto, const void* key,
                      const uint8_t tweak[LFENC_EME_TWEAK_LEN], const uint8_t* in, uint8_t* out,
                      size_t len);

#ifdef __cplusplus
}
#endif

#endif /* LOOPFS_LAYERS_ENCRYPT_CORE_EME_H_ */
