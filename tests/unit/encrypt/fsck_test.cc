// `loopfs encrypt fsck`'s checker on vaults written by the encrypt core (tests/unit/encrypt/
// vault_tree.h), clean and with each kind of damage.  The interop test runs it on vaults
// filled by the real gocryptfs.
#include "layers/encrypt/fsck.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "layers/encrypt/core/block_layout.h"
#include "layers/encrypt/core/name_codec.h"
#include "layers/encrypt/tools/vault_init.h"
#include "tests/unit/encrypt/tools_test_util.h"
#include "tests/unit/encrypt/vault_tree.h"

namespace loopfs::encrypt::testing {
namespace {

constexpr char kPass[] = "fsck test";
const std::string kLong(200, 'L');  // a name that takes the long form

class FsckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    vault_ = dir_ / "vault";
    SecretKey master;
    std::string error;
    ASSERT_TRUE(InitVault(vault_, kPass, 10, &master, &error)) << error;
    ASSERT_TRUE(DeriveVaultKeys(master, &keys_));
    Tree tree;
    tree["small"] = Entry{Entry::Type::kFile, "a small file"};
    tree["big"] = Entry{Entry::Type::kFile, std::string(3 * 4096 + 100, 'b')};
    std::string sparse(3 * 4096 + 5, '\0');
    sparse[0] = 's';
    sparse.back() = 'e';
    tree["sparse"] = Entry{Entry::Type::kFile, sparse};
    tree["empty"] = Entry{Entry::Type::kFile, ""};
    tree["d"] = Entry{Entry::Type::kDirectory, ""};
    tree["d/inner"] = Entry{Entry::Type::kFile, std::string(5000, 'i')};
    tree["d/" + kLong] = Entry{Entry::Type::kFile, "long name"};
    tree["link"] = Entry{Entry::Type::kSymlink, "small"};
    WriteCipherTree(keys_, vault_, tree);
  }

  // The ciphertext path (relative to the vault) of a plaintext path, and the .name file's
  // content for a long name.
  std::string Cipher(const std::string& plain) {
    std::string dir;
    std::string rest = plain;
    std::string name_file;
    while (true) {
      const size_t slash = rest.find('/');
      const std::string diriv =
          ReadFileBytes(vault_ + "/" + (dir.empty() ? "" : dir + "/") + LFENC_DIRIV_NAME);
      const std::string stored = StoredName(keys_, reinterpret_cast<const uint8_t*>(diriv.data()),
                                            rest.substr(0, slash), &name_file);
      dir = dir.empty() ? stored : dir + "/" + stored;
      if (slash == std::string::npos) return dir;
      rest = rest.substr(slash + 1);
    }
  }

  bool Decrypts(const std::string& diriv, const std::string& stored) {
    char out[LFENC_NAME_MAX + 1];
    size_t len = 0;
    return lfenc_name_decrypt(&OpenSslCrypto(), keys_.names->handle(),
                              reinterpret_cast<const uint8_t*>(diriv.data()), stored.data(),
                              stored.size(), out, sizeof out, &len) == 0;
  }

  FsckSummary Check() { return CheckVault(vault_, keys_, FsckOptions{}); }

  // Expects a problem at cipher_path whose description contains `what`; returns how many
  // problems there are in all.
  size_t ExpectProblem(const FsckSummary& s, const std::string& cipher_path,
                       const std::string& plain_path, const std::string& what) {
    bool found = false;
    std::string all;
    for (const FsckProblem& p : s.problems) {
      all += FormatProblem(p) + "\n";
      if (p.cipher_path == cipher_path && p.plain_path == plain_path &&
          p.what.find(what) != std::string::npos) {
        found = true;
      }
    }
    EXPECT_TRUE(found) << "want " << cipher_path << " (" << plain_path << "): " << what
                       << "\ngot:\n"
                       << all;
    return s.problems.size();
  }

  void FlipByte(const std::string& rel, off_t offset) {
    const std::string path = vault_ + "/" + rel;
    std::string bytes = ReadFileBytes(path);
    ASSERT_LT(static_cast<size_t>(offset), bytes.size());
    bytes[static_cast<size_t>(offset)] ^= 0x40;
    std::filesystem::remove(path);
    WriteFileBytes(path, bytes);
  }

  TempDir dir_;
  std::string vault_;
  VaultKeys keys_;
};

constexpr off_t Block(int n) { return LFENC_HEADER_LEN + n * LFENC_CIPHER_BLOCK_LEN; }

TEST_F(FsckTest, CleanVault) {
  // Side files in the root are not part of the tree.
  WriteFileBytes(vault_ + "/loopfs.keys", "{}");
  const FsckSummary s = Check();
  for (const FsckProblem& p : s.problems) ADD_FAILURE() << FormatProblem(p);
  EXPECT_TRUE(s.clean());
  EXPECT_EQ(s.directories, 2u);
  EXPECT_EQ(s.files, 6u);
  EXPECT_EQ(s.symlinks, 1u);
  EXPECT_EQ(s.holes, 2u);                       // the sparse file's middle blocks
  EXPECT_EQ(s.blocks, 4u + 2u + 2u + 1u + 1u);  // big, sparse, d/inner, small, long
}

TEST_F(FsckTest, FlippedByteInABlock) {
  const std::string big = Cipher("big");
  FlipByte(big, Block(1) + 100);
  EXPECT_EQ(ExpectProblem(Check(), big, "big", "block 1 (plaintext bytes 4096 to 8191)"), 1u);
}

TEST_F(FsckTest, FlippedByteInTheHeader) {
  const std::string big = Cipher("big");
  FlipByte(big, 5);  // the file id: every block fails
  const FsckSummary s = Check();
  ExpectProblem(s, big, "big", "block 0");
  ExpectProblem(s, big, "big", "block 3");
  FlipByte(big, 0);  // the version
  ExpectProblem(Check(), big, "big", "file header is invalid");
}

TEST_F(FsckTest, TruncatedMidBlock) {
  const std::string big = Cipher("big");
  ASSERT_EQ(truncate((vault_ + "/" + big).c_str(), Block(2) + 50), 0);
  EXPECT_EQ(ExpectProblem(Check(), big, "big", "block 2"), 1u);
  // So short that the last block has no data at all: an impossible size.
  ASSERT_EQ(truncate((vault_ + "/" + big).c_str(), Block(1) + 20), 0);
  ExpectProblem(Check(), big, "big", "impossible");
  ASSERT_EQ(truncate((vault_ + "/" + big).c_str(), 10), 0);
  ExpectProblem(Check(), big, "big", "impossible");
}

TEST_F(FsckTest, SwappedBlocks) {
  const std::string big = Cipher("big");
  const std::string path = vault_ + "/" + big;
  std::string bytes = ReadFileBytes(path);
  const std::string b0 = bytes.substr(Block(0), LFENC_CIPHER_BLOCK_LEN);
  bytes.replace(Block(0), LFENC_CIPHER_BLOCK_LEN, bytes.substr(Block(1), LFENC_CIPHER_BLOCK_LEN));
  bytes.replace(Block(1), LFENC_CIPHER_BLOCK_LEN, b0);
  WriteFileBytes(path, bytes);
  const FsckSummary s = Check();
  ExpectProblem(s, big, "big", "block 0");
  EXPECT_EQ(ExpectProblem(s, big, "big", "block 1"), 2u);
}

TEST_F(FsckTest, CorruptedName) {
  const std::string small = Cipher("small");
  const std::string diriv = ReadFileBytes(vault_ + "/" LFENC_DIRIV_NAME);
  // One changed character; one that happens to decrypt to another valid name (a chance of
  // about 1 in 300 with random keys) is skipped, so the test is deterministic.
  std::string bad;
  for (size_t at = 3; at < small.size() - 1; at++) {
    bad = small;
    bad[at] = bad[at] == 'A' ? 'B' : 'A';
    if (!Decrypts(diriv, bad)) break;
  }
  ASSERT_EQ(rename((vault_ + "/" + small).c_str(), (vault_ + "/" + bad).c_str()), 0);
  EXPECT_EQ(ExpectProblem(Check(), bad, "?", "name does not decrypt"), 1u);
}

TEST_F(FsckTest, MissingOrForgedLongNameFile) {
  const std::string name = Cipher("d/" + kLong);
  ASSERT_EQ(name.find("/" LFENC_LONGNAME_PREFIX), name.find('/'));
  const std::string name_file = vault_ + "/" + name + LFENC_LONGNAME_SUFFIX;
  const std::string content = ReadFileBytes(name_file);
  ASSERT_EQ(unlink(name_file.c_str()), 0);
  EXPECT_EQ(ExpectProblem(Check(), name, "d/?", ".name is missing"), 1u);
  // A .name file of another name does not hash to the entry's name.
  WriteFileBytes(name_file, content.substr(0, content.size() - 4));
  EXPECT_EQ(ExpectProblem(Check(), name, "d/?", "does not match"), 1u);
  // A .name file without its entry.
  WriteFileBytes(name_file, content);
  ASSERT_EQ(unlink((vault_ + "/" + name).c_str()), 0);
  EXPECT_EQ(ExpectProblem(Check(), name + LFENC_LONGNAME_SUFFIX, "d/?", "orphaned"), 1u);
}

TEST_F(FsckTest, CorruptedDiriv) {
  const std::string d = Cipher("d");
  const std::string inner = Cipher("d/inner");
  const std::string long_name = Cipher("d/" + kLong);
  const std::string diriv_path = vault_ + "/" + d + "/" LFENC_DIRIV_NAME;
  std::string diriv = ReadFileBytes(diriv_path);
  // Flip bits until neither name decrypts (almost always at once; see CorruptedName).
  const std::string long_stored = ReadFileBytes(vault_ + "/" + long_name + LFENC_LONGNAME_SUFFIX);
  for (size_t at = 0; at < diriv.size(); at++) {
    diriv[at] ^= 0x20;
    if (!Decrypts(diriv, inner.substr(d.size() + 1)) && !Decrypts(diriv, long_stored)) break;
  }
  std::filesystem::remove(diriv_path);
  WriteFileBytes(diriv_path, diriv);
  const FsckSummary s = Check();
  ExpectProblem(s, d + "/" LFENC_DIRIV_NAME, "d", "gocryptfs.diriv is probably damaged");
  ExpectProblem(s, inner, "d/?", "name does not decrypt");
  EXPECT_EQ(ExpectProblem(s, long_name, "d/?", "name does not decrypt"), 3u);
  EXPECT_EQ(s.files, 6u);  // contents are still checked
}

TEST_F(FsckTest, ShortOrMissingDiriv) {
  const std::string d = Cipher("d");
  const std::string diriv = vault_ + "/" + d + "/" LFENC_DIRIV_NAME;
  ASSERT_EQ(truncate(diriv.c_str(), 15), 0);
  FsckSummary s = Check();
  ExpectProblem(s, d + "/" LFENC_DIRIV_NAME, "d", "is 15 bytes, must be 16");
  // The files in the directory are still checked, under unknown names.
  EXPECT_EQ(s.files, 6u);
  ASSERT_EQ(unlink(diriv.c_str()), 0);
  s = Check();
  EXPECT_EQ(ExpectProblem(s, d + "/" LFENC_DIRIV_NAME, "d", "missing"), 1u);
}

TEST_F(FsckTest, CorruptedSymlinkTarget) {
  const std::string link = Cipher("link");
  const std::string path = vault_ + "/" + link;
  char target[4096];
  const ssize_t n = readlink(path.c_str(), target, sizeof target);
  ASSERT_GT(n, 10);
  target[5] = target[5] == 'A' ? 'B' : 'A';
  ASSERT_EQ(unlink(path.c_str()), 0);
  ASSERT_EQ(symlink(std::string(target, static_cast<size_t>(n)).c_str(), path.c_str()), 0);
  EXPECT_EQ(ExpectProblem(Check(), link, "link", "symlink target does not decrypt"), 1u);
}

TEST_F(FsckTest, ProgressIsReported) {
  char* text = nullptr;
  size_t len = 0;
  FILE* out = open_memstream(&text, &len);
  ASSERT_NE(out, nullptr);
  FsckOptions options;
  options.progress = out;
  EXPECT_TRUE(CheckVault(vault_, keys_, options).clean());
  fclose(out);
  EXPECT_NE(std::string(text, len).find("6 files"), std::string::npos) << text;
  free(text);
}

}  // namespace
}  // namespace loopfs::encrypt::testing
