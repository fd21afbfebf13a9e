#include "layers/encrypt/core/name_codec.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "layers/encrypt/core/base64.h"
#include "layers/encrypt/core/eme.h"
#include "layers/encrypt/core/status.h"
#include "layers/encrypt/openssl_backend.h"
#include "tests/unit/encrypt/test_keys.h"

namespace loopfs::encrypt::testing {
namespace {

const lfenc_crypto* Crypto() { return &OpenSslCrypto(); }

const uint8_t kDirIv[16] = {9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 1, 2, 3, 4, 5, 6};

std::string Encrypt(const Aes256Key& key, const uint8_t* iv, std::string_view name) {
  char out[LFENC_ENCRYPTED_NAME_MAX + 1];
  size_t len = 0;
  EXPECT_EQ(lfenc_name_encrypt(Crypto(), key.handle(), iv, name.data(), name.size(), out,
                               sizeof(out), &len),
            LFENC_OK);
  return std::string(out, len);
}

int Decrypt(const Aes256Key& key, const uint8_t* iv, std::string_view stored, std::string* name) {
  char out[LFENC_NAME_MAX + 1];
  size_t len = 0;
  const int rc = lfenc_name_decrypt(Crypto(), key.handle(), iv, stored.data(), stored.size(), out,
                                    sizeof(out), &len);
  name->assign(out, len);
  return rc;
}

// Stored form of arbitrary padded bytes, to build hostile names.
std::string StoreRaw(const Aes256Key& key, const uint8_t* iv, std::vector<uint8_t> padded) {
  EXPECT_EQ(
      lfenc_eme_encrypt(Crypto(), key.handle(), iv, padded.data(), padded.data(), padded.size()),
      LFENC_OK);
  char out[1024];
  size_t len = 0;
  EXPECT_EQ(lfenc_base64_encode(LFENC_BASE64_URL_RAW, padded.data(), padded.size(), out,
                                sizeof(out), &len),
            LFENC_OK);
  return std::string(out, len);
}

TEST(Pad16, PadsAndUnpads) {
  uint8_t out[48];
  for (size_t len = 0; len <= 32; len++) {
    std::vector<uint8_t> in(len, 0x61);
    const size_t padded = lfenc_pad16(in.data(), len, out);
    ASSERT_EQ(padded % 16, 0u);
    ASSERT_GT(padded, len);
    ASSERT_LE(padded, len + 16);
    EXPECT_EQ(out[padded - 1], padded - len);
    size_t back = 0;
    ASSERT_EQ(lfenc_unpad16(out, padded, &back), LFENC_OK);
    EXPECT_EQ(back, len);
  }
}

TEST(Pad16, RefusesBadPadding) {
  uint8_t block[16];
  size_t len = 0;
  memset(block, 0, 16);
  EXPECT_EQ(lfenc_unpad16(block, 16, &len), LFENC_ERR_FORMAT);  // pad byte 0
  memset(block, 17, 16);
  EXPECT_EQ(lfenc_unpad16(block, 16, &len), LFENC_ERR_FORMAT);  // more than a block
  memset(block, 3, 16);
  block[13] = 4;
  EXPECT_EQ(lfenc_unpad16(block, 16, &len), LFENC_ERR_FORMAT);  // inconsistent
  block[13] = 3;
  EXPECT_EQ(lfenc_unpad16(block, 16, &len), LFENC_OK);
  EXPECT_EQ(len, 13u);
  EXPECT_EQ(lfenc_unpad16(block, 15, &len), LFENC_ERR_FORMAT);
  EXPECT_EQ(lfenc_unpad16(block, 0, &len), LFENC_ERR_FORMAT);
  memset(block, 16, 16);
  EXPECT_EQ(lfenc_unpad16(block, 16, &len), LFENC_OK);
  EXPECT_EQ(len, 0u);
}

TEST(NameCodec, ValidNames) {
  EXPECT_TRUE(lfenc_name_is_valid("a", 1));
  EXPECT_TRUE(lfenc_name_is_valid("...", 3));
  EXPECT_TRUE(lfenc_name_is_valid(".hidden", 7));
  EXPECT_FALSE(lfenc_name_is_valid("", 0));
  EXPECT_FALSE(lfenc_name_is_valid(".", 1));
  EXPECT_FALSE(lfenc_name_is_valid("..", 2));
  EXPECT_FALSE(lfenc_name_is_valid("a/b", 3));
  EXPECT_FALSE(lfenc_name_is_valid("a\0b", 3));
  const std::string n255(255, 'x'), n256(256, 'x');
  EXPECT_TRUE(lfenc_name_is_valid(n255.data(), 255));
  EXPECT_FALSE(lfenc_name_is_valid(n256.data(), 256));
}

TEST(NameCodec, RoundTripsEveryLength) {
  auto key = KeyFrom(21);
  for (size_t len = 1; len <= 255; len++) {
    std::string name(len, 'a');
    for (size_t i = 0; i < len; i++) name[i] = static_cast<char>('a' + (i * 7 + len) % 26);
    const std::string stored = Encrypt(*key, kDirIv, name);
    ASSERT_EQ(stored.size(), lfenc_base64_encoded_len(LFENC_BASE64_URL_RAW, (len / 16 + 1) * 16));
    EXPECT_EQ(lfenc_name_needs_longname(stored.size()), len >= 176) << len;
    std::string back;
    ASSERT_EQ(Decrypt(*key, kDirIv, stored, &back), LFENC_OK) << len;
    ASSERT_EQ(back, name);
  }
  const std::string unicode = "Grüße, 日本語 🙂";
  std::string back;
  ASSERT_EQ(Decrypt(*key, kDirIv, Encrypt(*key, kDirIv, unicode), &back), LFENC_OK);
  EXPECT_EQ(back, unicode);
}

TEST(NameCodec, DeterministicPerDirectory) {
  auto key = KeyFrom(22);
  uint8_t other_iv[16];
  memcpy(other_iv, kDirIv, 16);
  other_iv[0] ^= 1;
  EXPECT_EQ(Encrypt(*key, kDirIv, "report.txt"), Encrypt(*key, kDirIv, "report.txt"));
  EXPECT_NE(Encrypt(*key, kDirIv, "report.txt"), Encrypt(*key, other_iv, "report.txt"));
  EXPECT_NE(Encrypt(*key, kDirIv, "report.txt"), Encrypt(*KeyFrom(23), kDirIv, "report.txt"));
}

TEST(NameCodec, EncryptRefusesInvalidNames) {
  auto key = KeyFrom(24);
  char out[LFENC_ENCRYPTED_NAME_MAX + 1];
  size_t len = 0;
  for (std::string bad : {std::string(""), std::string("."), std::string(".."), std::string("a/b"),
                          std::string(256, 'x')}) {
    EXPECT_EQ(lfenc_name_encrypt(Crypto(), key->handle(), kDirIv, bad.data(), bad.size(), out,
                                 sizeof(out), &len),
              LFENC_ERR_ARG)
        << bad;
  }
  EXPECT_EQ(lfenc_name_encrypt(Crypto(), key->handle(), kDirIv, "abc", 3, out, 21, &len),
            LFENC_ERR_ARG);
}

TEST(NameCodec, DecryptRefusesDamage) {
  auto key = KeyFrom(25);  // fixed key: the outcomes below are deterministic
  const std::string stored = Encrypt(*key, kDirIv, "secret-plans.odt");
  std::string name;
  uint8_t other_iv[16];
  memcpy(other_iv, kDirIv, 16);
  other_iv[15] ^= 0x40;
  EXPECT_EQ(Decrypt(*key, other_iv, stored, &name), LFENC_ERR_FORMAT);  // corrupt diriv
  EXPECT_EQ(name, "");
  std::string flipped = stored;
  flipped[3] = flipped[3] == 'A' ? 'B' : 'A';
  EXPECT_EQ(Decrypt(*key, kDirIv, flipped, &name), LFENC_ERR_FORMAT);
  EXPECT_EQ(Decrypt(*key, kDirIv, stored.substr(0, 21), &name), LFENC_ERR_FORMAT);  // 15 bytes
  EXPECT_EQ(Decrypt(*key, kDirIv, stored + "AA", &name), LFENC_ERR_FORMAT);
  EXPECT_EQ(Decrypt(*key, kDirIv, "", &name), LFENC_ERR_FORMAT);
  EXPECT_EQ(Decrypt(*key, kDirIv, "gocryptfs.diriv", &name), LFENC_ERR_FORMAT);
  EXPECT_EQ(Decrypt(*key, kDirIv, std::string(343, 'A'), &name), LFENC_ERR_FORMAT);
  // Well-formed ciphertexts of things that are not names.
  auto padded = [](std::string_view s) {
    std::vector<uint8_t> out(s.size() + 16);
    out.resize(lfenc_pad16(reinterpret_cast<const uint8_t*>(s.data()), s.size(), out.data()));
    return out;
  };
  for (std::string_view bad : {std::string_view("a/b"), std::string_view(".."),
                               std::string_view("."), std::string_view("a\0b", 3)}) {
    EXPECT_EQ(Decrypt(*key, kDirIv, StoreRaw(*key, kDirIv, padded(bad)), &name), LFENC_ERR_FORMAT);
  }
  EXPECT_EQ(Decrypt(*key, kDirIv, StoreRaw(*key, kDirIv, std::vector<uint8_t>(16, 16)), &name),
            LFENC_ERR_FORMAT);  // empty name
  EXPECT_EQ(Decrypt(*key, kDirIv, StoreRaw(*key, kDirIv, std::vector<uint8_t>(16, 0)), &name),
            LFENC_ERR_FORMAT);  // bad padding
  // 272 padded bytes would be a 256..271-byte name: too long, and too long to store.
  EXPECT_EQ(Decrypt(*key, kDirIv, StoreRaw(*key, kDirIv, padded(std::string(256, 'z'))), &name),
            LFENC_ERR_FORMAT);
}

TEST(NameCodec, DecryptRefusesShortOutput) {
  auto key = KeyFrom(26);
  const std::string stored = Encrypt(*key, kDirIv, "twelve-bytes");
  char out[8];
  size_t len = 0;
  EXPECT_EQ(lfenc_name_decrypt(Crypto(), key->handle(), kDirIv, stored.data(), stored.size(), out,
                               sizeof(out), &len),
            LFENC_ERR_ARG);
}

TEST(LongNames, HashForm) {
  char out[LFENC_LONGNAME_LEN + 1];
  ASSERT_EQ(lfenc_longname_of(Crypto(), "abc", 3, out), LFENC_OK);
  // SHA-256("abc") in unpadded base64url.
  EXPECT_STREQ(out, "gocryptfs.longname.ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0");
  EXPECT_EQ(lfenc_name_kind_of(out, strlen(out)), LFENC_NAME_LONG);
  const std::string name_file = std::string(out) + ".name";
  EXPECT_EQ(lfenc_name_kind_of(name_file.data(), name_file.size()), LFENC_NAME_LONG_NAMEFILE);
}

TEST(LongNames, Kinds) {
  auto kind = [](std::string_view s) { return lfenc_name_kind_of(s.data(), s.size()); };
  EXPECT_EQ(kind("gocryptfs.diriv"), LFENC_NAME_DIRIV);
  EXPECT_EQ(kind("gocryptfs.conf"), LFENC_NAME_CONF);
  EXPECT_EQ(kind("gocryptfs.diri"), LFENC_NAME_ENCRYPTED);
  EXPECT_EQ(kind("AIVDKs_F79THV7mtFfj10g"), LFENC_NAME_ENCRYPTED);
  EXPECT_EQ(kind("gocryptfs.longname."), LFENC_NAME_ENCRYPTED);
  EXPECT_EQ(kind("gocryptfs.longname.ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa"),
            LFENC_NAME_ENCRYPTED);  // one short
  EXPECT_EQ(kind("gocryptfs.longname.ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0"),
            LFENC_NAME_ENCRYPTED);  // not base64url
  EXPECT_EQ(kind("gocryptfs.longname.ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0.nam2"),
            LFENC_NAME_ENCRYPTED);
}

}  // namespace
}  // namespace loopfs::encrypt::testing
