/* EME as in the paper, with P_1..P_m the input blocks, E the block cipher (AES encryption to
 * encipher, AES decryption to decipher; only L always uses encryption):
 *
 *   L = 2 * E_K(0)
 *   PPP_j = E(P_j xor 2^(j-1) L)                       j = 1..m
 *   MP = PPP_1 xor ... xor PPP_m xor T
 *   MC = E(MP),  M = MP xor MC
 *   CCC_j = PPP_j xor 2^(j-1) M                         j = 2..m
 *   CCC_1 = MC xor CCC_2 xor ... xor CCC_m xor T
 *   C_j = E(CCC_j) xor 2^(j-1) L                        j = 1..m
 *
 * Multiplication by 2 is in GF(2^128) with the block read as a little-endian number (byte 0
 * least significant), reduced by x^128 + x^7 + x^2 + x + 1 (0x87), as in the EME-32 draft
 * and gocryptfs.  `out` is the working buffer throughout, which is why in-place works: each
 * input block is read before its output block is written. */
#include "layers/encrypt/core/eme.h"

#include "layers/encrypt/core/status.h"

#define BLK LFENC_AES_BLOCK_LEN

static void gf_double(uint8_t b[BLK]) {
  uint8_t carry = (uint8_t)(b[BLK - 1] >> 7);
  int i;

  for (i = BLK - 1; i > 0; i--) b[i] = (uint8_t)((b[i] << 1) | (b[i - 1] >> 7));
  /* Branch-free reduction: L and M derive from the key. */
  b[0] = (uint8_t)((b[0] << 1) ^ (0x87 & (uint8_t)(0 - carry)));
}

static void xor_into(uint8_t* dst, const uint8_t* src) {
  int i;

  for (i = 0; i < BLK; i++) dst[i] ^= src[i];
}

static void wipe(uint8_t* p, size_t len) {
  volatile uint8_t* v = p;

  while (len--) *v++ = 0;
}

static int eme_transform(const struct lfenc_crypto* crypto, const void* key,
                         const uint8_t tweak[LFENC_EME_TWEAK_LEN], const uint8_t* in, uint8_t* out,
                         size_t len, int encipher) {
  int (*cipher)(const void*, const uint8_t*, uint8_t*, size_t) =
      encipher ? crypto->aes256_encrypt_blocks : crypto->aes256_decrypt_blocks;
  uint8_t l0[BLK];
  uint8_t lj[BLK];
  uint8_t mp[BLK];
  uint8_t mc[BLK];
  uint8_t m[BLK];
  size_t nblocks = len / BLK;
  size_t j;
  int rc = LFENC_ERR_BACKEND;

  if (len == 0 || len % BLK != 0 || nblocks > LFENC_EME_MAX_BLOCKS) return LFENC_ERR_ARG;

  memset(l0, 0, BLK);
  if (crypto->aes256_encrypt_blocks(key, l0, l0, 1) != 0) goto out;
  gf_double(l0);

  /* out_j = P_j xor 2^(j-1) L, then PPP_j = E(out_j) in one batch. */
  memcpy(lj, l0, BLK);
  for (j = 0; j < nblocks; j++) {
    uint8_t* o = out + j * BLK;
    const uint8_t* p = in + j * BLK;
    int i;

    for (i = 0; i < BLK; i++) o[i] = (uint8_t)(p[i] ^ lj[i]);
    gf_double(lj);
  }
  if (cipher(key, out, out, nblocks) != 0) goto out;

  memcpy(mp, tweak, BLK);
  for (j = 0; j < nblocks; j++) xor_into(mp, out + j * BLK);
  if (cipher(key, mp, mc, 1) != 0) goto out;
  memcpy(m, mp, BLK);
  xor_into(m, mc);

  /* CCC_j for j >= 2, and CCC_1 from their sum. */
  memcpy(out, mc, BLK);
  xor_into(out, tweak);
  for (j = 1; j < nblocks; j++) {
    gf_double(m);
    xor_into(out + j * BLK, m);
    xor_into(out, out + j * BLK);
  }

  if (cipher(key, out, out, nblocks) != 0) goto out;
  memcpy(lj, l0, BLK);
  for (j = 0; j < nblocks; j++) {
    xor_into(out + j * BLK, lj);
    gf_double(lj);
  }
  rc = LFENC_OK;
out:
  wipe(l0, BLK);
  wipe(lj, BLK);
  wipe(mp, BLK);
  wipe(mc, BLK);
  wipe(m, BLK);
  if (rc != LFENC_OK) memset(out, 0, len);
  return rc;
}

int lfenc_eme_encrypt(const struct lfenc_crypto* crypto, const void* key,
                      const uint8_t tweak[LFENC_EME_TWEAK_LEN], const uint8_t* in, uint8_t* out,
                      size_t len) {
  return eme_transform(crypto, key, tweak, in, out, len, 1);
}

int lfenc_eme_decrypt(const struct lfenc_crypto* crypto, const void* key,
                      const uint8_t tweak[LFENC_EME_TWEAK_LEN], const uint8_t* in, uint8_t* out,
                      size_t len) {
  return eme_transform(crypto, key, tweak, in, out, len, 0);
}
