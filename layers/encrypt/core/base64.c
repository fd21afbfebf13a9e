#include "layers/encrypt/core/base64.h"

#include "layers/encrypt/core/status.h"

static const char kUrl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
static const char kStd[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Value of an alphabet character, or -1.  A comparison chain rather than a table keeps it
 * small; names and config fields are short. */
static int sextet(enum lfenc_base64_variant variant, unsigned char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (variant == LFENC_BASE64_URL_RAW) {
    if (c == '-') return 62;
    if (c == '_') return 63;
  } else {
    if (c == '+') return 62;
    if (c == '/') return 63;
  }
  return -1;
}

size_t lfenc_base64_encoded_len(enum lfenc_base64_variant variant, size_t len) {
  if (variant == LFENC_BASE64_STD_PAD) return (len + 2) / 3 * 4;
  return len / 3 * 4 + (len % 3 == 0 ? 0 : len % 3 + 1);
}

int lfenc_base64_encode(enum lfenc_base64_variant variant, const uint8_t* in, size_t len, char* out,
                        size_t out_cap, size_t* out_len) {
  const char* alphabet = variant == LFENC_BASE64_URL_RAW ? kUrl : kStd;
  size_t need;
  size_t i;
  size_t o = 0;

  if (len > ((size_t)-1) / 2) return LFENC_ERR_ARG;
  need = lfenc_base64_encoded_len(variant, len);
  if (out_cap < need) return LFENC_ERR_ARG;
  for (i = 0; i + 3 <= len; i += 3) {
    uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];

    out[o++] = alphabet[v >> 18];
    out[o++] = alphabet[(v >> 12) & 63];
    out[o++] = alphabet[(v >> 6) & 63];
    out[o++] = alphabet[v & 63];
  }
  if (len - i == 1) {
    uint32_t v = (uint32_t)in[i] << 16;

    out[o++] = alphabet[v >> 18];
    out[o++] = alphabet[(v >> 12) & 63];
    if (variant == LFENC_BASE64_STD_PAD) {
      out[o++] = '=';
      out[o++] = '=';
    }
  } else if (len - i == 2) {
    uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;

    out[o++] = alphabet[v >> 18];
    out[o++] = alphabet[(v >> 12) & 63];
    out[o++] = alphabet[(v >> 6) & 63];
    if (variant == LFENC_BASE64_STD_PAD) out[o++] = '=';
  }
  if (o < out_cap) out[o] = '\0';
  *out_len = o;
  return LFENC_OK;
}

int lfenc_base64_decode(enum lfenc_base64_variant variant, const char* in, size_t len, uint8_t* out,
                        size_t out_cap, size_t* out_len) {
  size_t pad = 0;
  size_t chars;
  size_t need;
  size_t i;
  size_t o = 0;
  uint32_t acc = 0;
  int bits = 0;

  *out_len = 0;
  if (variant == LFENC_BASE64_STD_PAD) {
    if (len % 4 != 0) return LFENC_ERR_FORMAT;
    while (pad < 2 && pad < len && in[len - 1 - pad] == '=') pad++;
  }
  chars = len - pad;
  if (chars % 4 == 1) return LFENC_ERR_FORMAT;
  need = chars / 4 * 3 + (chars % 4 == 0 ? 0 : chars % 4 - 1);
  if (out_cap < need) return LFENC_ERR_ARG;
  for (i = 0; i < chars; i++) {
    int v = sextet(variant, (unsigned char)in[i]);

    if (v < 0) return LFENC_ERR_FORMAT;
    acc = (acc << 6) | (uint32_t)v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (uint8_t)(acc >> bits);
      acc &= (1u << bits) - 1;
    }
  }
  /* Leftover bits must be zero: the encoder never sets them. */
  if (acc != 0) return LFENC_ERR_FORMAT;
  *out_len = o;
  return LFENC_OK;
}
