#include "layers/encrypt/core/name_codec.h"

#include "layers/encrypt/core/base64.h"
#include "layers/encrypt/core/eme.h"
#include "layers/encrypt/core/status.h"

#define PADDED_MAX (LFENC_NAME_MAX + 1) /* 255 bytes pad to 256 */
#define PREFIX_LEN (sizeof(LFENC_LONGNAME_PREFIX) - 1)
#define SUFFIX_LEN (sizeof(LFENC_LONGNAME_SUFFIX) - 1)

static void wipe(void* p, size_t len) {
  volatile uint8_t* v = (volatile uint8_t*)p;

  while (len--) *v++ = 0;
}

int lfenc_name_is_valid(const char* name, size_t len) {
  size_t i;

  if (len == 0 || len > LFENC_NAME_MAX) return 0;
  if (name[0] == '.' && (len == 1 || (len == 2 && name[1] == '.'))) return 0;
  for (i = 0; i < len; i++) {
    if (name[i] == '/' || name[i] == '\0') return 0;
  }
  return 1;
}

size_t lfenc_pad16(const uint8_t* in, size_t len, uint8_t* out) {
  size_t pad = 16 - len % 16;

  if (len > 0) memcpy(out, in, len); /* memcpy with a null pointer is undefined even for 0 */
  memset(out + len, (int)pad, pad);
  return len + pad;
}

/* 0xff if a == b else 0, without a branch on secret-derived bytes. */
static uint8_t ct_eq_mask(uint32_t a, uint32_t b) {
  uint32_t x = a ^ b;

  return (uint8_t)(((x | (0 - x)) >> 31) - 1);
}

/* 0xff if a <= b else 0, for a, b < 2^31. */
static uint8_t ct_le_mask(uint32_t a, uint32_t b) { return (uint8_t)(((b - a) >> 31) - 1); }

int lfenc_unpad16(const uint8_t* in, size_t len, size_t* unpadded_len) {
  uint32_t pad;
  uint8_t bad = 0;
  uint32_t k;

  if (len == 0 || len % 16 != 0) return LFENC_ERR_FORMAT;
  pad = in[len - 1];
  bad |= ct_eq_mask(pad, 0);
  bad |= (uint8_t)~ct_le_mask(pad, 16);
  for (k = 1; k <= 16; k++) {
    uint8_t in_padding = ct_le_mask(k, pad);

    bad |= in_padding & (uint8_t)~ct_eq_mask(in[len - k], pad);
  }
  if (bad != 0) return LFENC_ERR_FORMAT;
  *unpadded_len = len - pad;
  return LFENC_OK;
}

int lfenc_name_encrypt(const struct lfenc_crypto* crypto, const void* eme_key,
                       const uint8_t diriv[LFENC_DIRIV_LEN], const char* name, size_t len,
                       char* out, size_t out_cap, size_t* out_len) {
  uint8_t buf[PADDED_MAX];
  size_t padded;
  int rc;

  *out_len = 0;
  if (!lfenc_name_is_valid(name, len)) return LFENC_ERR_ARG;
  padded = lfenc_pad16((const uint8_t*)name, len, buf);
  rc = lfenc_eme_encrypt(crypto, eme_key, diriv, buf, buf, padded);
  if (rc == LFENC_OK) {
    rc = lfenc_base64_encode(LFENC_BASE64_URL_RAW, buf, padded, out, out_cap, out_len);
  }
  wipe(buf, sizeof(buf));
  return rc;
}

int lfenc_name_decrypt(const struct lfenc_crypto* crypto, const void* eme_key,
                       const uint8_t diriv[LFENC_DIRIV_LEN], const char* stored, size_t len,
                       char* out, size_t out_cap, size_t* out_len) {
  uint8_t buf[PADDED_MAX];
  size_t bin_len = 0;
  size_t name_len = 0;
  int rc;

  *out_len = 0;
  if (len == 0 || len > LFENC_ENCRYPTED_NAME_MAX) return LFENC_ERR_FORMAT;
  rc = lfenc_base64_decode(LFENC_BASE64_URL_RAW, stored, len, buf, sizeof(buf), &bin_len);
  if (rc != LFENC_OK) {
    rc = LFENC_ERR_FORMAT;
    goto out;
  }
  if (bin_len == 0 || bin_len % 16 != 0) {
    rc = LFENC_ERR_FORMAT;
    goto out;
  }
  rc = lfenc_eme_decrypt(crypto, eme_key, diriv, buf, buf, bin_len);
  if (rc != LFENC_OK) goto out;
  rc = lfenc_unpad16(buf, bin_len, &name_len);
  if (rc != LFENC_OK) goto out;
  if (!lfenc_name_is_valid((const char*)buf, name_len)) {
    rc = LFENC_ERR_FORMAT;
    goto out;
  }
  if (out_cap < name_len) {
    rc = LFENC_ERR_ARG;
    goto out;
  }
  memcpy(out, buf, name_len);
  if (name_len < out_cap) out[name_len] = '\0';
  *out_len = name_len;
out:
  wipe(buf, sizeof(buf));
  if (rc != LFENC_OK && out_cap > 0) memset(out, 0, out_cap);
  return rc;
}

int lfenc_longname_of(const struct lfenc_crypto* crypto, const char* stored, size_t len,
                      char out[LFENC_LONGNAME_LEN + 1]) {
  uint8_t digest[LFENC_SHA256_LEN];
  size_t n;

  if (crypto->sha256((const uint8_t*)stored, len, digest) != 0) return LFENC_ERR_BACKEND;
  memcpy(out, LFENC_LONGNAME_PREFIX, PREFIX_LEN);
  return lfenc_base64_encode(LFENC_BASE64_URL_RAW, digest, sizeof(digest), out + PREFIX_LEN,
                             LFENC_LONGNAME_LEN + 1 - PREFIX_LEN, &n);
}

static int is_raw64_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

enum lfenc_name_kind lfenc_name_kind_of(const char* name, size_t len) {
  size_t i;

  if (len == sizeof(LFENC_DIRIV_NAME) - 1 && memcmp(name, LFENC_DIRIV_NAME, len) == 0) {
    return LFENC_NAME_DIRIV;
  }
  if (len == sizeof(LFENC_CONF_NAME) - 1 && memcmp(name, LFENC_CONF_NAME, len) == 0) {
    return LFENC_NAME_CONF;
  }
  if ((len != LFENC_LONGNAME_LEN && len != LFENC_LONGNAME_LEN + SUFFIX_LEN) ||
      memcmp(name, LFENC_LONGNAME_PREFIX, PREFIX_LEN) != 0) {
    return LFENC_NAME_ENCRYPTED;
  }
  for (i = PREFIX_LEN; i < LFENC_LONGNAME_LEN; i++) {
    if (!is_raw64_char(name[i])) return LFENC_NAME_ENCRYPTED;
  }
  if (len == LFENC_LONGNAME_LEN) return LFENC_NAME_LONG;
  if (memcmp(name + LFENC_LONGNAME_LEN, LFENC_LONGNAME_SUFFIX, SUFFIX_LEN) == 0) {
    return LFENC_NAME_LONG_NAMEFILE;
  }
  return LFENC_NAME_ENCRYPTED;
}
