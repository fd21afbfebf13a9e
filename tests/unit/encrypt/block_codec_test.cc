#include "layers/encrypt/core/block_codec.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "layers/encrypt/core/status.h"
#include "layers/encrypt/openssl_backend.h"
#include "tests/unit/encrypt/test_keys.h"

namespace loopfs::encrypt::testing {
namespace {

const lfenc_crypto* Crypto() { return &OpenSslCrypto(); }

const uint8_t kFileId[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

std::vector<uint8_t> Plain(size_t len, uint8_t seed = 7) {
  std::vector<uint8_t> p(len);
  for (size_t i = 0; i < len; i++) p[i] = static_cast<uint8_t>(seed + i * 31);
  return p;
}

std::vector<uint8_t> Seal(const Aes256Key& key, uint64_t block_no, const uint8_t* file_id,
                          const std::vector<uint8_t>& plain) {
  std::vector<uint8_t> out(plain.size() + LFENC_BLOCK_OVERHEAD);
  size_t len = 0;
  EXPECT_EQ(lfenc_block_seal(Crypto(), key.handle(), block_no, file_id, plain.data(), plain.size(),
                             out.data(), out.size(), &len),
            LFENC_OK);
  EXPECT_EQ(len, out.size());
  return out;
}

int Open(const Aes256Key& key, uint64_t block_no, const uint8_t* file_id,
         const std::vector<uint8_t>& in, std::vector<uint8_t>* plain) {
  plain->assign(LFENC_PLAIN_BLOCK_LEN, 0xee);
  size_t len = 0;
  const int rc = lfenc_block_open(Crypto(), key.handle(), block_no, file_id, in.data(), in.size(),
                                  plain->data(), plain->size(), &len);
  if (rc == LFENC_OK) {
    plain->resize(len);
  } else {
    EXPECT_EQ(len, 0u);
  }
  return rc;
}

bool AllZero(const std::vector<uint8_t>& v) {
  for (uint8_t b : v) {
    if (b != 0) return false;
  }
  return true;
}

TEST(FileHeader, WriteAndParse) {
  uint8_t header[LFENC_HEADER_LEN];
  lfenc_header_write(kFileId, header);
  EXPECT_EQ(header[0], 0);
  EXPECT_EQ(header[1], 2);
  uint8_t id[16];
  ASSERT_EQ(lfenc_header_parse(header, sizeof(header), id), LFENC_OK);
  EXPECT_EQ(0, memcmp(id, kFileId, 16));
}

TEST(FileHeader, RefusesBadHeaders) {
  uint8_t header[LFENC_HEADER_LEN];
  uint8_t id[16];
  lfenc_header_write(kFileId, header);
  EXPECT_EQ(lfenc_header_parse(header, 17, id), LFENC_ERR_SIZE);
  EXPECT_EQ(lfenc_header_parse(header, 19, id), LFENC_ERR_SIZE);
  header[1] = 1;
  EXPECT_EQ(lfenc_header_parse(header, 18, id), LFENC_ERR_FORMAT);
  header[1] = 2;
  header[0] = 1;  // version 258
  EXPECT_EQ(lfenc_header_parse(header, 18, id), LFENC_ERR_FORMAT);
  uint8_t zero[LFENC_HEADER_LEN] = {};
  EXPECT_EQ(lfenc_header_parse(zero, 18, id), LFENC_ERR_FORMAT);
}

TEST(FileHeader, NewHeadersHaveRandomIds) {
  uint8_t id1[16], id2[16], h1[18], h2[18];
  ASSERT_EQ(lfenc_header_new(Crypto(), id1, h1), LFENC_OK);
  ASSERT_EQ(lfenc_header_new(Crypto(), id2, h2), LFENC_OK);
  EXPECT_NE(0, memcmp(id1, id2, 16));
  EXPECT_EQ(0, memcmp(h1 + 2, id1, 16));
}

TEST(BlockCodec, AssociatedDataLayout) {
  uint8_t ad[LFENC_AD_MAX_LEN];
  ASSERT_EQ(lfenc_block_ad(0x0102030405060708ull, kFileId, ad), 24u);
  EXPECT_EQ(Hex(ad, 24), "0102030405060708" + Hex(kFileId, 16));
  ASSERT_EQ(lfenc_block_ad(5, nullptr, ad), 8u);
  EXPECT_EQ(Hex(ad, 8), "0000000000000005");
}

TEST(BlockCodec, RoundTripsEveryInterestingLength) {
  auto key = KeyFrom(1);
  for (size_t len : {1u, 15u, 16u, 17u, 100u, 4095u, 4096u}) {
    const auto plain = Plain(len);
    const auto sealed = Seal(*key, 3, kFileId, plain);
    std::vector<uint8_t> back;
    ASSERT_EQ(Open(*key, 3, kFileId, sealed, &back), LFENC_OK) << len;
    EXPECT_EQ(back, plain);
  }
}

TEST(BlockCodec, NoncesAreFreshAndNeverZero) {
  auto key = KeyFrom(1);
  const auto a = Seal(*key, 0, kFileId, Plain(10));
  const auto b = Seal(*key, 0, kFileId, Plain(10));
  EXPECT_NE(a, b);
  EXPECT_FALSE(AllZero(std::vector<uint8_t>(a.begin(), a.begin() + 16)));
}

TEST(BlockCodec, SealRefusesBadArguments) {
  auto key = KeyFrom(1);
  std::vector<uint8_t> out(LFENC_CIPHER_BLOCK_LEN + 10);
  const auto plain = Plain(4097);
  size_t len = 0;
  EXPECT_EQ(lfenc_block_seal(Crypto(), key->handle(), 0, kFileId, plain.data(), 0, out.data(),
                             out.size(), &len),
            LFENC_ERR_ARG);
  EXPECT_EQ(lfenc_block_seal(Crypto(), key->handle(), 0, kFileId, plain.data(), 4097, out.data(),
                             out.size(), &len),
            LFENC_ERR_ARG);
  EXPECT_EQ(lfenc_block_seal(Crypto(), key->handle(), 0, kFileId, plain.data(), 100, out.data(),
                             131, &len),
            LFENC_ERR_ARG);
}

// Flipping any bit of nonce, ciphertext or tag makes open fail and output nothing.
TEST(BlockCodec, EveryTamperedByteIsRefused) {
  auto key = KeyFrom(2);
  for (size_t len : {1u, 4096u}) {
    const auto sealed = Seal(*key, 9, kFileId, Plain(len));
    for (size_t i = 0; i < sealed.size(); i++) {
      auto bad = sealed;
      bad[i] ^= static_cast<uint8_t>(1u << (i % 8));
      std::vector<uint8_t> out;
      ASSERT_EQ(Open(*key, 9, kFileId, bad, &out), LFENC_ERR_AUTH) << "byte " << i;
      ASSERT_TRUE(AllZero(std::vector<uint8_t>(out.begin(), out.begin() + len)));
    }
  }
}

TEST(BlockCodec, WrongPlaceOrKeyIsRefused) {
  auto key = KeyFrom(3);
  const auto sealed = Seal(*key, 9, kFileId, Plain(300));
  std::vector<uint8_t> out;
  EXPECT_EQ(Open(*key, 8, kFileId, sealed, &out), LFENC_ERR_AUTH);  // block moved
  EXPECT_EQ(Open(*key, 9 + (1ull << 32), kFileId, sealed, &out), LFENC_ERR_AUTH);
  uint8_t other_id[16];
  memcpy(other_id, kFileId, 16);
  other_id[15] ^= 0x80;
  EXPECT_EQ(Open(*key, 9, other_id, sealed, &out), LFENC_ERR_AUTH);        // other file
  EXPECT_EQ(Open(*key, 9, nullptr, sealed, &out), LFENC_ERR_AUTH);         // no file id
  EXPECT_EQ(Open(*KeyFrom(4), 9, kFileId, sealed, &out), LFENC_ERR_AUTH);  // other key
  ASSERT_EQ(Open(*key, 9, kFileId, sealed, &out), LFENC_OK);
}

TEST(BlockCodec, TruncatedAndOversizedBlocks) {
  auto key = KeyFrom(5);
  const auto sealed = Seal(*key, 0, kFileId, Plain(4096));
  std::vector<uint8_t> out;
  for (size_t len : {0u, 1u, 16u, 32u}) {
    EXPECT_EQ(
        Open(*key, 0, kFileId, std::vector<uint8_t>(sealed.begin(), sealed.begin() + len), &out),
        LFENC_ERR_SIZE)
        << len;
  }
  EXPECT_EQ(Open(*key, 0, kFileId, std::vector<uint8_t>(sealed.begin(), sealed.end() - 1), &out),
            LFENC_ERR_AUTH);
  auto longer = sealed;
  longer.push_back(0);
  EXPECT_EQ(Open(*key, 0, kFileId, longer, &out), LFENC_ERR_SIZE);
}

TEST(BlockCodec, OpenRefusesShortOutput) {
  auto key = KeyFrom(5);
  const auto sealed = Seal(*key, 0, kFileId, Plain(100));
  std::vector<uint8_t> out(99);
  size_t len = 0;
  EXPECT_EQ(lfenc_block_open(Crypto(), key->handle(), 0, kFileId, sealed.data(), sealed.size(),
                             out.data(), out.size(), &len),
            LFENC_ERR_ARG);
}

TEST(BlockCodec, HolesReadAsZeros) {
  auto key = KeyFrom(6);
  std::vector<uint8_t> hole(LFENC_CIPHER_BLOCK_LEN, 0);
  EXPECT_TRUE(lfenc_block_is_hole(hole.data(), hole.size()));
  std::vector<uint8_t> out;
  ASSERT_EQ(Open(*key, 12, kFileId, hole, &out), LFENC_OK);
  EXPECT_EQ(out.size(), 4096u);
  EXPECT_TRUE(AllZero(out));
  // A short run of zeros is not a hole but a block with an all-zero nonce: refused.
  hole.pop_back();
  EXPECT_FALSE(lfenc_block_is_hole(hole.data(), hole.size()));
  EXPECT_EQ(Open(*key, 12, kFileId, hole, &out), LFENC_ERR_AUTH);
  // An all-zero nonce in front of a real ciphertext is refused too.
  auto sealed = Seal(*key, 0, kFileId, Plain(50));
  std::fill(sealed.begin(), sealed.begin() + 16, 0);
  EXPECT_EQ(Open(*key, 0, kFileId, sealed, &out), LFENC_ERR_AUTH);
  // One nonzero byte anywhere in a full block makes it data, which then fails to verify.
  std::vector<uint8_t> almost(LFENC_CIPHER_BLOCK_LEN, 0);
  almost[2000] = 1;
  EXPECT_EQ(Open(*key, 0, kFileId, almost, &out), LFENC_ERR_AUTH);
}

// The backend is pluggable: a deterministic random source gives reproducible blocks, and a
// failing backend surfaces as LFENC_ERR_BACKEND.
int FixedRandom(uint8_t* out, size_t len) {
  for (size_t i = 0; i < len; i++) out[i] = static_cast<uint8_t>(0xa0 + i);
  return 0;
}
int ZeroRandom(uint8_t* out, size_t len) {
  memset(out, 0, len);
  return 0;
}
int FailingRandom(uint8_t*, size_t) { return -1; }
int FailingSeal(const void*, const uint8_t*, const uint8_t*, size_t, const uint8_t*, size_t,
                uint8_t*, uint8_t*) {
  return -1;
}

TEST(BlockCodec, PluggableBackend) {
  auto key = KeyFrom(7);
  lfenc_crypto fixed = OpenSslCrypto();
  fixed.random_bytes = FixedRandom;
  const auto plain = Plain(64);
  std::vector<uint8_t> a(96), b(96);
  size_t len = 0;
  ASSERT_EQ(
      lfenc_block_seal(&fixed, key->handle(), 1, kFileId, plain.data(), 64, a.data(), 96, &len),
      LFENC_OK);
  ASSERT_EQ(
      lfenc_block_seal(&fixed, key->handle(), 1, kFileId, plain.data(), 64, b.data(), 96, &len),
      LFENC_OK);
  EXPECT_EQ(a, b);
  EXPECT_EQ(Hex(a.data(), 16), "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf");

  lfenc_crypto zero = OpenSslCrypto();
  zero.random_bytes = ZeroRandom;  // would give the all-zero nonce gocryptfs refuses
  EXPECT_EQ(
      lfenc_block_seal(&zero, key->handle(), 1, kFileId, plain.data(), 64, a.data(), 96, &len),
      LFENC_ERR_BACKEND);
  lfenc_crypto failing = OpenSslCrypto();
  failing.random_bytes = FailingRandom;
  EXPECT_EQ(
      lfenc_block_seal(&failing, key->handle(), 1, kFileId, plain.data(), 64, a.data(), 96, &len),
      LFENC_ERR_BACKEND);
  uint8_t id[16], header[18];
  EXPECT_EQ(lfenc_header_new(&failing, id, header), LFENC_ERR_BACKEND);
  failing = OpenSslCrypto();
  failing.aes256gcm_seal = FailingSeal;
  EXPECT_EQ(
      lfenc_block_seal(&failing, key->handle(), 1, kFileId, plain.data(), 64, a.data(), 96, &len),
      LFENC_ERR_BACKEND);
}

}  // namespace
}  // namespace loopfs::encrypt::testing
