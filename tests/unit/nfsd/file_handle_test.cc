// SipHash-2-4 against the published vectors, the wire handle codec against
// every length and every single-byte corruption, and the key file.
#include "nfsd/file_handle.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <numeric>

#include "nfsd/handle_key.h"
#include "nfsd/siphash.h"

namespace loopfs::nfsd {
namespace {

TEST(SipHash24, PaperVectors) {
  // SipHash paper, appendix A and the reference implementation's vectors:
  // key 00 01 .. 0f, message 00 01 .. (n-1).
  const uint64_t expected[] = {
      0x726fdb47dd0e0e31, 0x74f839c593dc67fd, 0x0d6c8009d9a94f5a, 0x85676696d7fb7e2d,
      0xcf2794e0277187b7, 0x18765564cd99a68d, 0xcbc9466e58fee3ce, 0xab0200f58b01d137,
      0x93f5f5799a932462, 0x9e0082df0ba9e4b0, 0x7a5dbbc594ddb9f3, 0xf4b32f46226bada7,
      0x751e8fbc860ee5fb, 0x14ea5627c0843d90, 0xf723ca908e7af2ee, 0xa129ca6149be45e5,
      0x3f2acc7f57c29bdb, 0x699ae9f52cbe4794, 0x4bc1b3f0968dd39c, 0xbb6dc91da77961bd,
      0xbed65cf21aa2ee98, 0xd0f2cbb02e3b67c7, 0x93536795e3a33e88, 0xa80c038ccd5ccec8,
      0xb8ad50c6f649af94, 0xbce192de8a85b8ea, 0x17d835b85bbb15f3, 0x2f2e6163076bcfad,
  };
  SipHashKey key;
  std::iota(key.begin(), key.end(), uint8_t{0});
  uint8_t msg[64];
  std::iota(std::begin(msg), std::end(msg), uint8_t{0});
  for (size_t n = 0; n < std::size(expected); ++n) {
    EXPECT_EQ(SipHash24(key, {msg, n}), expected[n]) << "message length " << n;
  }
}

HandleKey TestKey(uint8_t seed = 7) {
  HandleKey k;
  for (size_t i = 0; i < k.size(); ++i) k[i] = static_cast<uint8_t>(seed + 31 * i);
  return k;
}

NodeHandle Node(size_t n) {
  NodeHandle h;
  h.size = static_cast<uint8_t>(n);
  for (size_t i = 0; i < n; ++i) h.data[i] = static_cast<uint8_t>(0xa0 + i);
  return h;
}

TEST(FileHandle, RoundTripsEveryLayerHandleLength) {
  for (size_t n = 0; n <= kMaxLayerHandle; ++n) {
    WireHandle w = EncodeFileHandle(TestKey(), 0xbeef, 0, Node(n));
    ASSERT_EQ(w.size, kFileHandleHeader + n + kFileHandleTag);
    ASSERT_LE(w.size, 64);
    DecodedHandle d;
    ASSERT_TRUE(DecodeFileHandle(TestKey(), w.bytes(), &d).ok()) << n;
    EXPECT_EQ(d.export_id, 0xbeef);
    EXPECT_EQ(d.route, 0);
    EXPECT_EQ(d.node, Node(n));
  }
}

TEST(FileHandle, LayoutIsAsDocumented) {
  WireHandle w = EncodeFileHandle(TestKey(), 0x1234, 0, Node(3));
  EXPECT_EQ(w.data[0], kFileHandleVersion);
  EXPECT_EQ(w.data[1], 0x12);
  EXPECT_EQ(w.data[2], 0x34);
  EXPECT_EQ(w.data[3], 0);
  EXPECT_EQ(w.data[4], 3);
  EXPECT_EQ(w.data[5], 0xa0);
  const uint64_t tag = SipHash24(TestKey(), {w.data.data(), 8});
  for (int i = 0; i < 8; ++i) EXPECT_EQ(w.data[8 + i], static_cast<uint8_t>(tag >> (8 * i)));
}

TEST(FileHandle, EveryWireLengthFromZeroTo64) {
  // Bytes that are not a handle we issued are BADHANDLE at every length,
  // including lengths that match a valid layout.
  for (size_t len = 0; len <= 64; ++len) {
    std::vector<uint8_t> junk(len, 0);
    if (len > 4) {
      junk[0] = kFileHandleVersion;
      junk[4] = static_cast<uint8_t>(len >= 13 ? len - 13 : 0);
    }
    DecodedHandle d;
    EXPECT_EQ(DecodeFileHandle(TestKey(), junk, &d).code(), Nfsstat3::kBadhandle) << len;
  }
  // A valid handle with bytes added or removed at the end.
  WireHandle w = EncodeFileHandle(TestKey(), 1, 0, Node(20));
  for (size_t len = 0; len <= 64; ++len) {
    std::vector<uint8_t> bytes(w.data.begin(), w.data.begin() + std::min<size_t>(len, w.size));
    bytes.resize(len, 0);
    DecodedHandle d;
    Status st = DecodeFileHandle(TestKey(), bytes, &d);
    EXPECT_EQ(st.ok(), len == w.size) << len;
  }
}

TEST(FileHandle, EveryTamperedByteIsRefused) {
  WireHandle w = EncodeFileHandle(TestKey(), 0x4242, 0, Node(kMaxLayerHandle));
  for (size_t i = 0; i < w.size; ++i) {
    for (uint8_t flip : {0x01, 0x80, 0xff}) {
      WireHandle t = w;
      t.data[i] ^= flip;
      DecodedHandle d;
      EXPECT_EQ(DecodeFileHandle(TestKey(), t.bytes(), &d).code(), Nfsstat3::kBadhandle)
          << "byte " << i;
    }
  }
}

TEST(FileHandle, AnotherKeyIsRefused) {
  WireHandle w = EncodeFileHandle(TestKey(1), 9, 0, Node(8));
  DecodedHandle d;
  EXPECT_EQ(DecodeFileHandle(TestKey(2), w.bytes(), &d).code(), Nfsstat3::kBadhandle);
}

class HandleKeyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/loopfs-nfsd-key-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

TEST_F(HandleKeyTest, CreatesOnceThenLoadsTheSameKey) {
  std::string err;
  auto first = LoadOrCreateHandleKey(dir_, &err);
  ASSERT_TRUE(first.has_value()) << err;
  struct stat st {};
  ASSERT_EQ(stat((dir_ + "/handle.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_EQ(st.st_size, 16);
  auto second = LoadOrCreateHandleKey(dir_, &err);
  ASSERT_TRUE(second.has_value()) << err;
  EXPECT_EQ(*first, *second);
}

TEST_F(HandleKeyTest, RefusesAShortKeyFileAndSaysWhatToDo) {
  std::ofstream(dir_ + "/handle.key") << "short";
  chmod((dir_ + "/handle.key").c_str(), 0600);
  std::string err;
  EXPECT_FALSE(LoadOrCreateHandleKey(dir_, &err).has_value());
  EXPECT_NE(err.find("remove it"), std::string::npos) << err;
}

TEST_F(HandleKeyTest, RefusesAKeyReadableByOthers) {
  std::ofstream(dir_ + "/handle.key") << "0123456789abcdef";
  chmod((dir_ + "/handle.key").c_str(), 0644);
  std::string err;
  EXPECT_FALSE(LoadOrCreateHandleKey(dir_, &err).has_value());
  EXPECT_NE(err.find("chmod 600"), std::string::npos) << err;
}

TEST_F(HandleKeyTest, MissingStateDirectoryIsAClearError) {
  std::string err;
  EXPECT_FALSE(LoadOrCreateHandleKey(dir_ + "/does/not/exist", &err).has_value());
  EXPECT_NE(err.find("state directory"), std::string::npos) << err;
}

}  // namespace
}  // namespace loopfs::nfsd
