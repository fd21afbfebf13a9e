// CREATE EXCLUSIVE (RFC 1813 section 3.3.8): a retransmission with the same
// verifier succeeds and returns the same file; another verifier gets EXIST.
#include <gtest/gtest.h>

#include "tests/support/nfs3_constants.h"
#include "tests/support/server_fixture.h"

namespace loopfs::testing {
namespace {

class ExclusiveCreateTest : public SharedServerTest<ExclusiveCreateTest> {};

constexpr std::array<uint8_t, 8> kVerf{1, 2, 3, 4, 5, 6, 7, 8};
constexpr std::array<uint8_t, 8> kOther{8, 7, 6, 5, 4, 3, 2, 1};

TEST_F(ExclusiveCreateTest, SameVerifierSucceedsOtherIsExist) {
  CreateRes first = client_->Create(dir_, "x", EXCLUSIVE, {}, kVerf);
  ASSERT_TRUE(first.ok()) << Why(first);
  Fh fh = first.fh ? *first.fh : client_->Lookup(dir_, "x").fh;
  uint64_t fileid = client_->GetAttr(fh).attr.fileid;

  CreateRes again = client_->Create(dir_, "x", EXCLUSIVE, {}, kVerf);
  ASSERT_TRUE(again.ok()) << "retransmitted exclusive create: " << Why(again);
  Fh fh2 = again.fh ? *again.fh : client_->Lookup(dir_, "x").fh;
  EXPECT_EQ(client_->GetAttr(fh2).attr.fileid, fileid) << "the same file, not a new one";

  CreateRes other = client_->Create(dir_, "x", EXCLUSIVE, {}, kOther);
  EXPECT_EQ(other.status, NFS3ERR_EXIST) << Why(other);
}

TEST_F(ExclusiveCreateTest, ExistingFileIsExist) {
  ASSERT_TRUE(client_->Create(dir_, "plain", UNCHECKED).ok());
  CreateRes c = client_->Create(dir_, "plain", EXCLUSIVE, {}, kVerf);
  EXPECT_EQ(c.status, NFS3ERR_EXIST) << Why(c);
  ASSERT_TRUE(client_->MkDir(dir_, "d").ok());
  EXPECT_EQ(client_->Create(dir_, "d", EXCLUSIVE, {}, kVerf).status, NFS3ERR_EXIST);
}

TEST_F(ExclusiveCreateTest, ClientSetsAttributesAfterwards) {
  // What the Linux client does after an exclusive create: SETATTR with the
  // real mode and times.  The file is then an ordinary file.
  CreateRes c = client_->Create(dir_, "y", EXCLUSIVE, {}, kVerf);
  ASSERT_TRUE(c.ok()) << Why(c);
  Fh fh = c.fh ? *c.fh : client_->Lookup(dir_, "y").fh;
  SetAttrRes s = client_->SetAttr(
      fh, {.mode = 0640, .atime_how = SET_TO_SERVER_TIME, .mtime_how = SET_TO_SERVER_TIME});
  ASSERT_TRUE(s.ok()) << Why(s);
  GetAttrRes g = client_->GetAttr(fh);
  EXPECT_EQ(g.attr.mode & 07777, 0640u);
  EXPECT_EQ(g.attr.size, 0u);
  EXPECT_EQ(g.attr.type, NF3REG);
}

}  // namespace
}  // namespace loopfs::testing
