// Callers other than root on an encrypted export: their changes are checked by the layer
// below exactly as on a plain export, while the layer's own bookkeeping (directory IVs read
// to decrypt names, neighbouring bytes of a partial-block write) does not depend on them.
#include <sys/stat.h>

#include <set>

#include "tests/integration/encrypt_vault_fixture.h"
#include "tests/support/nfs3_constants.h"

namespace loopfs::testing::encrypt_it {
namespace {

constexpr uint32_t kAccess = NFS3ERR_ACCES;

class EncryptPermissionsTest : public VaultTest {};

TEST_F(EncryptPermissionsTest, OwnerWorksOthersAreChecked) {
  InitVault();
  StartServer();
  // Root makes a directory for uid 1000.
  CreateRes home = client_->MkDir(client_->root(), "home", {.mode = 0755});
  ASSERT_TRUE(home.ok()) << Why(home);
  SetAttrRes own = client_->SetAttr(*home.fh, {.uid = 1000, .gid = 1000});
  ASSERT_TRUE(own.ok()) << Why(own);

  auto user = NewClient(1000, 1000);
  ASSERT_NE(user, nullptr);
  const Fh dir = *home.fh;
  CreateRes f = user->Create(dir, "mine", 1, {.mode = 0600});
  ASSERT_TRUE(f.ok()) << Why(f);
  ASSERT_TRUE(f.attr.has_value());
  EXPECT_EQ(f.attr->uid, 1000u);
  const std::string data = Pattern(10000, 5);
  WriteRes w = user->Write(*f.fh, 0, ToBytes(data), 2);
  ASSERT_TRUE(w.ok()) << Why(w);
  ReadRes r = user->Read(*f.fh, 0, 20000);
  ASSERT_TRUE(r.ok()) << Why(r);
  EXPECT_TRUE(ToString(r.data) == data);
  // A long name, so the .name side file is written with the caller's credentials too.
  CreateRes lf = user->Create(dir, std::string(200, 'u'), 1, {.mode = 0644});
  ASSERT_TRUE(lf.ok()) << Why(lf);

  CreateRes sub = user->MkDir(dir, "sub", {.mode = 0755});
  ASSERT_TRUE(sub.ok()) << Why(sub);
  CreateRes in_sub = user->Create(*sub.fh, "in-sub", 1, {.mode = 0644});
  EXPECT_TRUE(in_sub.ok()) << "the new directory's IV must be usable: " << Why(in_sub);
  EXPECT_TRUE(user->Remove(*sub.fh, "in-sub").ok());
  RemoveRes rd = user->RmDir(dir, "sub");
  EXPECT_TRUE(rd.ok()) << Why(rd);
  // A directory created read-only still gets its IV, and can be listed and removed.
  CreateRes ro = user->MkDir(dir, "readonly", {.mode = 0555});
  ASSERT_TRUE(ro.ok()) << Why(ro);
  ReadDirRes ro_list = user->ReadDirAll(*ro.fh, true);
  EXPECT_TRUE(ro_list.ok()) << Why(ro_list);
  EXPECT_EQ(user->Create(*ro.fh, "nope", 1, {.mode = 0644}).status, kAccess);
  rd = user->RmDir(dir, "readonly");
  EXPECT_TRUE(rd.ok()) << Why(rd);

  // Another uid: cannot read the 0600 file, cannot create in the 0755 directory, but can
  // list it with names decrypted (gocryptfs.diriv is 0440 and owned by 1000).
  auto other = NewClient(2000, 2000);
  ASSERT_NE(other, nullptr);
  LookupRes lr = other->Lookup(dir, "mine");
  ASSERT_TRUE(lr.ok()) << Why(lr);
  EXPECT_EQ(lr.attr->size, data.size()) << "plaintext size for another uid too";
  EXPECT_EQ(other->Read(lr.fh, 0, 100).status, kAccess);
  EXPECT_EQ(other->Create(dir, "intruder", 1, {.mode = 0644}).status, kAccess);
  EXPECT_EQ(other->Write(lr.fh, 0, ToBytes("x"), 2).status, kAccess);
  ReadDirRes list = other->ReadDirAll(dir, true);
  ASSERT_TRUE(list.ok()) << Why(list);
  std::set<std::string> names;
  for (const DirEntry3& e : list.entries) {
    names.insert(e.name);
    if (e.name == "mine") {
      ASSERT_TRUE(e.attr.has_value());
      EXPECT_EQ(e.attr->size, data.size());
    }
  }
  EXPECT_TRUE(names == std::set<std::string>({".", "..", "mine", std::string(200, 'u')}));
  ReadDirRes plain_list = other->ReadDirAll(dir, false);
  EXPECT_TRUE(plain_list.ok()) << Why(plain_list);
  EXPECT_EQ(plain_list.entries.size(), 4u);
  EXPECT_EQ(other->Remove(dir, "mine").status, kAccess);

  // Write-only for others: another uid may patch a partial block it cannot read (the layer
  // reads the block's other bytes as root), and truncate mid-block.  (The owner itself may
  // always read, as on a plain export: NFS checks that at open.)
  ASSERT_TRUE(user->SetAttr(*f.fh, {.mode = 0602}).ok());
  EXPECT_EQ(other->Read(*f.fh, 0, 10).status, kAccess);
  WriteRes patch = other->Write(*f.fh, 4090, ToBytes("patched"), 2);
  ASSERT_TRUE(patch.ok()) << Why(patch);
  std::string want = data;
  want.replace(4090, 7, "patched");
  ReadRes back = client_->Read(*f.fh, 0, 20000);
  ASSERT_TRUE(back.ok()) << Why(back);
  EXPECT_TRUE(ToString(back.data) == want);
  SetAttrRes trunc = other->SetAttr(*f.fh, {.size = 5000});
  ASSERT_TRUE(trunc.ok()) << Why(trunc);
  back = client_->Read(*f.fh, 0, 20000);
  ASSERT_TRUE(back.ok()) << Why(back);
  EXPECT_TRUE(ToString(back.data) == want.substr(0, 5000));
  EXPECT_EQ(other->Read(*f.fh, 0, 10).status, kAccess);
  ASSERT_TRUE(user->SetAttr(*f.fh, {.mode = 0600}).ok());

  // Refused changes leave no bookkeeping behind and take none away: an RMDIR the caller may
  // not do keeps the directory's IV; a RENAME or LINK to a long name that the layer below
  // refuses leaves no .name side file.
  CreateRes keep = user->MkDir(dir, "keep-empty", {.mode = 0755});
  ASSERT_TRUE(keep.ok()) << Why(keep);
  EXPECT_EQ(other->RmDir(dir, "keep-empty").status, kAccess);
  EXPECT_EQ(other->Remove(dir, std::string(200, 'u')).status, kAccess);
  CreateRes sticky = client_->MkDir(client_->root(), "sticky", {.mode = 01777});
  ASSERT_TRUE(sticky.ok()) << Why(sticky);
  CreateRes theirs = user->Create(*sticky.fh, "users-file", 1, {.mode = 0600});
  ASSERT_TRUE(theirs.ok()) << Why(theirs);
  RenameRes steal = other->Rename(*sticky.fh, "users-file", *sticky.fh, std::string(222, 's'));
  EXPECT_FALSE(steal.ok()) << "sticky directory: only the owner renames";
  EXPECT_EQ(other->Lookup(*sticky.fh, std::string(222, 's')).status,
            static_cast<uint32_t>(NFS3ERR_NOENT));
  LinkRes hard = other->Link(*theirs.fh, *sticky.fh, std::string(233, 'k'));
  if (hard.ok()) {
    EXPECT_TRUE(other->Remove(*sticky.fh, std::string(233, 'k')).ok());
  }
  EXPECT_EQ(other->RmDir(client_->root(), "sticky").status, kAccess);
  // And the owner still uses everything.
  CreateRes in_keep = user->Create(*keep.fh, std::string(201, 'i'), 1, {.mode = 0644});
  EXPECT_TRUE(in_keep.ok()) << Why(in_keep);
  StopServer();
  EXPECT_EQ(CheckCipherBookkeeping(cipher_), "");

  // The real gocryptfs sees the same, owned by the caller.
  Mount();
  struct stat st;
  ASSERT_EQ(stat((mnt_ + "/home/mine").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 1000u);
  EXPECT_TRUE(loopfs::encrypt::testing::ReadFileBytes(mnt_ + "/home/mine") ==
              want.substr(0, 5000));
  Unmount();
}

}  // namespace
}  // namespace loopfs::testing::encrypt_it
