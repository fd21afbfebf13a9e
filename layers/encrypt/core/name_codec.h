/* File names as gocryptfs stores them (feature flags DirIV, EMENames, LongNames, Raw64):
 *
 *   stored = base64url_raw(EME_{name key, tweak = directory's gocryptfs.diriv}(pkcs7_16(name)))
 *
 * A stored name longer than 255 bytes (plaintext names of about 176 bytes and up) is kept as
 * `gocryptfs.longname.<base64url_raw(sha256(stored))>`, with the full stored name in a side
 * file of that name plus ".name".  Every directory has its own random 16-byte diriv, so equal
 * names in different directories encrypt differently. */
#ifndef LOOPFS_LAYERS_ENCRYPT_CORE_NAME_CODEC_H_
#define LOOPFS_LAYERS_ENCRYPT_CORE_NAME_CODEC_H_

#include "layers/encrypt/core/crypto_backend.h"
#include "layers/encrypt/core/platform.h"

#ifdef __cplusplus
extern "C" {
#endif

#define LFENC_NAME_MAX 255 /* longest plaintext (and on-disk) name */
#define LFENC_DIRIV_LEN 16
#define LFENC_ENCRYPTED_NAME_MAX 342 /* base64 of 256 padded bytes */
#define LFENC_DIRIV_NAME "gocryptfs.diriv"
#define LFENC_CONF_NAME "gocryptfs.conf"
#define LFENC_LONGNAME_PREFIX "gocryptfs.longname."
#define LFENC_LONGNAME_SUFFIX ".name"
#define LFENC_LONGNAME_LEN 62 /* prefix (19) + base64 of a SHA-256 (43) */

/* True for a name a directory entry may have: 1..255 bytes, no '/' or NUL, not "." or "..". */
int lfenc_name_is_valid(const char* name, size_t len);

/* PKCS#7 to a multiple of 16: always 1..16 bytes of padding.  `out` needs len + 16 bytes. */
size_t lfenc_pad16(const uint8_t* in, size_t len, uint8_t* out);

/* Length of the unpadded data, or LFENC_ERR_FORMAT; constant time in the padding bytes. */
int lfenc_unpad16(const uint8_t* in, size_t len, size_t* unpadded_len);

/* Encrypts a valid plaintext name; `out` gets up to 342 characters (and a NUL if room). */
int lfenc_name_encrypt(const struct lfenc_crypto* crypto, const void* eme_key,
                       const uint8_t diriv[LFENC_DIRIV_LEN], const char* name, size_t len,
                       char* out, size_t out_cap, size_t* out_len);

/* Decrypts a stored (not long-form) name.  LFENC_ERR_FORMAT for bad base64, length, padding
 * or a decrypted name that is not a valid name; `out` is zeroed on failure. */
int lfenc_name_decrypt(const struct lfenc_crypto* crypto, const void* eme_key,
                       const uint8_t diriv[LFENC_DIRIV_LEN], const char* stored, size_t len,
                       char* out, size_t out_cap, size_t* out_len);

/* True if a stored name of this length must take the long form. */
static inline int lfenc_name_needs_longname(size_t stored_len) {
  return stored_len > LFENC_NAME_MAX;
}

/* The long form `gocryptfs.longname.<hash>` of a stored name (62 characters + NUL). */
int lfenc_longname_of(const struct lfenc_crypto* crypto, const char* stored, size_t len,
                      char out[LFENC_LONGNAME_LEN + 1]);

/* What a directory entry on disk is. */
enum lfenc_name_kind {
  LFENC_NAME_ENCRYPTED = 0,     /* an encrypted name (or garbage: decryption will tell) */
  LFENC_NAME_DIRIV = 1,         /* gocryptfs.diriv */
  LFENC_NAME_CONF = 2,          /* gocryptfs.conf (meaningful in the root only) */
  LFENC_NAME_LONG = 3,          /* gocryptfs.longname.<hash> */
  LFENC_NAME_LONG_NAMEFILE = 4, /* gocryptfs.longname.<hash>.name */
};
enum lfenc_name_kind lfenc_name_kind_of(const char* name, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* LOOPFS_LAYERS_ENCRYPT_CORE_NAME_CODEC_H_ */
