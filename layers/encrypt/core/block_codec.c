#include "layers/encrypt/core/block_codec.h"

#include "layers/encrypt/core/status.h"

static int all_zero(const uint8_t* p, size_t len) {
  uint8_t acc = 0;
  size_t i;

  for (i = 0; i < len; i++) acc |= p[i];
  return acc == 0;
}

int lfenc_header_parse(const uint8_t* buf, size_t len, uint8_t file_id[LFENC_FILE_ID_LEN]) {
  if (len != LFENC_HEADER_LEN) return LFENC_ERR_SIZE;
  if (all_zero(buf, len)) return LFENC_ERR_FORMAT;
  if (buf[0] != 0 || buf[1] != LFENC_FORMAT_VERSION) return LFENC_ERR_FORMAT;
  memcpy(file_id, buf + 2, LFENC_FILE_ID_LEN);
  return LFENC_OK;
}

void lfenc_header_write(const uint8_t file_id[LFENC_FILE_ID_LEN], uint8_t out[LFENC_HEADER_LEN]) {
  out[0] = 0;
  out[1] = LFENC_FORMAT_VERSION;
  memcpy(out + 2, file_id, LFENC_FILE_ID_LEN);
}

int lfenc_header_new(const struct lfenc_crypto* crypto, uint8_t file_id[LFENC_FILE_ID_LEN],
                     uint8_t out[LFENC_HEADER_LEN]) {
  if (crypto->random_bytes(file_id, LFENC_FILE_ID_LEN) != 0) return LFENC_ERR_BACKEND;
  lfenc_header_write(file_id, out);
  return LFENC_OK;
}

size_t lfenc_block_ad(uint64_t block_no, const uint8_t* file_id, uint8_t ad[LFENC_AD_MAX_LEN]) {
  int i;

  for (i = 7; i >= 0; i--) {
    ad[i] = (uint8_t)(block_no & 0xff);
    block_no >>= 8;
  }
  if (file_id == NULL) return 8;
  memcpy(ad + 8, file_id, LFENC_FILE_ID_LEN);
  return LFENC_AD_MAX_LEN;
}

int lfenc_block_seal(const struct lfenc_crypto* crypto, const void* key, uint64_t block_no,
                     const uint8_t* file_id, const uint8_t* plain, size_t plain_len, uint8_t* out,
                     size_t out_cap, size_t* out_len) {
  uint8_t ad[LFENC_AD_MAX_LEN];
  size_t ad_len;
  int tries;

  if (plain_len == 0 || plain_len > LFENC_PLAIN_BLOCK_LEN) return LFENC_ERR_ARG;
  if (out_cap < plain_len + LFENC_BLOCK_OVERHEAD) return LFENC_ERR_ARG;
  /* An all-zero nonce has probability 2^-128; gocryptfs would refuse the block, so draw again
   * rather than store something unreadable. */
  for (tries = 0;; tries++) {
    if (tries == 4) return LFENC_ERR_BACKEND;
    if (crypto->random_bytes(out, LFENC_NONCE_LEN) != 0) return LFENC_ERR_BACKEND;
    if (!all_zero(out, LFENC_NONCE_LEN)) break;
  }
  ad_len = lfenc_block_ad(block_no, file_id, ad);
  if (crypto->aes256gcm_seal(key, out, ad, ad_len, plain, plain_len, out + LFENC_NONCE_LEN,
                             out + LFENC_NONCE_LEN + plain_len) != 0) {
    return LFENC_ERR_BACKEND;
  }
  *out_len = plain_len + LFENC_BLOCK_OVERHEAD;
  return LFENC_OK;
}

int lfenc_block_is_hole(const uint8_t* in, size_t in_len) {
  return in_len == LFENC_CIPHER_BLOCK_LEN && all_zero(in, in_len);
}

int lfenc_block_open(const struct lfenc_crypto* crypto, const void* key, uint64_t block_no,
                     const uint8_t* file_id, const uint8_t* in, size_t in_len, uint8_t* plain,
                     size_t plain_cap, size_t* plain_len) {
  uint8_t ad[LFENC_AD_MAX_LEN];
  size_t ad_len;
  size_t len;

  *plain_len = 0;
  if (in_len <= LFENC_BLOCK_OVERHEAD || in_len > LFENC_CIPHER_BLOCK_LEN) return LFENC_ERR_SIZE;
  len = in_len - LFENC_BLOCK_OVERHEAD;
  if (plain_cap < len) return LFENC_ERR_ARG;
  if (lfenc_block_is_hole(in, in_len)) {
    memset(plain, 0, LFENC_PLAIN_BLOCK_LEN);
    *plain_len = LFENC_PLAIN_BLOCK_LEN;
    return LFENC_OK;
  }
  if (all_zero(in, LFENC_NONCE_LEN)) {
    memset(plain, 0, len);
    return LFENC_ERR_AUTH;
  }
  ad_len = lfenc_block_ad(block_no, file_id, ad);
  if (crypto->aes256gcm_open(key, in, ad, ad_len, in + LFENC_NONCE_LEN, len,
                             in + LFENC_NONCE_LEN + len, plain) != 0) {
    memset(plain, 0, len);
    return LFENC_ERR_AUTH;
  }
  *plain_len = len;
  return LFENC_OK;
}
