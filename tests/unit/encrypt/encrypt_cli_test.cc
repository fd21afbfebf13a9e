// `loopfs encrypt init|passwd|fsck` end to end: the real binary, its output and exit codes.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "layers/encrypt/keyring.h"
#include "tests/unit/encrypt/test_keys.h"
#include "tests/unit/encrypt/tools_test_util.h"
#include "tests/unit/encrypt/vault_tree.h"

namespace loopfs::encrypt::testing {
namespace {

class EncryptCli : public ::testing::Test {
 protected:
  void SetUp() override {
    vault_ = dir_ / "vault";
    pass_ = dir_ / "pass";
    other_ = dir_ / "other";
    WriteFileBytes(pass_, "original passphrase\n");
    WriteFileBytes(other_, "second passphrase\n");
  }

  int Loopfs(std::vector<std::string> args, std::string* out = nullptr,
             std::string* err = nullptr) {
    args.insert(args.begin(), LOOPFS_BIN);
    std::string ignored_out, ignored_err;
    return RunProgram(args, out ? out : &ignored_out, err ? err : &ignored_err);
  }

  void Init(std::string* out = nullptr) {
    std::string err;
    ASSERT_EQ(
        Loopfs({"encrypt", "init", vault_, "--passfile", pass_, "--scrypt-logn", "10"}, out, &err),
        0)
        << err;
  }

  TempDir dir_;
  std::string vault_;
  std::string pass_;
  std::string other_;
};

TEST_F(EncryptCli, InitPrintsTheMasterKeyOnce) {
  std::string out;
  Init(&out);
  // "    xxxxxxxx-xxxxxxxx-xxxxxxxx-xxxxxxxx-\n    xxxxxxxx-xxxxxxxx-xxxxxxxx-xxxxxxxx\n"
  const std::string intro = "Your master key is:\n\n";
  const size_t at = out.find(intro);
  ASSERT_NE(at, std::string::npos) << out;
  const std::string shown = out.substr(at + intro.size(), 2 * (4 + 4 * 9) + 1);
  std::string hex;
  for (size_t line = 0; line < 2; line++) {
    const std::string text = shown.substr(line * 41, 41);
    EXPECT_EQ(text.substr(0, 4), "    ") << shown;
    for (size_t group = 0; group < 4; group++) {
      hex += text.substr(4 + group * 9, 8);
      const char sep = text[4 + group * 9 + 8];
      EXPECT_EQ(sep, line == 1 && group == 3 ? '\n' : '-') << shown;
    }
  }
  EXPECT_EQ(hex.size(), 64u);
  EXPECT_NE(out.find("only printed once"), std::string::npos) << out;

  SecretKey master;
  std::string error;
  ASSERT_TRUE(UnlockVault(vault_, "original passphrase", &master, &error)) << error;
  EXPECT_EQ(Hex(master.bytes().data(), master.bytes().size()), hex);

  struct stat st {};
  ASSERT_EQ(stat((vault_ + "/gocryptfs.conf").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0400u);
  ASSERT_EQ(stat((vault_ + "/gocryptfs.diriv").c_str(), &st), 0);
  EXPECT_EQ(st.st_size, 16);
  auto conf = LoadVaultConfig(vault_, &error);
  ASSERT_TRUE(conf) << error;
  EXPECT_EQ(conf->scrypt.n, 1024u);
}

TEST_F(EncryptCli, InitRefusesNonEmptyDirectoryAndBadOptions) {
  ASSERT_EQ(mkdir(vault_.c_str(), 0700), 0);
  WriteFileBytes(vault_ + "/x", "");
  std::string err;
  EXPECT_EQ(Loopfs({"encrypt", "init", vault_, "--passfile", pass_, "--scrypt-logn", "10"}, nullptr,
                   &err),
            1);
  EXPECT_NE(err.find("not empty"), std::string::npos) << err;
  EXPECT_EQ(Loopfs({"encrypt", "init", dir_ / "v2", "--passfile", pass_, "--scrypt-logn", "5"}), 2);
  EXPECT_EQ(Loopfs({"encrypt", "init", dir_ / "v2", "--passfile", pass_, "--extpass", "echo x"}),
            2);
  EXPECT_EQ(Loopfs({"encrypt", "init"}), 2);
  // No terminal (stdin is /dev/null and the test has no controlling tty, or one is refused).
  EXPECT_FALSE(std::filesystem::exists(dir_ / "v2/gocryptfs.conf"));
}

TEST_F(EncryptCli, PasswdAddListRemove) {
  Init();
  std::string out, err;
  ASSERT_EQ(Loopfs({"encrypt", "passwd", vault_, "--add", "laptop", "--passfile", pass_,
                    "--new-passfile", other_},
                   &out, &err),
            0)
      << err;
  SecretKey a, b;
  std::string error;
  ASSERT_TRUE(UnlockVault(vault_, "original passphrase", &a, &error)) << error;
  ASSERT_TRUE(UnlockVault(vault_, "second passphrase", &b, &error)) << error;
  EXPECT_TRUE(std::equal(a.bytes().begin(), a.bytes().end(), b.bytes().begin()));

  ASSERT_EQ(Loopfs({"encrypt", "passwd", vault_, "--list"}, &out, &err), 0) << err;
  EXPECT_NE(out.find("(gocryptfs.conf)"), std::string::npos) << out;
  EXPECT_NE(out.find("laptop"), std::string::npos) << out;

  // The new passphrase unlocks for further changes too; a wrong one is refused with 2.
  WriteFileBytes(dir_ / "third", "third\n");
  EXPECT_EQ(Loopfs({"encrypt", "passwd", vault_, "--add", "usb", "--passfile", other_,
                    "--new-extpass", "echo third"}),
            0);
  EXPECT_EQ(Loopfs({"encrypt", "passwd", vault_, "--remove", "usb", "--extpass", "echo nope"},
                   nullptr, &err),
            2);
  EXPECT_NE(err.find("wrong passphrase"), std::string::npos) << err;
  EXPECT_EQ(Loopfs({"encrypt", "passwd", vault_, "--remove", "usb", "--passfile", dir_ / "third"}),
            0);
  EXPECT_FALSE(UnlockVault(vault_, "third", &a, &error));
  EXPECT_EQ(
      Loopfs({"encrypt", "passwd", vault_, "--remove", "usb", "--passfile", pass_}, nullptr, &err),
      1);
  EXPECT_NE(err.find("no passphrase labelled usb"), std::string::npos) << err;
  EXPECT_EQ(Loopfs({"encrypt", "passwd", vault_, "--add", "x", "--remove", "y"}), 2);
  EXPECT_EQ(Loopfs({"encrypt", "passwd", vault_}), 2);
}

TEST_F(EncryptCli, FsckExitCodes) {
  Init();
  VaultKeys keys;
  ASSERT_TRUE(OpenVault(vault_, "original passphrase", &keys));
  Tree tree;
  tree["file"] = Entry{Entry::Type::kFile, std::string(10000, 'f')};
  tree["dir"] = Entry{Entry::Type::kDirectory, ""};
  tree["dir/link"] = Entry{Entry::Type::kSymlink, "../file"};
  WriteCipherTree(keys, vault_, tree);
  std::string out, err;
  EXPECT_EQ(Loopfs({"encrypt", "fsck", vault_, "--passfile", pass_}, &out, &err), 0) << out << err;
  EXPECT_NE(out.find("1 files, 1 symlinks"), std::string::npos) << out;
  EXPECT_NE(out.find(": clean"), std::string::npos) << out;
  EXPECT_EQ(Loopfs({"encrypt", "fsck", vault_, "--passfile", pass_, "--progress"}, &out, &err), 0);
  EXPECT_NE(err.find("fsck: 2 directories, 1 files"), std::string::npos) << err;

  // Damage: the file's second block.
  const std::string diriv = ReadFileBytes(vault_ + "/gocryptfs.diriv");
  std::string unused;
  const std::string stored =
      StoredName(keys, reinterpret_cast<const uint8_t*>(diriv.data()), "file", &unused);
  std::string bytes = ReadFileBytes(vault_ + "/" + stored);
  bytes[18 + 4128 + 40] ^= 1;
  WriteFileBytes(vault_ + "/" + stored, bytes);
  EXPECT_EQ(
      Loopfs({"encrypt", "fsck", vault_, "--extpass", "echo original passphrase"}, &out, &err), 1);
  EXPECT_NE(out.find(stored + " (/file): block 1"), std::string::npos) << out;
  EXPECT_NE(out.find("1 problems"), std::string::npos) << out;

  EXPECT_EQ(Loopfs({"encrypt", "fsck", vault_, "--passfile", other_}, nullptr, &err), 2);
  EXPECT_NE(err.find("wrong passphrase"), std::string::npos) << err;
  EXPECT_EQ(Loopfs({"encrypt", "fsck", dir_ / "missing", "--passfile", pass_}, nullptr, &err), 2);
  EXPECT_NE(err.find("not a gocryptfs vault"), std::string::npos) << err;
  EXPECT_EQ(Loopfs({"encrypt", "fsck"}), 2);
}

}  // namespace
}  // namespace loopfs::encrypt::testing
