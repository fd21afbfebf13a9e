// The caller's AUTH_SYS identity decides: ACCES/PERM for a non-root uid,
// ACCESS computed for the caller, ownership of what it creates, and root
// squashing by default.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/support/nfs3_constants.h"
#include "tests/support/server_fixture.h"

namespace loopfs::testing {
namespace {

constexpr uint32_t kUser = 1000;
constexpr uint32_t kGroup = 1000;
constexpr uint32_t kAll = ACCESS3_READ | ACCESS3_LOOKUP | ACCESS3_MODIFY | ACCESS3_EXTEND |
                          ACCESS3_DELETE | ACCESS3_EXECUTE;

class PermissionsTest : public SharedServerTest<PermissionsTest> {
 protected:
  void SetUp() override {
    SharedServerTest::SetUp();
    if (HasFatalFailure()) return;
    user_ = Nfs3Client::Connect(*server_, {.uid = kUser, .gid = kGroup});
    ASSERT_NE(user_, nullptr);
    // root's private directory and files the user may only read or not at all.
    CreateRes p = client_->MkDir(dir_, "private", {.mode = 0700});
    ASSERT_TRUE(p.ok()) << Why(p);
    private_ = *p.fh;
    CreateRes s = client_->Create(dir_, "secret", UNCHECKED, {.mode = 0600});
    ASSERT_TRUE(s.ok()) << Why(s);
    secret_ = *s.fh;
    CreateRes r = client_->Create(dir_, "readable", UNCHECKED, {.mode = 0644});
    ASSERT_TRUE(r.ok()) << Why(r);
    readable_ = *r.fh;
    ASSERT_TRUE(client_->Write(readable_, 0, {'h', 'i'}).ok());
    CreateRes ro = client_->MkDir(dir_, "rodir", {.mode = 0755});
    ASSERT_TRUE(ro.ok()) << Why(ro);
    rodir_ = *ro.fh;
  }

  std::unique_ptr<Nfs3Client> user_;
  Fh private_, secret_, readable_, rodir_;
};

TEST_F(PermissionsTest, LookupInPrivateDirectoryIsAcces) {
  ASSERT_TRUE(client_->Create(private_, "x", UNCHECKED).ok());
  LookupRes l = user_->Lookup(private_, "x");
  EXPECT_EQ(l.status, NFS3ERR_ACCES) << Why(l);
  EXPECT_EQ(user_->ReadDir(private_).status, NFS3ERR_ACCES);
}

TEST_F(PermissionsTest, CreateInForeignDirectoryIsAcces) {
  EXPECT_EQ(user_->Create(rodir_, "x", GUARDED).status, NFS3ERR_ACCES);
  EXPECT_EQ(user_->MkDir(rodir_, "x").status, NFS3ERR_ACCES);
  EXPECT_EQ(user_->SymLink(rodir_, "x", "t").status, NFS3ERR_ACCES);
  ASSERT_TRUE(client_->Create(rodir_, "victim", UNCHECKED).ok());
  EXPECT_EQ(user_->Remove(rodir_, "victim").status, NFS3ERR_ACCES);
  EXPECT_EQ(user_->Rename(rodir_, "victim", dir_, "stolen").status, NFS3ERR_ACCES);
}

TEST_F(PermissionsTest, ReadAndWriteOfForeignFiles) {
  ReadRes r = user_->Read(secret_, 0, 10);
  EXPECT_EQ(r.status, NFS3ERR_ACCES) << Why(r);
  ReadRes ok = user_->Read(readable_, 0, 10);
  ASSERT_TRUE(ok.ok()) << Why(ok);
  EXPECT_EQ(ok.data, (Bytes{'h', 'i'}));
  WriteRes w = user_->Write(readable_, 0, {'x'});
  EXPECT_EQ(w.status, NFS3ERR_ACCES) << Why(w);
  EXPECT_EQ(client_->Read(readable_, 0, 10).data, (Bytes{'h', 'i'})) << "write must not apply";
}

TEST_F(PermissionsTest, SetAttrOfForeignFileIsPerm) {
  // chmod and chown by a non-owner fail with EPERM, not EACCES.
  SetAttrRes m = user_->SetAttr(readable_, {.mode = 0777});
  EXPECT_EQ(m.status, NFS3ERR_PERM) << Why(m);
  SetAttrRes o = user_->SetAttr(readable_, {.uid = kUser});
  EXPECT_EQ(o.status, NFS3ERR_PERM) << Why(o);
  // Truncating needs write permission.
  SetAttrRes t = user_->SetAttr(readable_, {.size = 0});
  EXPECT_EQ(t.status, NFS3ERR_ACCES) << Why(t);
}

TEST_F(PermissionsTest, AccessIsComputedForTheCaller) {
  AccessRes root = client_->Access(secret_, kAll);
  ASSERT_TRUE(root.ok()) << Why(root);
  EXPECT_TRUE(root.access & ACCESS3_READ);
  EXPECT_TRUE(root.access & ACCESS3_MODIFY);

  AccessRes s = user_->Access(secret_, kAll);
  ASSERT_TRUE(s.ok()) << Why(s);
  EXPECT_EQ(s.access & (ACCESS3_READ | ACCESS3_MODIFY | ACCESS3_EXTEND), 0u) << s.access;

  AccessRes r = user_->Access(readable_, kAll);
  ASSERT_TRUE(r.ok()) << Why(r);
  EXPECT_TRUE(r.access & ACCESS3_READ);
  EXPECT_EQ(r.access & (ACCESS3_MODIFY | ACCESS3_EXTEND), 0u) << r.access;

  AccessRes d = user_->Access(private_, kAll);
  ASSERT_TRUE(d.ok()) << Why(d);
  EXPECT_EQ(d.access & (ACCESS3_LOOKUP | ACCESS3_READ | ACCESS3_MODIFY), 0u) << d.access;
}

TEST_F(PermissionsTest, UserOwnsWhatItCreates) {
  CreateRes c = user_->Create(dir_, "mine", GUARDED, {.mode = 0600});
  ASSERT_TRUE(c.ok()) << Why(c);
  GetAttrRes g = user_->GetAttr(*c.fh);
  EXPECT_EQ(g.attr.uid, kUser);
  EXPECT_EQ(g.attr.gid, kGroup);
  auto st = std::filesystem::status(LocalDir() / "mine");
  EXPECT_EQ(st.permissions(),
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  // The owner may chmod its own file; root may read it anyway.
  EXPECT_TRUE(user_->SetAttr(*c.fh, {.mode = 0640}).ok());
  EXPECT_TRUE(client_->Read(*c.fh, 0, 1).ok());
}

TEST_F(PermissionsTest, MkNodOfDeviceNeedsRoot) {
  CreateRes c = user_->MkNod(dir_, "dev", NF3CHR, {.mode = 0600}, 1, 3);
  EXPECT_EQ(c.status, NFS3ERR_PERM) << Why(c);
}

// Default export options squash root to the anonymous uid 65534.
class RootSquashTest : public SharedServerTest<RootSquashTest> {
 public:
  static ServerConfig Config() { return ServerWith({}); }
  static constexpr bool kMakeTestDir = false;
};

TEST_F(RootSquashTest, RootCreatesAsNobody) {
  std::filesystem::permissions(server_->export_dir(), std::filesystem::perms::all);
  CreateRes c = client_->Create(client_->root(), "squashed", GUARDED, {.mode = 0644});
  ASSERT_TRUE(c.ok()) << Why(c);
  GetAttrRes g = client_->GetAttr(*c.fh);
  EXPECT_EQ(g.attr.uid, 65534u);
  EXPECT_EQ(g.attr.gid, 65534u);
  // Root's own 0600 file is out of reach for squashed root.
  std::ofstream(server_->export_dir() / "rootonly") << "x";
  std::filesystem::permissions(
      server_->export_dir() / "rootonly",
      std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  LookupRes l = client_->Lookup(client_->root(), "rootonly");
  ASSERT_TRUE(l.ok()) << Why(l);
  EXPECT_EQ(client_->Read(l.fh, 0, 1).status, NFS3ERR_ACCES);
}

}  // namespace
}  // namespace loopfs::testing
