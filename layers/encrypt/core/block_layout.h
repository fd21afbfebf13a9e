/* Where things are in a gocryptfs (format v2) file, and how big it is.
 *
 *   [ header: u16be version = 2 | 16-byte file id ]                       18 bytes
 *   [ block 0: 16-byte nonce | AES-256-GCM(4096 plaintext bytes) | tag ]   4128 bytes
 *   ...
 *   [ last block: nonce | 1..4096 ciphertext bytes | tag ]
 *
 * An empty file has no header at all; a file of only a header is empty too (gocryptfs writes
 * the header with the first data).  All arithmetic is on u64 and checked: sizes and offsets
 * come from the disk and from clients and may be hostile. */
#ifndef LOOPFS_LAYERS_ENCRYPT_CORE_BLOCK_LAYOUT_H_
#define LOOPFS_LAYERS_ENCRYPT_CORE_BLOCK_LAYOUT_H_

#include "layers/encrypt/core/platform.h"

#ifdef __cplusplus
extern "C" {
#endif

#define LFENC_FORMAT_VERSION 2
#define LFENC_FILE_ID_LEN 16
#define LFENC_HEADER_LEN 18 /* 2 + LFENC_FILE_ID_LEN */
#define LFENC_PLAIN_BLOCK_LEN 4096
#define LFENC_NONCE_LEN 16
#define LFENC_TAG_LEN 16
#define LFENC_BLOCK_OVERHEAD 32 /* nonce + tag */
#define LFENC_CIPHER_BLOCK_LEN 4128

/* Ciphertext size of a file of `plain_size` bytes.  LFENC_ERR_RANGE if it exceeds 2^64-1. */
int lfenc_cipher_size(uint64_t plain_size, uint64_t* cipher_size);

/* Plaintext size of a file whose ciphertext is `cipher_size` bytes.  LFENC_ERR_SIZE for sizes
 * no gocryptfs file can have: 1..17 (a torn header) and a last block of 1..32 bytes (a block
 * with no plaintext in it). */
int lfenc_plain_size(uint64_t cipher_size, uint64_t* plain_size);

/* The block holding plaintext byte `plain_offset`, and the offset within it. */
static inline uint64_t lfenc_block_no(uint64_t plain_offset) {
  return plain_offset / LFENC_PLAIN_BLOCK_LEN;
}
static inline uint32_t lfenc_block_offset(uint64_t plain_offset) {
  return (uint32_t)(plain_offset % LFENC_PLAIN_BLOCK_LEN);
}

/* Offset of block `block_no` in the ciphertext file.  LFENC_ERR_RANGE on overflow. */
int lfenc_block_cipher_offset(uint64_t block_no, uint64_t* cipher_offset);

/* The blocks a plaintext byte range touches, and the ciphertext bytes that hold them (up to
 * the end of the last full block: the caller reads less at end of file). */
struct lfenc_span {
  uint64_t first_block;
  uint64_t block_count;
  uint64_t cipher_offset;
  uint64_t cipher_len;
};

/* For `len` > 0 bytes at `plain_offset`.  LFENC_ERR_ARG for len == 0, LFENC_ERR_RANGE when
 * the range or its ciphertext would pass 2^64-1. */
int lfenc_span_of(uint64_t plain_offset, uint64_t len, struct lfenc_span* span);

#ifdef __cplusplus
}
#endif

#endif /* LOOPFS_LAYERS_ENCRYPT_CORE_BLOCK_LAYOUT_H_ */
