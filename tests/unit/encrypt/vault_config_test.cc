#include "layers/encrypt/vault_config.h"

#include <gtest/gtest.h>

#include <string>

#include "layers/encrypt/core/block_codec.h"
#include "layers/encrypt/core/name_codec.h"
#include "layers/encrypt/core/status.h"
#include "tests/unit/encrypt/test_keys.h"

namespace loopfs::encrypt::testing {
namespace {

// Known answers from a vault made by gocryptfs 2.3 (Debian 12):
//   gocryptfs -init -extpass "echo pw" -scryptn 10; echo hi > a; echo y > $(printf 'x%.0s'
//   {1..255})
constexpr char kGocryptfsConf[] =
    "{\n\t\"Creator\": \"gocryptfs 2.3\",\n\t\"EncryptedKey\": "
    "\"gktv1IzMfmmpntK75jLjtOh6JOTwR9AJc1QCv4EVFxsZveZuyB36YNFlaJH/Fi1MNs/20/wVLMySDeJtnmZgJQ==\","
    "\n\t\"ScryptObject\": {\n\t\t\"Salt\": \"9waJOV8gJRNy4IlY5vTZDAltSeOFfCc5Adw6deT/yyU=\",\n\t\t"
    "\"N\": 1024,\n\t\t\"R\": 8,\n\t\t\"P\": 1,\n\t\t\"KeyLen\": 32\n\t},\n\t\"Version\": 2,\n\t"
    "\"FeatureFlags\": [\n\t\t\"HKDF\",\n\t\t\"GCMIV128\",\n\t\t\"DirIV\",\n\t\t\"EMENames\",\n\t\t"
    "\"LongNames\",\n\t\t\"Raw64\"\n\t]\n}\n";
constexpr char kRootDirIv[] = "20dbaf482e0775c43862e527bc1585a5";
constexpr char kNameOfA[] = "AIVDKs_F79THV7mtFfj10g";
constexpr char kContentOfA[] =
    "000294f510b2f9982f90decb3eac72536b5c6844de384fff5ecbeaccbc68645041d2c182fa037400538ed3cc7b1e"
    "00c0fa116523e6";
constexpr char kLongName[] = "gocryptfs.longname.TItR7kYOvx8P-RJTgLO3gns0CWxlPqI3q7OOrl7xmvM";
constexpr char kLongNameFile[] =
    "ODQDy5MGF0Dq1-x_j_spVwaeOZot57FIjwicD3oUE3iVpC4imFIZIYQ9mDG5JQBKflV-ygIzWJCaQcdb63_nZopJhGc5uS"
    "_Rc0edyrh5RfPDKdcD4YtVkyp0HQ4eNYbt-5-w1y_6GSxlwYQNMeRVKDMphlJT4WONqGbMKCncf6r9bn8BWQ1Te3Ae59AN"
    "3rTgo2FZoFExYjyuO0I18-cmb9SfVs12AcO6OqDvX02PQ2BvpbobX4oeo6WWNY2QwLBrspjHWHHJJvuPjo8hs5o_ZBBlXB"
    "NMG9ptWv5gKA8BsTnZaNpIS1yHYBwGSyK61PhNNJ_oBHuaOlTd2Kpv5iP9rA";
constexpr char kContentOfLong[] =
    "0002f40fdb52ad308d3377e9dad1d70cea8318791ff734af617928d3e8f77a89fa4debde064f2d2ceb408ab4a667"
    "0b5b94859df9";

const lfenc_crypto* Crypto() { return &OpenSslCrypto(); }

std::string DecryptFile(const VaultKeys& keys, const std::vector<uint8_t>& cipher) {
  uint8_t id[16];
  EXPECT_EQ(lfenc_header_parse(cipher.data(), LFENC_HEADER_LEN, id), LFENC_OK);
  uint8_t plain[4096];
  size_t len = 0;
  EXPECT_EQ(lfenc_block_open(Crypto(), keys.content->handle(), 0, id, cipher.data() + 18,
                             cipher.size() - 18, plain, sizeof(plain), &len),
            LFENC_OK);
  return std::string(reinterpret_cast<char*>(plain), len);
}

TEST(VaultConfig, KnownAnswersFromGocryptfs) {
  std::string error;
  auto config = ParseVaultConfig(kGocryptfsConf, &error);
  ASSERT_TRUE(config) << error;
  EXPECT_EQ(config->creator, "gocryptfs 2.3");
  EXPECT_EQ(config->scrypt.n, 1024u);
  EXPECT_EQ(config->scrypt.salt.size(), 32u);
  SecretKey master;
  ASSERT_TRUE(UnlockMasterKey(*config, "pw", &master, &error)) << error;
  VaultKeys keys;
  ASSERT_TRUE(DeriveVaultKeys(master, &keys));

  const auto iv = Unhex(kRootDirIv);
  char name[256];
  size_t len = 0;
  ASSERT_EQ(lfenc_name_decrypt(Crypto(), keys.names->handle(), iv.data(), kNameOfA,
                               strlen(kNameOfA), name, sizeof(name), &len),
            LFENC_OK);
  EXPECT_EQ(std::string(name, len), "a");
  EXPECT_EQ(DecryptFile(keys, Unhex(kContentOfA)), "hi\n");

  char long_form[LFENC_LONGNAME_LEN + 1];
  ASSERT_EQ(lfenc_longname_of(Crypto(), kLongNameFile, strlen(kLongNameFile), long_form), LFENC_OK);
  EXPECT_STREQ(long_form, kLongName);
  ASSERT_EQ(lfenc_name_decrypt(Crypto(), keys.names->handle(), iv.data(), kLongNameFile,
                               strlen(kLongNameFile), name, sizeof(name), &len),
            LFENC_OK);
  EXPECT_EQ(std::string(name, len), std::string(255, 'x'));
  EXPECT_EQ(DecryptFile(keys, Unhex(kContentOfLong)), "y\n");

  // Our encryption of the same names under the same diriv is byte-identical (EME is
  // deterministic), which is what lookups by name rely on.
  char stored[LFENC_ENCRYPTED_NAME_MAX + 1];
  ASSERT_EQ(lfenc_name_encrypt(Crypto(), keys.names->handle(), iv.data(), "a", 1, stored,
                               sizeof(stored), &len),
            LFENC_OK);
  EXPECT_EQ(std::string(stored, len), kNameOfA);
}

TEST(VaultConfig, WrongPassphrase) {
  std::string error;
  auto config = ParseVaultConfig(kGocryptfsConf, &error);
  ASSERT_TRUE(config);
  SecretKey master;
  EXPECT_FALSE(UnlockMasterKey(*config, "pW", &master, &error));
  EXPECT_NE(error.find("wrong passphrase"), std::string::npos) << error;
  config->encrypted_key[40] ^= 1;
  EXPECT_FALSE(UnlockMasterKey(*config, "pw", &master, &error));
}

TEST(VaultConfig, SerializeParseRoundTrip) {
  std::string error;
  auto config = ParseVaultConfig(kGocryptfsConf, &error);
  ASSERT_TRUE(config);
  EXPECT_EQ(SerializeVaultConfig(*config), kGocryptfsConf);  // gocryptfs's own layout
}

TEST(VaultConfig, CreateAndUnlock) {
  SecretKey master;
  ASSERT_TRUE(RandomBytes(master.bytes()));
  std::string error;
  auto config = CreateVaultConfig("new passphrase", master, 10, &error);
  ASSERT_TRUE(config) << error;
  auto parsed = ParseVaultConfig(SerializeVaultConfig(*config), &error);
  ASSERT_TRUE(parsed) << error;
  SecretKey back;
  ASSERT_TRUE(UnlockMasterKey(*parsed, "new passphrase", &back, &error)) << error;
  EXPECT_TRUE(ConstantTimeEqual(back.bytes(), master.bytes()));
  EXPECT_FALSE(CreateVaultConfig("pw", master, 9, &error));  // too weak
  EXPECT_FALSE(CreateVaultConfig("pw", master, 64, &error));
}

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return text.replace(at, from.size(), to);
}

void ExpectRefused(const std::string& json, const std::string& message_part) {
  std::string error;
  EXPECT_FALSE(ParseVaultConfig(json, &error)) << json;
  EXPECT_NE(error.find(message_part), std::string::npos) << "error: " << error;
}

TEST(VaultConfig, RefusesUnsupportedFlagsByName) {
  const std::string conf = kGocryptfsConf;
  ExpectRefused(Replace(conf, "\"Raw64\"", "\"Raw64\", \"PlaintextNames\""),
                "unsupported feature flags: PlaintextNames");
  ExpectRefused(Replace(conf, "\"Raw64\"", "\"Raw64\", \"AESSIV\", \"Frobnicate\""),
                "unknown feature flags: Frobnicate");
  ExpectRefused(Replace(conf, "\"Raw64\"", "\"Raw64\", \"AESSIV\", \"Frobnicate\""),
                "unsupported feature flags: AESSIV");
  ExpectRefused(Replace(conf, "\t\t\"GCMIV128\",\n", ""), "missing feature flags: GCMIV128");
  ExpectRefused(Replace(conf, "\"FeatureFlags\": [", "\"FeatureFlags\": [1, "), "array of strings");
}

TEST(VaultConfig, RefusesMalformedFields) {
  const std::string conf = kGocryptfsConf;
  ExpectRefused("", "not a JSON object");
  ExpectRefused("[]", "not a JSON object");
  ExpectRefused(conf.substr(0, conf.size() / 2), "not a JSON object");
  ExpectRefused(Replace(conf, "\"Version\": 2", "\"Version\": 3"), "unsupported version 3");
  ExpectRefused(Replace(conf, "\"Version\": 2", "\"Version\": \"2\""), "Version");
  ExpectRefused(Replace(conf, "\"N\": 1024", "\"N\": 512"), "ScryptObject.N");
  ExpectRefused(Replace(conf, "\"N\": 1024", "\"N\": 1000"), "ScryptObject.N");
  ExpectRefused(Replace(conf, "\"N\": 1024", "\"N\": -1024"), "ScryptObject.N");
  ExpectRefused(Replace(conf, "\"R\": 8", "\"R\": 0"), "R and P");
  ExpectRefused(Replace(conf, "\"R\": 8", "\"R\": 100000000"), "R and P");
  ExpectRefused(Replace(conf, "\"P\": 1", "\"P\": 18446744073709551615"), "R and P");
  ExpectRefused(Replace(conf, "\"KeyLen\": 32", "\"KeyLen\": 16"), "KeyLen");
  ExpectRefused(Replace(conf, "\"KeyLen\": 32", "\"KeyLen\": 32.5"), "KeyLen");
  ExpectRefused(Replace(conf, "9waJOV8gJRNy4IlY5vTZDAltSeOFfCc5Adw6deT/yyU=", "9waJ"), "Salt");
  ExpectRefused(Replace(conf, "9waJOV8gJRNy4IlY5vTZDAltSeOFfCc5Adw6deT/yyU=", "!!!!"), "Salt");
  ExpectRefused(Replace(conf, "\"EncryptedKey\": \"gktv", "\"EncryptedKey\": \"gk"),
                "EncryptedKey");
  ExpectRefused(Replace(conf,
                        "\"EncryptedKey\": \"gktv1IzMfmmpntK75jLjtOh6JOTwR9AJc1QCv4EVFxsZveZuy"
                        "B36YNFlaJH/Fi1MNs/20/wVLMySDeJtnmZgJQ==\"",
                        "\"EncryptedKey\": \"AAAA\""),
                "EncryptedKey must be 64 bytes");
  ExpectRefused(Replace(conf, "\"ScryptObject\": {", "\"ScryptObject\": 5, \"X\": {"),
                "ScryptObject");
  ExpectRefused(std::string(kConfigMaxBytes + 1, ' '), "larger than");
}

}  // namespace
}  // namespace loopfs::encrypt::testing
