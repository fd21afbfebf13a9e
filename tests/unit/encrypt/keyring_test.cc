// Several passphrases per vault: loopfs.keys next to gocryptfs.conf.
#include "layers/encrypt/keyring.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "layers/encrypt/tools/vault_init.h"
#include "tests/unit/encrypt/tools_test_util.h"
#include "tests/unit/encrypt/vault_tree.h"

namespace loopfs::encrypt::testing {
namespace {

constexpr int kLogN = 10;  // cheap scrypt: these tests run it many times
constexpr char kOriginal[] = "the original passphrase";

bool SameKey(const SecretKey& a, const SecretKey& b) {
  return std::equal(a.bytes().begin(), a.bytes().end(), b.bytes().begin());
}

class KeyringTest : public ::testing::Test {
 protected:
  void SetUp() override {
    vault_ = dir_ / "vault";
    std::string error;
    ASSERT_TRUE(InitVault(vault_, kOriginal, kLogN, &master_, &error)) << error;
  }

  // Unlocks with `pass` and checks that the master key is the vault's.
  void ExpectUnlocks(std::string_view pass) {
    SecretKey got;
    std::string error;
    ASSERT_TRUE(UnlockVault(vault_, pass, &got, &error)) << pass << ": " << error;
    EXPECT_TRUE(SameKey(got, master_)) << pass;
  }

  std::string ExpectRefused(std::string_view pass) {
    SecretKey got;
    std::string error;
    EXPECT_FALSE(UnlockVault(vault_, pass, &got, &error)) << pass;
    return error;
  }

  TempDir dir_;
  std::string vault_;
  SecretKey master_;
};

TEST_F(KeyringTest, AddUnlockListRemove) {
  ExpectUnlocks(kOriginal);
  EXPECT_NE(ExpectRefused("alice's").find("wrong passphrase"), std::string::npos);
  std::string error;
  ASSERT_TRUE(AddPassphrase(vault_, master_, "alice", "alice's", kLogN, &error)) << error;
  ASSERT_TRUE(AddPassphrase(vault_, master_, "bob@home", "bob's", kLogN + 1, &error)) << error;
  ExpectUnlocks(kOriginal);
  ExpectUnlocks("alice's");
  ExpectUnlocks("bob's");
  const std::string wrong = ExpectRefused("mallory's");
  EXPECT_NE(wrong.find("wrong passphrase"), std::string::npos) << wrong;
  EXPECT_NE(wrong.find("2 passphrases in loopfs.keys"), std::string::npos) << wrong;

  auto keyring = LoadKeyring(vault_, &error);
  ASSERT_TRUE(keyring) << error;
  ASSERT_EQ(keyring->entries.size(), 2u);
  EXPECT_EQ(keyring->entries[0].label, "alice");
  EXPECT_EQ(keyring->entries[1].label, "bob@home");
  EXPECT_EQ(keyring->entries[1].wrapped.scrypt.n, 2048u);
  EXPECT_EQ(keyring->entries[0].created.size(), 20u) << keyring->entries[0].created;

  // Written like gocryptfs.conf: read-only for the owner, no temporaries left behind.
  struct stat st {};
  ASSERT_EQ(stat((vault_ + "/loopfs.keys").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0400u);
  size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(vault_)) {
    (void)e;
    files++;
  }
  EXPECT_EQ(files, 3u);  // gocryptfs.conf, gocryptfs.diriv, loopfs.keys

  ASSERT_TRUE(RemovePassphrase(vault_, "alice", &error)) << error;
  ExpectRefused("alice's");
  ExpectUnlocks("bob's");
  ExpectUnlocks(kOriginal);
  ASSERT_TRUE(RemovePassphrase(vault_, "bob@home", &error)) << error;
  EXPECT_FALSE(std::filesystem::exists(vault_ + "/loopfs.keys"));
  ExpectUnlocks(kOriginal);
}

TEST_F(KeyringTest, ConcurrentAddsAreAllKept) {
  // Each add reads loopfs.keys, appends and replaces it: without the lock, adds race and
  // entries are lost.
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; t++) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 4; i++) {
        std::string error;
        const std::string label = "t" + std::to_string(t) + "-" + std::to_string(i);
        if (!AddPassphrase(vault_, master_, label, label, kLogN, &error)) failures++;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  std::string error;
  auto keyring = LoadKeyring(vault_, &error);
  ASSERT_TRUE(keyring) << error;
  EXPECT_EQ(keyring->entries.size(), 16u);
  ExpectUnlocks("t3-3");
}

TEST_F(KeyringTest, RefusesBadLabelsAndDuplicates) {
  std::string error;
  EXPECT_FALSE(AddPassphrase(vault_, master_, "", "p", kLogN, &error));
  EXPECT_FALSE(AddPassphrase(vault_, master_, "with space", "p", kLogN, &error));
  EXPECT_FALSE(AddPassphrase(vault_, master_, std::string(65, 'a'), "p", kLogN, &error));
  ASSERT_TRUE(AddPassphrase(vault_, master_, "a", "p", kLogN, &error)) << error;
  EXPECT_FALSE(AddPassphrase(vault_, master_, "a", "q", kLogN, &error));
  EXPECT_NE(error.find("exists already"), std::string::npos) << error;
  EXPECT_FALSE(RemovePassphrase(vault_, "nobody", &error));
  EXPECT_NE(error.find("no passphrase labelled nobody"), std::string::npos) << error;
  EXPECT_FALSE(AddPassphrase(vault_, master_, "weak", "p", 5, &error));
}

TEST_F(KeyringTest, MissingOrUnsupportedConfig) {
  SecretKey got;
  std::string error;
  EXPECT_FALSE(UnlockVault(dir_ / "nowhere", kOriginal, &got, &error));
  EXPECT_NE(error.find("not a gocryptfs vault"), std::string::npos) << error;
  std::string conf = ReadFileBytes(vault_ + "/gocryptfs.conf");
  const size_t at = conf.find("\"Raw64\"");
  ASSERT_NE(at, std::string::npos);
  conf.replace(at, 7, "\"PlaintextNames\"");
  const std::string other = dir_ / "plain";
  ASSERT_EQ(mkdir(other.c_str(), 0700), 0);
  WriteFileBytes(other + "/gocryptfs.conf", conf);
  EXPECT_FALSE(UnlockVault(other, kOriginal, &got, &error));
  EXPECT_NE(error.find("unsupported feature flags: PlaintextNames"), std::string::npos) << error;
}

TEST_F(KeyringTest, HostileKeyringFileIsAClearError) {
  const std::string path = vault_ + "/loopfs.keys";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"garbage", "not a JSON object"},
      {"[]", "not a JSON object"},
      {R"({"Version": 2, "Keys": []})", "Version must be 1"},
      {R"({"Version": 1, "Keys": {}})", "Keys must be an array"},
      {R"({"Version": 1, "Keys": [7]})", "Keys[0] must be an object"},
      {R"({"Version": 1, "Keys": [{"Label": 7}]})", "Label must be"},
      {R"({"Version": 1, "Keys": [{"Label": "x", "Created": []}]})", "Created must be"},
      {R"({"Version": 1, "Keys": [{"Label": "x"}]})", "EncryptedKey is missing"},
      {R"({"Version": 1, "Keys": [{"Label": "x", "EncryptedKey": 5}]})", "base64"},
      {R"({"Version": 1, "Keys": [{"Label": "x", "EncryptedKey": "AAAA"}]})", "must be 64 bytes"},
      {std::string(kKeyringMaxBytes + 1, ' '), "larger than"},
  };
  SecretKey got;
  std::string error;
  for (const auto& [text, expect] : cases) {
    std::filesystem::remove(path);
    WriteFileBytes(path, text, 0600);
    EXPECT_FALSE(LoadKeyring(vault_, &error)) << text.substr(0, 80);
    EXPECT_NE(error.find(expect), std::string::npos) << text.substr(0, 80) << " -> " << error;
    EXPECT_NE(error.find("loopfs.keys"), std::string::npos) << error;
    // The original passphrase still works; a wrong one says the side file is unusable.
    ExpectUnlocks(kOriginal);
    EXPECT_FALSE(UnlockVault(vault_, "wrong", &got, &error));
    EXPECT_NE(error.find("unusable"), std::string::npos) << error;
  }
  // Too many entries, and a label twice.
  std::filesystem::remove(path);
  std::string error2;
  ASSERT_TRUE(AddPassphrase(vault_, master_, "a", "p", kLogN, &error2)) << error2;
  std::string one = ReadFileBytes(path);
  auto keyring = ParseKeyring(one, &error2);
  ASSERT_TRUE(keyring) << error2;
  Keyring twice = *keyring;
  twice.entries.push_back(keyring->entries[0]);
  EXPECT_FALSE(ParseKeyring(SerializeKeyring(twice), &error2));
  EXPECT_NE(error2.find("appears twice"), std::string::npos) << error2;
  Keyring many;
  for (size_t i = 0; i <= kKeyringMaxEntries; i++) {
    many.entries.push_back(keyring->entries[0]);
    many.entries.back().label = "k" + std::to_string(i);
  }
  EXPECT_FALSE(ParseKeyring(SerializeKeyring(many), &error2));
  EXPECT_NE(error2.find("more than 64"), std::string::npos) << error2;
}

TEST_F(KeyringTest, SerializeParseRoundTrip) {
  std::string error;
  ASSERT_TRUE(AddPassphrase(vault_, master_, "x", "p", kLogN, &error)) << error;
  auto keyring = LoadKeyring(vault_, &error);
  ASSERT_TRUE(keyring) << error;
  auto again = ParseKeyring(SerializeKeyring(*keyring), &error);
  ASSERT_TRUE(again) << error;
  ASSERT_EQ(again->entries.size(), 1u);
  EXPECT_EQ(again->entries[0].label, "x");
  EXPECT_EQ(again->entries[0].created, keyring->entries[0].created);
  EXPECT_EQ(again->entries[0].wrapped.encrypted_key, keyring->entries[0].wrapped.encrypted_key);
  EXPECT_EQ(again->entries[0].wrapped.scrypt.salt, keyring->entries[0].wrapped.scrypt.salt);
}

TEST(VaultInit, RefusesNonEmptyDirectoryAndFormatsKey) {
  TempDir dir;
  WriteFileBytes(dir / "something", "x");
  SecretKey master;
  std::string error;
  EXPECT_FALSE(InitVault(dir.path(), "p", kLogN, &master, &error));
  EXPECT_NE(error.find("not empty"), std::string::npos) << error;
  EXPECT_FALSE(std::filesystem::exists(dir / "gocryptfs.conf"));
  for (size_t i = 0; i < SecretKey::kLength; i++) master.bytes()[i] = static_cast<uint8_t>(i);
  EXPECT_EQ(FormatMasterKey(master, "  "),
            "  00010203-04050607-08090a0b-0c0d0e0f-\n  10111213-14151617-18191a1b-1c1d1e1f");
}

}  // namespace
}  // namespace loopfs::encrypt::testing
