/* Base64 in the two alphabets gocryptfs uses: URL-safe without padding ("Raw64") for file
 * names and symlink targets, standard with padding for the binary fields of gocryptfs.conf.
 * Decoding is strict (canonical input only: no whitespace, no stray padding, zero trailing
 * bits), so each byte string has exactly one encoding and no two stored names decode alike. */
#ifndef LOOPFS_LAYERS_ENCRYPT_CORE_BASE64_H_
#define LOOPFS_LAYERS_ENCRYPT_CORE_BASE64_H_

#include "layers/encrypt/core/platform.h"

#ifdef __cplusplus
extern "C" {
#endif

enum lfenc_base64_variant {
  LFENC_BASE64_URL_RAW = 0, /* A-Z a-z 0-9 - _, no '=' */
  LFENC_BASE64_STD_PAD = 1, /* A-Z a-z 0-9 + /, '=' to a multiple of 4 */
};

/* Encoded length of `len` bytes (without a terminating NUL). */
size_t lfenc_base64_encoded_len(enum lfenc_base64_variant variant, size_t len);

/* Encodes into `out`; LFENC_ERR_ARG when out_cap is short.  Adds a NUL if there is room. */
int lfenc_base64_encode(enum lfenc_base64_variant variant, const uint8_t* in, size_t len, char* out,
                        size_t out_cap, size_t* out_len);

/* Decodes; LFENC_ERR_FORMAT for anything non-canonical, LFENC_ERR_ARG when out_cap is short. */
int lfenc_base64_decode(enum lfenc_base64_variant variant, const char* in, size_t len, uint8_t* out,
                        size_t out_cap, size_t* out_len);

#ifdef __cplusplus
}
#endif

#endif /* LOOPFS_LAYERS_ENCRYPT_CORE_BASE64_H_ */
