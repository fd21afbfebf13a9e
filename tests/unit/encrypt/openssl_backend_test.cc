#include "layers/encrypt/openssl_backend.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "layers/encrypt/core/block_codec.h"
#include "layers/encrypt/core/status.h"
#include "tests/unit/encrypt/test_keys.h"

namespace loopfs::encrypt::testing {
namespace {

// RFC 5869 test case 3: SHA-256 with empty salt and info, the way gocryptfs calls HKDF.
TEST(OpenSslBackend, HkdfRfc5869EmptySalt) {
  const std::vector<uint8_t> ikm(22, 0x0b);
  std::vector<uint8_t> okm(42);
  ASSERT_TRUE(HkdfSha256(ikm, "", okm));
  EXPECT_EQ(Hex(okm.data(), okm.size()),
            "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8");
}

// RFC 7914 section 12, second vector.
TEST(OpenSslBackend, ScryptRfc7914) {
  const std::string salt = "NaCl";
  std::vector<uint8_t> out(64);
  ASSERT_TRUE(Scrypt("password",
                     std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(salt.data()), 4),
                     1024, 8, 16, out));
  EXPECT_EQ(Hex(out.data(), out.size()),
            "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162"
            "2eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640");
}

TEST(OpenSslBackend, ScryptRefusesHostileParameters) {
  const std::vector<uint8_t> salt(32, 1);
  std::vector<uint8_t> out(32);
  EXPECT_FALSE(Scrypt("pw", salt, 1000, 8, 1, out));  // not a power of two
  EXPECT_FALSE(Scrypt("pw", salt, 0, 8, 1, out));
  EXPECT_FALSE(Scrypt("pw", salt, 1024, 0, 1, out));
  EXPECT_FALSE(Scrypt("pw", salt, 1024, 8, 0, out));
  EXPECT_FALSE(Scrypt("pw", salt, uint64_t{1} << 40, 8, 1, out));  // 128 TiB
  EXPECT_FALSE(Scrypt("pw", salt, 1024, uint64_t{1} << 40, 1, out));
  EXPECT_FALSE(Scrypt("pw", salt, 1024, 8, uint64_t{1} << 62, out));
  EXPECT_FALSE(Scrypt("pw", salt, uint64_t{1} << 63, 1, 1, out));
}

TEST(OpenSslBackend, ConstantTimeEqual) {
  const std::vector<uint8_t> a = {1, 2, 3}, b = {1, 2, 3}, c = {1, 2, 4}, d = {1, 2};
  EXPECT_TRUE(ConstantTimeEqual(a, b));
  EXPECT_FALSE(ConstantTimeEqual(a, c));
  EXPECT_FALSE(ConstantTimeEqual(a, d));
}

TEST(OpenSslBackend, RandomBytesDiffer) {
  std::vector<uint8_t> a(32), b(32);
  ASSERT_TRUE(RandomBytes(a));
  ASSERT_TRUE(RandomBytes(b));
  EXPECT_NE(a, b);
}

TEST(OpenSslBackend, Sha256) {
  uint8_t digest[32];
  ASSERT_EQ(OpenSslCrypto().sha256(reinterpret_cast<const uint8_t*>("abc"), 3, digest), 0);
  EXPECT_EQ(Hex(digest, 32), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

// AES-256 single blocks: FIPS-197 appendix C.3.
TEST(OpenSslBackend, AesBlocksFips197) {
  auto key =
      KeyFromBytes(Unhex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"));
  auto in = Unhex("00112233445566778899aabbccddeeff");
  std::vector<uint8_t> out(16);
  ASSERT_EQ(OpenSslCrypto().aes256_encrypt_blocks(key->handle(), in.data(), out.data(), 1), 0);
  EXPECT_EQ(Hex(out.data(), 16), "8ea2b7ca516745bfeafc49904b496089");
  ASSERT_EQ(OpenSslCrypto().aes256_decrypt_blocks(key->handle(), out.data(), out.data(), 1), 0);
  EXPECT_EQ(out, in);
}

// Worker threads share one key: the context pool must keep them apart.
TEST(OpenSslBackend, ConcurrentSealAndOpen) {
  auto key = KeyFrom(40);
  const uint8_t file_id[16] = {3};
  std::vector<std::thread> threads;
  threads.reserve(4);
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; t++) {
    threads.emplace_back([&, t] {
      std::vector<uint8_t> plain(4096, static_cast<uint8_t>(t)), sealed(4128), back(4096);
      for (int i = 0; i < 200; i++) {
        size_t len = 0;
        if (lfenc_block_seal(&OpenSslCrypto(), key->handle(), i, file_id, plain.data(), 4096,
                             sealed.data(), sealed.size(), &len) != LFENC_OK ||
            lfenc_block_open(&OpenSslCrypto(), key->handle(), i, file_id, sealed.data(), len,
                             back.data(), back.size(), &len) != LFENC_OK ||
            back != plain) {
          failures++;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace loopfs::encrypt::testing
