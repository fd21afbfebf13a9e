// File contents through READ/WRITE/SETATTR: offsets past 4 GiB, truncation
// and extension, holes, and large transfers.
#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include "tests/support/nfs3_constants.h"
#include "tests/support/server_fixture.h"

namespace loopfs::testing {
namespace {

class FileDataTest : public SharedServerTest<FileDataTest> {
 protected:
  Fh NewFile(const std::string& name) {
    CreateRes c = client_->Create(dir_, name, GUARDED, {.mode = 0644});
    EXPECT_TRUE(c.ok()) << Why(c);
    return c.fh.value_or(Fh{});
  }
};

TEST_F(FileDataTest, OffsetsBeyondFourGiB) {
  Fh f = NewFile("big");
  const uint64_t off = (uint64_t{5} << 30) + 17;
  Bytes data = {'f', 'a', 'r'};
  WriteRes w = client_->Write(f, off, data, FILE_SYNC);
  ASSERT_TRUE(w.ok()) << Why(w);
  EXPECT_EQ(w.count, 3u);
  GetAttrRes g = client_->GetAttr(f);
  EXPECT_EQ(g.attr.size, off + 3);
  EXPECT_LT(g.attr.used, uint64_t{1} << 30) << "sparse: the hole takes no space";

  ReadRes r = client_->Read(f, off, 10);
  ASSERT_TRUE(r.ok()) << Why(r);
  EXPECT_EQ(r.data, data);
  EXPECT_TRUE(r.eof);

  ReadRes hole = client_->Read(f, uint64_t{1} << 32, 4096);
  ASSERT_TRUE(hole.ok()) << Why(hole);
  EXPECT_EQ(hole.data, Bytes(4096, 0));
  EXPECT_FALSE(hole.eof);
  EXPECT_EQ(std::filesystem::file_size(LocalDir() / "big"), off + 3);
}

TEST_F(FileDataTest, TruncateAndExtend) {
  Fh f = NewFile("t");
  Bytes data(10000, 'z');
  ASSERT_TRUE(client_->Write(f, 0, data).ok());
  SetAttrRes s = client_->SetAttr(f, {.size = 100});
  ASSERT_TRUE(s.ok()) << Why(s);
  EXPECT_EQ(s.wcc.before_size, 10000u);
  EXPECT_EQ(client_->GetAttr(f).attr.size, 100u);
  ReadRes r = client_->Read(f, 0, 10000);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.data, Bytes(100, 'z'));
  EXPECT_TRUE(r.eof);

  ASSERT_TRUE(client_->SetAttr(f, {.size = 5000}).ok());
  ReadRes ext = client_->Read(f, 0, 10000);
  ASSERT_TRUE(ext.ok());
  ASSERT_EQ(ext.data.size(), 5000u);
  EXPECT_EQ(Bytes(ext.data.begin() + 100, ext.data.end()), Bytes(4900, 0)) << "extension reads 0";

  ASSERT_TRUE(client_->SetAttr(f, {.size = 0}).ok());
  ReadRes empty = client_->Read(f, 0, 10);
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty.count, 0u);
  EXPECT_TRUE(empty.eof);
}

TEST_F(FileDataTest, LargeTransfersRoundTrip) {
  Fh f = NewFile("l");
  std::mt19937 rng(42);
  Bytes data(1 << 20);
  for (auto& b : data) b = static_cast<uint8_t>(rng());
  // Two writes of 512 KiB, one read of 1 MiB (rtmax).
  WriteRes a = client_->Write(f, 0, Bytes(data.begin(), data.begin() + (1 << 19)), UNSTABLE);
  WriteRes b = client_->Write(f, 1 << 19, Bytes(data.begin() + (1 << 19), data.end()), UNSTABLE);
  ASSERT_TRUE(a.ok() && b.ok()) << Why(a) << Why(b);
  EXPECT_EQ(a.verf, b.verf);
  ASSERT_TRUE(client_->Commit(f, 0, 0).ok());
  Bytes back;
  while (back.size() < data.size()) {
    ReadRes r = client_->Read(f, back.size(), 1 << 20);
    ASSERT_TRUE(r.ok()) << Why(r);
    ASSERT_GT(r.count, 0u);
    back.insert(back.end(), r.data.begin(), r.data.end());
  }
  EXPECT_EQ(back, data);
  std::ifstream local(LocalDir() / "l", std::ios::binary);
  Bytes on_disk((std::istreambuf_iterator<char>(local)), std::istreambuf_iterator<char>());
  EXPECT_EQ(on_disk, data);
}

TEST_F(FileDataTest, WriteClearsSetuidAsLinuxDoes) {
  Fh f = NewFile("suid");
  ASSERT_TRUE(client_->SetAttr(f, {.mode = 04755}).ok());
  // A write by someone other than root clears the setuid bit.
  std::filesystem::permissions(LocalDir(), std::filesystem::perms::all);
  ASSERT_TRUE(client_->SetAttr(f, {.mode = 04777}).ok());
  auto user = Nfs3Client::Connect(*server_, {.uid = 1000, .gid = 1000});
  ASSERT_NE(user, nullptr);
  WriteRes w = user->Write(f, 0, {'x'}, FILE_SYNC);
  ASSERT_TRUE(w.ok()) << Why(w);
  EXPECT_EQ(client_->GetAttr(f).attr.mode & 04000, 0u) << "setuid survived a write";
}

}  // namespace
}  // namespace loopfs::testing
