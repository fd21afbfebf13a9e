// Interoperability with the real gocryptfs (Debian's package), both ways: trees written
// through a gocryptfs FUSE mount are decrypted by loopfs's encrypt core alone, and trees
// written by the core alone are read back through a gocryptfs mount.  Skipped only where FUSE
// is unavailable.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "layers/encrypt/core/block_layout.h"
#include "tests/unit/encrypt/vault_tree.h"

extern char** environ;

namespace loopfs::encrypt::testing {
namespace {

constexpr char kPassphrase[] = "correct horse battery staple";

// Runs a program and returns its exit status (-1 if it could not run or was signalled).
int RunProgram(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawnp(&pid, argv[0], nullptr, nullptr, argv.data(), environ) != 0) return -1;
  int status = 0;
  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

bool FuseAvailable(std::string* why) {
  const int fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    *why = "/dev/fuse cannot be opened";
    return false;
  }
  close(fd);
  if (RunProgram({"sh", "-c",
                  "command -v fusermount3 >/dev/null || command -v fusermount >/dev/null"}) != 0) {
    *why = "no fusermount";
    return false;
  }
  return true;
}

std::string Pattern(size_t size, unsigned seed) {
  std::string s(size, '\0');
  uint32_t x = seed * 2654435761u + 1;
  for (char& c : s) {
    x = x * 1103515245u + 12345u;
    c = static_cast<char>(x >> 24);
  }
  return s;
}

Entry File(std::string data) { return Entry{Entry::Type::kFile, std::move(data)}; }
Entry Dir() { return Entry{Entry::Type::kDirectory, ""}; }
Entry Link(std::string target) { return Entry{Entry::Type::kSymlink, std::move(target)}; }

// The names and sizes the issue asks for, nested directories and symlinks.
Tree SampleTree(const std::string& tag) {
  Tree tree;
  const size_t sizes[] = {
      0, 1, 4095, 4096, 4097, 5000, size_t{3} * 4096, (size_t{1} << 20) + 1, (size_t{1} << 20) + 3};
  unsigned seed = 1;
  for (size_t size : sizes) {
    tree[tag + "size-" + std::to_string(size)] = File(Pattern(size, seed++));
  }
  tree[tag + "x"] = File("one-letter name");
  tree[std::string(175, 's')] = File("longest name that stays short on disk");
  tree[std::string(176, 'l')] = File("shortest name that takes the long form");
  tree[std::string(255, 'n')] = File("255-byte name");
  tree[tag + "Grüße, 日本語 🙂"] = File("unicode name");
  tree[tag + "dir"] = Dir();
  tree[tag + "dir/sub"] = Dir();
  tree[tag + "dir/sub/" + std::string(200, 'd')] = File(Pattern(9000, seed++));
  tree[tag + "dir/file"] = File("nested");
  // Every name length from 1 to 255 bytes, and a 255-byte name of two-byte characters.
  tree[tag + "lengths"] = Dir();
  for (size_t len = 1; len <= 255; len++) {
    std::string name(len, 'a');
    for (size_t i = 0; i < len; i++) name[i] = static_cast<char>('a' + (i + len) % 26);
    tree[tag + "lengths/" + name] = File(std::to_string(len));
  }
  std::string accents;
  for (int i = 0; i < 127; i++) accents += "\u00e9";
  tree[tag + "lengths/" + accents + "!"] = File("254 bytes of accents and one more");
  tree[tag + "link"] = Link(tag + "x");
  tree[tag + "dir/link-up"] = Link("../" + tag + "size-1");
  return tree;
}

class GocryptfsInterop : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    if (!FuseAvailable(&why)) GTEST_SKIP() << "FUSE unavailable: " << why;
    ASSERT_EQ(RunProgram({"sh", "-c", "command -v gocryptfs >/dev/null"}), 0)
        << "gocryptfs is not installed: run tests/install-deps.sh test";
    char base[] = "/tmp/loopfs-encrypt-interop-XXXXXX";
    ASSERT_NE(mkdtemp(base), nullptr);
    base_ = base;
    cipher_ = base_ + "/cipher";
    mnt_ = base_ + "/mnt";
    ASSERT_EQ(mkdir(cipher_.c_str(), 0700), 0);
    ASSERT_EQ(mkdir(mnt_.c_str(), 0700), 0);
  }

  void TearDown() override {
    if (mounted_) Unmount();
    if (!base_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(base_, ec);
    }
  }

  std::string ExtPass() const { return std::string("echo ") + kPassphrase; }

  void InitWithGocryptfs() {
    ASSERT_EQ(
        RunProgram({"gocryptfs", "-init", "-q", "-extpass", ExtPass(), "-scryptn", "10", cipher_}),
        0);
  }

  void Mount() {
    ASSERT_EQ(RunProgram({"gocryptfs", "-q", "-nosyslog", "-extpass", ExtPass(), cipher_, mnt_}),
              0);
    mounted_ = true;
  }

  void Unmount() {
    mounted_ = false;
    if (RunProgram({"fusermount3", "-u", mnt_}) != 0) {
      ASSERT_EQ(RunProgram({"fusermount", "-u", mnt_}), 0) << "cannot unmount " << mnt_;
    }
  }

  std::string base_;
  std::string cipher_;
  std::string mnt_;
  bool mounted_ = false;
};

// A sparse file through gocryptfs: data at both ends, holes between.
std::string MakeSparseThroughMount(const std::string& path) {
  const int fd = open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0644);
  EXPECT_GE(fd, 0);
  const std::string head = "head";
  const std::string tail = "tail of a sparse file";
  const off_t tail_at = 5 * 4096 + 100;
  EXPECT_EQ(pwrite(fd, head.data(), head.size(), 0), static_cast<ssize_t>(head.size()));
  EXPECT_EQ(pwrite(fd, tail.data(), tail.size(), tail_at), static_cast<ssize_t>(tail.size()));
  close(fd);
  std::string expect(tail_at + tail.size(), '\0');
  expect.replace(0, head.size(), head);
  expect.replace(tail_at, tail.size(), tail);
  return expect;
}

TEST_F(GocryptfsInterop, LoopfsReadsWhatGocryptfsWrote) {
  InitWithGocryptfs();
  Mount();
  Tree tree = SampleTree("");
  WritePlainTree(mnt_, tree);
  tree["sparse"] = File(MakeSparseThroughMount(mnt_ + "/sparse"));
  // Truncating up leaves a hole too.
  ASSERT_EQ(truncate((mnt_ + "/size-1").c_str(), 3 * 4096 + 7), 0);
  tree["size-1"].data.resize(3 * 4096 + 7, '\0');
  Unmount();

  VaultKeys keys;
  ASSERT_TRUE(OpenVault(cipher_, kPassphrase, &keys));
  const Tree seen = ReadCipherTree(keys, cipher_);
  EXPECT_EQ(seen.size(), tree.size());
  for (const auto& [path, entry] : tree) {
    auto it = seen.find(path);
    ASSERT_NE(it, seen.end()) << "missing " << path;
    EXPECT_TRUE(it->second == entry) << "differs: " << path;
  }

  // gocryptfs really left holes (all-zero ciphertext blocks), which the core read as zeros.
  bool found_hole = false;
  for (const auto& entry : std::filesystem::directory_iterator(cipher_)) {
    if (!entry.is_regular_file()) continue;
    const std::string bytes = ReadFileBytes(entry.path());
    for (size_t off = LFENC_HEADER_LEN; off + LFENC_CIPHER_BLOCK_LEN <= bytes.size();
         off += LFENC_CIPHER_BLOCK_LEN) {
      if (bytes.compare(off, LFENC_CIPHER_BLOCK_LEN, std::string(LFENC_CIPHER_BLOCK_LEN, '\0')) ==
          0) {
        found_hole = true;
      }
    }
  }
  EXPECT_TRUE(found_hole) << "expected gocryptfs to leave all-zero hole blocks";
}

TEST_F(GocryptfsInterop, GocryptfsReadsWhatLoopfsWrote) {
  InitWithGocryptfs();
  VaultKeys keys;
  ASSERT_TRUE(OpenVault(cipher_, kPassphrase, &keys));
  Tree tree = SampleTree("");
  std::string sparse(size_t{7} * 4096 + 5, '\0');
  sparse.replace(0, 3, "abc");
  sparse.replace(size_t{7} * 4096, 5, "defgh");
  tree["sparse"] = File(sparse);
  WriteCipherTree(keys, cipher_, tree);

  Mount();
  const Tree seen = ReadPlainTree(mnt_);
  EXPECT_EQ(seen.size(), tree.size());
  for (const auto& [path, entry] : tree) {
    auto it = seen.find(path);
    ASSERT_NE(it, seen.end()) << "gocryptfs does not list " << path;
    EXPECT_TRUE(it->second == entry) << "differs: " << path;
  }
  // And gocryptfs can keep writing into a directory loopfs made.
  WriteFileBytes(mnt_ + "/dir/sub/from-gocryptfs", "hello back");
  Unmount();
  const Tree again = ReadCipherTree(keys, cipher_);
  ASSERT_EQ(again.count("dir/sub/from-gocryptfs"), 1u);
  EXPECT_EQ(again.at("dir/sub/from-gocryptfs").data, "hello back");
}

TEST_F(GocryptfsInterop, GocryptfsOpensVaultLoopfsCreated) {
  SecretKey master;
  ASSERT_TRUE(RandomBytes(master.bytes()));
  std::string error;
  auto config = CreateVaultConfig(kPassphrase, master, 10, &error);
  ASSERT_TRUE(config) << error;
  WriteFileBytes(cipher_ + "/gocryptfs.conf", SerializeVaultConfig(*config), 0400);
  uint8_t iv[16];
  ASSERT_TRUE(RandomBytes(iv));
  WriteFileBytes(cipher_ + "/gocryptfs.diriv", std::string(reinterpret_cast<char*>(iv), 16), 0440);
  VaultKeys keys;
  ASSERT_TRUE(DeriveVaultKeys(master, &keys));
  Tree tree = {{"hello", File("from loopfs")}, {"d", Dir()}, {"d/big", File(Pattern(70000, 9))}};
  WriteCipherTree(keys, cipher_, tree);

  Mount();
  EXPECT_TRUE(ReadPlainTree(mnt_) == tree);
  WriteFileBytes(mnt_ + "/d/reply", Pattern(4097, 3));
  Unmount();
  tree["d/reply"] = File(Pattern(4097, 3));
  EXPECT_TRUE(ReadCipherTree(keys, cipher_) == tree);

  // The wrong passphrase is refused, by gocryptfs and by loopfs alike.
  EXPECT_NE(RunProgram({"gocryptfs", "-q", "-nosyslog", "-extpass", "echo wrong", cipher_, mnt_}),
            0);
  SecretKey unwrapped;
  EXPECT_FALSE(UnlockMasterKey(*config, "wrong", &unwrapped, &error));
  EXPECT_NE(error.find("wrong passphrase"), std::string::npos);
}

}  // namespace
}  // namespace loopfs::encrypt::testing
