#include "layers/encrypt/core/block_layout.h"

#include "layers/encrypt/core/status.h"

#define LFENC_U64_MAX ((uint64_t)-1)

int lfenc_cipher_size(uint64_t plain_size, uint64_t* cipher_size) {
  uint64_t blocks;
  uint64_t overhead;

  if (plain_size == 0) {
    *cipher_size = 0;
    return LFENC_OK;
  }
  blocks = (plain_size - 1) / LFENC_PLAIN_BLOCK_LEN + 1;
  /* blocks < 2^52, so blocks * 32 + 18 cannot overflow; only the final sum can. */
  overhead = blocks * LFENC_BLOCK_OVERHEAD + LFENC_HEADER_LEN;
  if (plain_size > LFENC_U64_MAX - overhead) return LFENC_ERR_RANGE;
  *cipher_size = plain_size + overhead;
  return LFENC_OK;
}

int lfenc_plain_size(uint64_t cipher_size, uint64_t* plain_size) {
  uint64_t body;
  uint64_t full;
  uint64_t rest;

  if (cipher_size == 0 || cipher_size == LFENC_HEADER_LEN) {
    *plain_size = 0;
    return LFENC_OK;
  }
  if (cipher_size < LFENC_HEADER_LEN) return LFENC_ERR_SIZE;
  body = cipher_size - LFENC_HEADER_LEN;
  full = body / LFENC_CIPHER_BLOCK_LEN;
  rest = body % LFENC_CIPHER_BLOCK_LEN;
  if (rest != 0 && rest <= LFENC_BLOCK_OVERHEAD) return LFENC_ERR_SIZE;
  /* full * 4096 < body, so nothing here overflows. */
  *plain_size = full * LFENC_PLAIN_BLOCK_LEN + (rest == 0 ? 0 : rest - LFENC_BLOCK_OVERHEAD);
  return LFENC_OK;
}

int lfenc_block_cipher_offset(uint64_t block_no, uint64_t* cipher_offset) {
  if (block_no > (LFENC_U64_MAX - LFENC_HEADER_LEN) / LFENC_CIPHER_BLOCK_LEN) {
    return LFENC_ERR_RANGE;
  }
  *cipher_offset = LFENC_HEADER_LEN + block_no * LFENC_CIPHER_BLOCK_LEN;
  return LFENC_OK;
}

int lfenc_span_of(uint64_t plain_offset, uint64_t len, struct lfenc_span* span) {
  uint64_t last;
  uint64_t end_offset;

  if (len == 0) return LFENC_ERR_ARG;
  if (plain_offset > LFENC_U64_MAX - (len - 1)) return LFENC_ERR_RANGE;
  span->first_block = lfenc_block_no(plain_offset);
  last = lfenc_block_no(plain_offset + (len - 1));
  span->block_count = last - span->first_block + 1;
  if (lfenc_block_cipher_offset(span->first_block, &span->cipher_offset) != LFENC_OK ||
      lfenc_block_cipher_offset(last, &end_offset) != LFENC_OK ||
      end_offset > LFENC_U64_MAX - LFENC_CIPHER_BLOCK_LEN) {
    return LFENC_ERR_RANGE;
  }
  span->cipher_len = end_offset + LFENC_CIPHER_BLOCK_LEN - span->cipher_offset;
  return LFENC_OK;
}
