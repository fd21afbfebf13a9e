// An `ro` export refuses every change with NFS3ERR_ROFS and keeps serving
// reads; ACCESS does not grant what ro forbids.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/support/nfs3_constants.h"
#include "tests/support/server_fixture.h"

namespace loopfs::testing {
namespace {

class ReadOnlyTest : public SharedServerTest<ReadOnlyTest> {
 public:
  static ServerConfig Config() { return ServerWith({"ro", "no_root_squash"}); }
  static constexpr bool kMakeTestDir = false;

 protected:
  void SetUp() override {
    SharedServerTest::SetUp();
    if (HasFatalFailure()) return;
    std::ofstream(server_->export_dir() / "file") << "content";
    std::filesystem::create_directories(server_->export_dir() / "dir" / "sub");
    LookupRes f = client_->Lookup(client_->root(), "file");
    ASSERT_TRUE(f.ok()) << Why(f);
    file_ = f.fh;
    LookupRes d = client_->Lookup(client_->root(), "dir");
    ASSERT_TRUE(d.ok()) << Why(d);
    subdir_ = d.fh;
  }
  Fh file_, subdir_;
};

TEST_F(ReadOnlyTest, ReadsWork) {
  ReadRes r = client_->Read(file_, 0, 100);
  ASSERT_TRUE(r.ok()) << Why(r);
  EXPECT_EQ(std::string(r.data.begin(), r.data.end()), "content");
  EXPECT_TRUE(client_->ReadDir(client_->root()).ok());
  EXPECT_TRUE(client_->FsStat(client_->root()).ok());
}

TEST_F(ReadOnlyTest, EveryChangeIsRofs) {
  const Fh& root = client_->root();
  EXPECT_EQ(client_->SetAttr(file_, {.mode = 0600}).status, NFS3ERR_ROFS);
  EXPECT_EQ(client_->Write(file_, 0, {'x'}).status, NFS3ERR_ROFS);
  EXPECT_EQ(client_->Create(root, "new", UNCHECKED).status, NFS3ERR_ROFS);
  EXPECT_EQ(client_->Create(root, "new", EXCLUSIVE, {}, {1, 2, 3}).status, NFS3ERR_ROFS);
  EXPECT_EQ(client_->MkDir(root, "new").status, NFS3ERR_ROFS);
  EXPECT_EQ(client_->SymLink(root, "new", "t").status, NFS3ERR_ROFS);
  EXPECT_EQ(client_->MkNod(root, "new", NF3FIFO).status, NFS3ERR_ROFS);
  EXPECT_EQ(client_->Remove(root, "file").status, NFS3ERR_ROFS);
  EXPECT_EQ(client_->RmDir(subdir_, "sub").status, NFS3ERR_ROFS);
  EXPECT_EQ(client_->Rename(root, "file", root, "moved").status, NFS3ERR_ROFS);
  EXPECT_EQ(client_->Link(file_, root, "hard").status, NFS3ERR_ROFS);
  EXPECT_TRUE(std::filesystem::exists(server_->export_dir() / "file"));
  EXPECT_FALSE(std::filesystem::exists(server_->export_dir() / "new"));
  EXPECT_FALSE(std::filesystem::exists(server_->export_dir() / "moved"));
}

TEST_F(ReadOnlyTest, AccessDoesNotGrantChanges) {
  AccessRes a = client_->Access(file_, ACCESS3_READ | ACCESS3_MODIFY | ACCESS3_EXTEND);
  ASSERT_TRUE(a.ok()) << Why(a);
  EXPECT_TRUE(a.access & ACCESS3_READ);
  EXPECT_EQ(a.access & (ACCESS3_MODIFY | ACCESS3_EXTEND), 0u);
  AccessRes d = client_->Access(client_->root(), ACCESS3_LOOKUP | ACCESS3_DELETE | ACCESS3_MODIFY);
  ASSERT_TRUE(d.ok()) << Why(d);
  EXPECT_TRUE(d.access & ACCESS3_LOOKUP);
  EXPECT_EQ(d.access & (ACCESS3_DELETE | ACCESS3_MODIFY), 0u);
}

}  // namespace
}  // namespace loopfs::testing
