// A handle whose object is gone answers NFS3ERR_STALE, whether it was removed
// through NFS or behind the server's back; handles survive renames.
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/support/nfs3_constants.h"
#include "tests/support/server_fixture.h"

namespace loopfs::testing {
namespace {

// ganesha keeps serving a handle from its cache after the object was removed
// behind its back; loopfsd must not.
class StaleHandleTest : public SharedServerTest<StaleHandleTest> {};

TEST_F(StaleHandleTest, RemovedThroughAnotherPath) {
  if (TestServer::IsGanesha()) GTEST_SKIP() << "ganesha's handle cache";
  CreateRes c = client_->Create(dir_, "f", UNCHECKED);
  ASSERT_TRUE(c.ok()) << Why(c);
  Fh f = *c.fh;
  ASSERT_TRUE(client_->GetAttr(f).ok());
  std::filesystem::remove(LocalDir() / "f");
  GetAttrRes g = client_->GetAttr(f);
  EXPECT_EQ(g.status, NFS3ERR_STALE) << Why(g);
  EXPECT_EQ(client_->Read(f, 0, 1).status, NFS3ERR_STALE);
  EXPECT_EQ(client_->Write(f, 0, {'x'}).status, NFS3ERR_STALE);
  EXPECT_EQ(client_->SetAttr(f, {.mode = 0600}).status, NFS3ERR_STALE);
  EXPECT_EQ(client_->Access(f, ACCESS3_READ).status, NFS3ERR_STALE);
  EXPECT_EQ(client_->Commit(f).status, NFS3ERR_STALE);
  EXPECT_EQ(client_->Link(f, dir_, "relinked").status, NFS3ERR_STALE);
  EXPECT_FALSE(std::filesystem::exists(LocalDir() / "relinked"));
}

TEST_F(StaleHandleTest, RemovedThroughNfs) {
  CreateRes c = client_->Create(dir_, "f", UNCHECKED);
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(client_->Remove(dir_, "f").ok());
  EXPECT_EQ(client_->GetAttr(*c.fh).status, NFS3ERR_STALE);
}

TEST_F(StaleHandleTest, DirectoryRemovedThroughAnotherPath) {
  if (TestServer::IsGanesha()) GTEST_SKIP() << "ganesha's handle cache";
  CreateRes d = client_->MkDir(dir_, "d");
  ASSERT_TRUE(d.ok());
  std::filesystem::remove(LocalDir() / "d");
  EXPECT_EQ(client_->GetAttr(*d.fh).status, NFS3ERR_STALE);
  EXPECT_EQ(client_->Lookup(*d.fh, "x").status, NFS3ERR_STALE);
  EXPECT_EQ(client_->Create(*d.fh, "x", UNCHECKED).status, NFS3ERR_STALE);
  EXPECT_EQ(client_->ReadDir(*d.fh).status, NFS3ERR_STALE);
}

TEST_F(StaleHandleTest, ReplacedByRenameBecomesStale) {
  CreateRes a = client_->Create(dir_, "a", UNCHECKED);
  CreateRes b = client_->Create(dir_, "b", UNCHECKED);
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_TRUE(client_->Rename(dir_, "a", dir_, "b").ok());
  EXPECT_EQ(client_->GetAttr(*b.fh).status, NFS3ERR_STALE) << "b's old inode is gone";
  EXPECT_TRUE(client_->GetAttr(*a.fh).ok());
}

TEST_F(StaleHandleTest, HandleSurvivesLocalRename) {
  CreateRes c = client_->Create(dir_, "before", UNCHECKED);
  ASSERT_TRUE(c.ok());
  std::filesystem::create_directory(LocalDir() / "elsewhere");
  std::filesystem::rename(LocalDir() / "before", LocalDir() / "elsewhere" / "after");
  GetAttrRes g = client_->GetAttr(*c.fh);
  EXPECT_TRUE(g.ok()) << Why(g);
}

}  // namespace
}  // namespace loopfs::testing
