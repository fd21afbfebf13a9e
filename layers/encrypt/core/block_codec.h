/* The file header and one block of file content, sealed and opened through the crypto
 * backend.  Nothing here allocates or does I/O: the caller reads and writes the bytes.
 *
 * Associated data binds each block to its place: u64be(block number) || file id, so a block
 * moved within a file or into another file fails to open.  gocryptfs seals two other things
 * the same way with no file id (8 bytes of associated data): the master key in
 * gocryptfs.conf and symlink targets; pass file_id = NULL for those. */
#ifndef LOOPFS_LAYERS_ENCRYPT_CORE_BLOCK_CODEC_H_
#define LOOPFS_LAYERS_ENCRYPT_CORE_BLOCK_CODEC_H_

#include "layers/encrypt/core/block_layout.h"
#include "layers/encrypt/core/crypto_backend.h"
#include "layers/encrypt/core/platform.h"

#ifdef __cplusplus
extern "C" {
#endif

#define LFENC_AD_MAX_LEN 24 /* 8 + LFENC_FILE_ID_LEN */

/* Parses an 18-byte header into its file id.  LFENC_ERR_SIZE unless len == 18;
 * LFENC_ERR_FORMAT for another version or an all-zero header (what a torn write leaves). */
int lfenc_header_parse(const uint8_t* buf, size_t len, uint8_t file_id[LFENC_FILE_ID_LEN]);

/* Writes the header for `file_id`. */
void lfenc_header_write(const uint8_t file_id[LFENC_FILE_ID_LEN], uint8_t out[LFENC_HEADER_LEN]);

/* A new header with a random file id, returned in both forms. */
int lfenc_header_new(const struct lfenc_crypto* crypto, uint8_t file_id[LFENC_FILE_ID_LEN],
                     uint8_t out[LFENC_HEADER_LEN]);

/* The associated data for `block_no`; returns its length (8, or 24 with a file id). */
size_t lfenc_block_ad(uint64_t block_no, const uint8_t* file_id, uint8_t ad[LFENC_AD_MAX_LEN]);

/* Seals 1..4096 plaintext bytes as nonce || ciphertext || tag (plain_len + 32 bytes) into
 * `out`, which must have room for that and must not overlap `plain`.  The nonce is random
 * and never all-zero (gocryptfs refuses an all-zero nonce). */
int lfenc_block_seal(const struct lfenc_crypto* crypto, const void* key, uint64_t block_no,
                     const uint8_t* file_id, const uint8_t* plain, size_t plain_len, uint8_t* out,
                     size_t out_cap, size_t* out_len);

/* True for a full-size block of zero bytes: a hole in a sparse file, which reads as 4096
 * zero bytes. */
int lfenc_block_is_hole(const uint8_t* in, size_t in_len);

/* Opens one stored block of 33..4128 bytes into `plain` (room for in_len - 32 bytes; a hole
 * needs 4096), which must not overlap `in`.  Holes open to zeros.  Fails with
 * LFENC_ERR_SIZE for impossible lengths and LFENC_ERR_AUTH for an all-zero nonce or a tag
 * that does not verify; `plain` is zeroed on every failure, so unauthenticated bytes never
 * escape. */
int lfenc_block_open(const struct lfenc_crypto* crypto, const void* key, uint64_t block_no,
                     const uint8_t* file_id, const uint8_t* in, size_t in_len, uint8_t* plain,
                     size_t plain_cap, size_t* plain_len);

#ifdef __cplusplus
}
#endif

#endif /* LOOPFS_LAYERS_ENCRYPT_CORE_BLOCK_CODEC_H_ */
