// `loopfs encrypt` against the real gocryptfs over FUSE: a vault made by `loopfs encrypt init`
// opens in gocryptfs, still with its original passphrase after `passwd --add`, and fsck finds
// a vault filled by gocryptfs clean.  Skipped only where FUSE is unavailable.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/unit/encrypt/tools_test_util.h"
#include "tests/unit/encrypt/vault_tree.h"

namespace loopfs::encrypt::testing {
namespace {

class ToolsInterop : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    if (!FuseUsable(&why)) GTEST_SKIP() << "FUSE unavailable: " << why;
    ASSERT_EQ(RunProgram({"sh", "-c", "command -v gocryptfs >/dev/null"}), 0)
        << "gocryptfs is not installed: run tests/install-deps.sh test";
    cipher_ = dir_ / "cipher";
    mnt_ = dir_ / "mnt";
    pass_ = dir_ / "pass";
    other_ = dir_ / "other";
    ASSERT_EQ(mkdir(mnt_.c_str(), 0700), 0);
    WriteFileBytes(pass_, "original passphrase\n");
    WriteFileBytes(other_, "added passphrase\n");
  }

  void TearDown() override {
    if (mounted_) Unmount();
  }

  int Loopfs(std::vector<std::string> args, std::string* out) {
    args.insert(args.begin(), LOOPFS_BIN);
    std::string err;
    const int rc = RunProgram(args, out, &err);
    if (rc != 0) *out += err;
    return rc;
  }

  // gocryptfs with a passfile; returns its exit status.
  int Mount(const std::string& passfile) {
    const int rc =
        RunProgram({"gocryptfs", "-q", "-nosyslog", "-passfile", passfile, cipher_, mnt_});
    mounted_ = rc == 0;
    return rc;
  }

  void Unmount() {
    mounted_ = false;
    if (RunProgram({"fusermount3", "-u", mnt_}) != 0) {
      ASSERT_EQ(RunProgram({"fusermount", "-u", mnt_}), 0) << "cannot unmount " << mnt_;
    }
  }

  TempDir dir_;
  std::string cipher_, mnt_, pass_, other_;
  bool mounted_ = false;
};

std::string Pattern(size_t size, unsigned seed) {
  std::string s(size, '\0');
  uint32_t x = seed * 2654435761u + 1;
  for (char& c : s) {
    x = x * 1103515245u + 12345u;
    c = static_cast<char>(x >> 24);
  }
  return s;
}

Tree SampleTree() {
  Tree tree;
  unsigned seed = 1;
  for (size_t size : {0, 1, 4095, 4096, 4097, 5000, (1 << 20) + 1}) {
    tree["size-" + std::to_string(size)] = Entry{Entry::Type::kFile, Pattern(size, seed++)};
  }
  tree["dir"] = Entry{Entry::Type::kDirectory, ""};
  tree["dir/sub"] = Entry{Entry::Type::kDirectory, ""};
  tree["dir/sub/" + std::string(230, 'n')] = Entry{Entry::Type::kFile, Pattern(9000, seed++)};
  tree["dir/" + std::string(255, 'm')] = Entry{Entry::Type::kFile, "255-byte name"};
  tree["link"] = Entry{Entry::Type::kSymlink, "size-1"};
  tree["dir/up"] = Entry{Entry::Type::kSymlink, "../" + std::string(100, 't')};
  return tree;
}

TEST_F(ToolsInterop, VaultFromInitOpensInGocryptfsBeforeAndAfterPasswdAdd) {
  std::string out;
  ASSERT_EQ(Loopfs({"encrypt", "init", cipher_, "--passfile", pass_, "--scrypt-logn", "10"}, &out),
            0)
      << out;
  ASSERT_EQ(Mount(pass_), 0);
  const Tree tree = SampleTree();
  WritePlainTree(mnt_, tree);
  Unmount();

  ASSERT_EQ(Loopfs({"encrypt", "passwd", cipher_, "--add", "second", "--passfile", pass_,
                    "--new-passfile", other_},
                   &out),
            0)
      << out;
  // gocryptfs knows only gocryptfs.conf: the original passphrase, not the added one.
  EXPECT_NE(Mount(other_), 0);
  ASSERT_EQ(Mount(pass_), 0);
  EXPECT_TRUE(ReadPlainTree(mnt_) == tree);
  Unmount();

  // Both passphrases open it for loopfs; fsck finds what gocryptfs wrote clean.
  EXPECT_EQ(Loopfs({"encrypt", "fsck", cipher_, "--passfile", other_}, &out), 0) << out;
  EXPECT_EQ(Loopfs({"encrypt", "fsck", cipher_, "--passfile", pass_}, &out), 0) << out;
}

TEST_F(ToolsInterop, FsckOnAVaultFilledByGocryptfs) {
  ASSERT_EQ(mkdir(cipher_.c_str(), 0700), 0);
  ASSERT_EQ(RunProgram({"gocryptfs", "-init", "-q", "-passfile", pass_, "-scryptn", "10", cipher_}),
            0);
  ASSERT_EQ(Mount(pass_), 0);
  WritePlainTree(mnt_, SampleTree());
  // A sparse file, a file truncated up (holes), a hard link (checked once), a fifo.
  const int fd = open((mnt_ + "/sparse").c_str(), O_RDWR | O_CREAT, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(pwrite(fd, "head", 4, 0), 4);
  ASSERT_EQ(pwrite(fd, "tail", 4, 7 * 4096 + 10), 4);
  close(fd);
  ASSERT_EQ(truncate((mnt_ + "/size-1").c_str(), 3 * 4096 + 7), 0);
  ASSERT_EQ(link((mnt_ + "/size-5000").c_str(), (mnt_ + "/dir/hardlink").c_str()), 0);
  ASSERT_EQ(mkfifo((mnt_ + "/fifo").c_str(), 0644), 0);
  Unmount();

  std::string out;
  ASSERT_EQ(Loopfs({"encrypt", "fsck", cipher_, "--passfile", pass_}, &out), 0) << out;
  EXPECT_NE(out.find("3 directories, 10 files, 2 symlinks, 1 others"), std::string::npos) << out;
  EXPECT_EQ(out.find("0 holes"), std::string::npos) << out;  // gocryptfs left holes

  // Damage one byte of the 1 MiB file in the vault: fsck says where.
  std::string big;
  for (const auto& e : std::filesystem::directory_iterator(cipher_)) {
    if (e.is_regular_file() && e.file_size() > (1u << 20)) big = e.path().filename();
  }
  ASSERT_FALSE(big.empty());
  std::string bytes = ReadFileBytes(cipher_ + "/" + big);
  bytes[18 + 100 * 4128 + 7] ^= 0x80;
  WriteFileBytes(cipher_ + "/" + big, bytes);
  EXPECT_EQ(Loopfs({"encrypt", "fsck", cipher_, "--passfile", pass_}, &out), 1) << out;
  EXPECT_NE(out.find(big + " (/size-1048577): block 100"), std::string::npos) << out;
}

}  // namespace
}  // namespace loopfs::encrypt::testing
