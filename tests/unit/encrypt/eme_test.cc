#include "layers/encrypt/core/eme.h"

#include <gtest/gtest.h>

#include <vector>

#include "layers/encrypt/core/status.h"
#include "layers/encrypt/openssl_backend.h"
#include "tests/unit/encrypt/eme_vectors.h"
#include "tests/unit/encrypt/test_keys.h"

namespace loopfs::encrypt::testing {
namespace {

const lfenc_crypto* Crypto() { return &OpenSslCrypto(); }

std::unique_ptr<Aes256Key> ZeroKey() { return KeyFromBytes(std::vector<uint8_t>(32, 0)); }

const uint8_t kZeroTweak[16] = {};

std::vector<uint8_t> Transform(const Aes256Key& key, const uint8_t* tweak,
                               const std::vector<uint8_t>& in, bool encrypt) {
  std::vector<uint8_t> out(in.size());
  const int rc =
      encrypt ? lfenc_eme_encrypt(Crypto(), key.handle(), tweak, in.data(), out.data(), in.size())
              : lfenc_eme_decrypt(Crypto(), key.handle(), tweak, in.data(), out.data(), in.size());
  EXPECT_EQ(rc, LFENC_OK);
  return out;
}

TEST(Eme, PublishedVectors) {
  auto key = ZeroKey();
  struct Case {
    size_t len;
    bool encrypt;
    const char* expect;
  } cases[] = {{16, true, kEmeEncrypt16},
               {512, true, kEmeEncrypt512},
               {512, false, kEmeDecrypt512},
               {2048, true, kEmeEncrypt2048}};
  for (const Case& c : cases) {
    const auto expect = Unhex(c.expect);
    ASSERT_EQ(expect.size(), c.len);
    const std::vector<uint8_t> zeros(c.len, 0);
    EXPECT_EQ(Transform(*key, kZeroTweak, zeros, c.encrypt), expect)
        << c.len << (c.encrypt ? " encrypt" : " decrypt");
    // And back the other way.
    EXPECT_EQ(Transform(*key, kZeroTweak, expect, !c.encrypt), zeros);
  }
}

TEST(Eme, RoundTripsEveryLengthInPlace) {
  auto key = KeyFrom(11);
  uint8_t tweak[16];
  for (int i = 0; i < 16; i++) tweak[i] = static_cast<uint8_t>(i * 7);
  for (size_t len = 16; len <= 2048; len += 16) {
    std::vector<uint8_t> data(len);
    for (size_t i = 0; i < len; i++) data[i] = static_cast<uint8_t>(i * 13 + len);
    const auto original = data;
    ASSERT_EQ(lfenc_eme_encrypt(Crypto(), key->handle(), tweak, data.data(), data.data(), len),
              LFENC_OK);
    ASSERT_NE(data, original);
    ASSERT_EQ(Transform(*key, tweak, original, true), data) << "in place differs, " << len;
    ASSERT_EQ(lfenc_eme_decrypt(Crypto(), key->handle(), tweak, data.data(), data.data(), len),
              LFENC_OK);
    ASSERT_EQ(data, original) << len;
  }
}

// A wide-block mode: one flipped input bit changes every output block; so does the tweak.
TEST(Eme, EveryBlockDependsOnEveryInputBitAndTheTweak) {
  auto key = KeyFrom(12);
  const std::vector<uint8_t> in(256, 0x41);
  const auto base = Transform(*key, kZeroTweak, in, true);
  auto flipped_in = in;
  flipped_in[255] ^= 1;
  const auto flipped = Transform(*key, kZeroTweak, flipped_in, true);
  uint8_t tweak[16] = {1};
  const auto tweaked = Transform(*key, tweak, in, true);
  for (size_t block = 0; block < 16; block++) {
    EXPECT_NE(0, memcmp(base.data() + block * 16, flipped.data() + block * 16, 16)) << block;
    EXPECT_NE(0, memcmp(base.data() + block * 16, tweaked.data() + block * 16, 16)) << block;
  }
}

TEST(Eme, RefusesBadLengths) {
  auto key = KeyFrom(13);
  std::vector<uint8_t> buf(2064, 0);
  for (size_t len : {0u, 1u, 15u, 17u, 2047u, 2064u}) {
    EXPECT_EQ(lfenc_eme_encrypt(Crypto(), key->handle(), kZeroTweak, buf.data(), buf.data(), len),
              LFENC_ERR_ARG)
        << len;
    EXPECT_EQ(lfenc_eme_decrypt(Crypto(), key->handle(), kZeroTweak, buf.data(), buf.data(), len),
              LFENC_ERR_ARG)
        << len;
  }
}

int FailingBlocks(const void*, const uint8_t*, uint8_t*, size_t) { return -1; }

TEST(Eme, BackendFailureLeavesNoOutput) {
  auto key = KeyFrom(14);
  lfenc_crypto failing = OpenSslCrypto();
  failing.aes256_decrypt_blocks = FailingBlocks;
  std::vector<uint8_t> in(32, 5), out(32, 9);
  EXPECT_EQ(lfenc_eme_decrypt(&failing, key->handle(), kZeroTweak, in.data(), out.data(), 32),
            LFENC_ERR_BACKEND);
  EXPECT_EQ(out, std::vector<uint8_t>(32, 0));
}

}  // namespace
}  // namespace loopfs::encrypt::testing
