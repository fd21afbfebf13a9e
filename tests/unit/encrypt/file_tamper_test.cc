// Whole-file damage, as an attacker with access to the ciphertext directory could cause it:
// every kind must make decryption fail rather than return wrong data.
#include <gtest/gtest.h>

#include <string>

#include "layers/encrypt/core/block_layout.h"
#include "tests/unit/encrypt/vault_tree.h"

namespace loopfs::encrypt::testing {
namespace {

class FileTamper : public ::testing::Test {
 protected:
  void SetUp() override {
    SecretKey master;
    ASSERT_TRUE(RandomBytes(master.bytes()));
    ASSERT_TRUE(DeriveVaultKeys(master, &keys_));
    plain_.resize(3 * 4096 + 1000);
    for (size_t i = 0; i < plain_.size(); i++) plain_[i] = static_cast<char>(i % 251);
    cipher_ = EncryptContent(keys_, plain_);
    ASSERT_EQ(cipher_.size(), 18u + 3 * 4128u + 1032u);
  }

  bool Decrypts(const std::string& cipher) {
    std::string out;
    return DecryptContent(keys_, cipher, &out) && out == plain_;
  }

  static size_t BlockAt(size_t n) { return LFENC_HEADER_LEN + n * LFENC_CIPHER_BLOCK_LEN; }

  VaultKeys keys_;
  std::string plain_;
  std::string cipher_;
};

TEST_F(FileTamper, IntactFileDecrypts) { EXPECT_TRUE(Decrypts(cipher_)); }

TEST_F(FileTamper, FlippedByteAnywhere) {
  for (size_t at : {size_t{0}, size_t{1}, size_t{5}, size_t{17}, BlockAt(0), BlockAt(1) + 100,
                    BlockAt(2) + 4127, cipher_.size() - 1}) {
    std::string bad = cipher_;
    bad[at] ^= 0x20;
    EXPECT_FALSE(Decrypts(bad)) << "byte " << at;
  }
}

TEST_F(FileTamper, SwappedBlocks) {
  std::string bad = cipher_;
  bad.replace(BlockAt(0), 4128, cipher_, BlockAt(1), 4128);
  bad.replace(BlockAt(1), 4128, cipher_, BlockAt(0), 4128);
  EXPECT_FALSE(Decrypts(bad));
}

TEST_F(FileTamper, BlockMovedFromAnotherFile) {
  const std::string other = EncryptContent(keys_, plain_);  // same content, other file id
  std::string bad = cipher_;
  bad.replace(BlockAt(1), 4128, other, BlockAt(1), 4128);
  EXPECT_FALSE(Decrypts(bad));
  // The other file's header in front of our blocks fails as well.
  bad = cipher_;
  bad.replace(0, LFENC_HEADER_LEN, other, 0, LFENC_HEADER_LEN);
  EXPECT_FALSE(Decrypts(bad));
}

TEST_F(FileTamper, TruncatedMidBlockOrHeader) {
  for (size_t len :
       {size_t{1}, size_t{17}, size_t{19}, BlockAt(1) + 20, BlockAt(3) + 500, cipher_.size() - 1}) {
    EXPECT_FALSE(Decrypts(cipher_.substr(0, len))) << len;
  }
}

TEST_F(FileTamper, WholeBlockZeroedBecomesAHoleNotAnError) {
  // A documented property of the format (gocryptfs's threat model): an attacker may zero a
  // full block, which then reads as a hole.  Pin it so a change of behaviour is noticed.
  std::string bad = cipher_;
  bad.replace(BlockAt(1), 4128, std::string(4128, '\0'));
  std::string out;
  ASSERT_TRUE(DecryptContent(keys_, bad, &out));
  EXPECT_EQ(out.substr(4096, 4096), std::string(4096, '\0'));
}

TEST_F(FileTamper, TruncationAtABlockBoundaryIsNotDetected) {
  // Also documented: the format has no file length MAC, so whole trailing blocks can be cut.
  std::string out;
  ASSERT_TRUE(DecryptContent(keys_, cipher_.substr(0, BlockAt(2)), &out));
  EXPECT_EQ(out, plain_.substr(0, size_t{2} * 4096));
}

}  // namespace
}  // namespace loopfs::encrypt::testing
