// The posix layer acts as the caller: per-thread fsuid/fsgid/groups.
#include "layers/posix/credentials.h"

#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "tests/unit/layers/posix_test_util.h"

namespace loopfs::testing {
namespace {

using posix::CredentialScope;
using posix::CurrentThreadCredentials;

uint32_t KernelFsuid() { return static_cast<uint32_t>(syscall(SYS_setfsuid, -1)); }
uint32_t KernelFsgid() { return static_cast<uint32_t>(syscall(SYS_setfsgid, -1)); }

TEST(CredentialScope, SwitchesThisThreadOnlyAndRestores) {
  LOOPFS_SKIP_UNLESS_ROOT();
  long groups_before = syscall(SYS_getgroups, 0, nullptr);
  std::atomic<bool> switched{false};
  std::atomic<uint32_t> other_fsuid{12345};
  std::thread other([&] {
    while (!switched) std::this_thread::yield();
    other_fsuid = KernelFsuid();
  });
  Credentials user;
  user.uid = 1000;
  user.gid = 1001;
  user.ngroups = 2;
  user.groups[0] = 2000;
  user.groups[1] = 2001;
  {
    CredentialScope scope(user);
    EXPECT_TRUE(scope.ok());
    EXPECT_EQ(KernelFsuid(), 1000u);
    EXPECT_EQ(KernelFsgid(), 1001u);
    gid_t groups[32];
    EXPECT_EQ(syscall(SYS_getgroups, 32, groups), 2);
    EXPECT_EQ(groups[0], 2000u);
    EXPECT_EQ(groups[1], 2001u);
    EXPECT_EQ(CurrentThreadCredentials(), user);
    // The file system capabilities went with fsuid 0.
    EXPECT_NE(faccessat(AT_FDCWD, "/etc/shadow", R_OK, AT_EACCESS), 0);
    // A thread that already ran is untouched (glibc's wrappers would have
    // changed it too).  (New threads inherit the creating thread's ids.)
    switched = true;
    other.join();
    EXPECT_EQ(other_fsuid.load(), 0u);
    {
      CredentialScope nested(posix::RootCredentials());
      EXPECT_EQ(KernelFsuid(), 0u);
      // Root again has its file system capabilities.
      EXPECT_EQ(faccessat(AT_FDCWD, "/etc/shadow", R_OK, AT_EACCESS), 0);
    }
    EXPECT_EQ(KernelFsuid(), 1000u);
  }
  EXPECT_EQ(KernelFsuid(), 0u);
  EXPECT_EQ(KernelFsgid(), 0u);
  EXPECT_EQ(syscall(SYS_getgroups, 0, nullptr), groups_before);
}

class PosixCredentialsTest : public PosixLayerTest {
 protected:
  void SetUp() override {
    PosixLayerTest::SetUp();
    if (IsSkipped()) return;
    // The temp dir is 0700 root; a shared area inside it for the users.
    ASSERT_EQ(chmod(dir_.path().c_str(), 0755), 0);
    pub_ = MakeDir(root_, "pub", 0777);
  }
  RequestContext alice_ = Ctx(1000, 1000);
  RequestContext bob_ = Ctx(1001, 1001);
  NodeHandle pub_;
};

TEST_F(PosixCredentialsTest, NewObjectsBelongToTheCaller) {
  NodeHandle f = CreateFile(pub_, "alice.txt", 0640, alice_);
  Attr a = GetAttr(f);
  EXPECT_EQ(a.uid, 1000u);
  EXPECT_EQ(a.gid, 1000u);
  EXPECT_EQ(a.mode, 0640u);
  NodeHandle d = MakeDir(pub_, "alice.d", 0700, alice_);
  EXPECT_EQ(GetAttr(d).uid, 1000u);
  CreateRes cr;
  ASSERT_TRUE(layer_->SymLink(alice_, pub_, "alice.l", "x", {}, &cr).ok());
  EXPECT_EQ(cr.attr->uid, 1000u);
  // The thread is root again afterwards.
  EXPECT_EQ(KernelFsuid(), 0u);
}

TEST_F(PosixCredentialsTest, PermissionsAreTheCallers) {
  // Root's 0700 directory.
  NodeHandle priv = MakeDir(root_, "private", 0700);
  LookupRes lr;
  CreateRes cr;
  CreateFile(priv, "f");
  EXPECT_EQ(layer_->Lookup(alice_, priv, "f", &lr), Status(Nfsstat3::kAcces));
  EXPECT_EQ(layer_->Create(alice_, priv, "g", CreateMode::kUnchecked, {}, {}, &cr),
            Status(Nfsstat3::kAcces));
  VectorSink sink;
  ReadDirRes rd;
  EXPECT_EQ(layer_->ReadDir(alice_, priv, 0, {}, false, sink, &rd), Status(Nfsstat3::kAcces));
  // Alice's 0644 file: bob may read, not write.
  NodeHandle f = CreateFile(pub_, "a", 0644, alice_);
  ASSERT_TRUE(WriteString(f, 0, "alice", alice_).ok());
  Status s;
  EXPECT_EQ(ReadString(f, 0, 10, &s, bob_), "alice");
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(WriteString(f, 0, "bob", bob_), Status(Nfsstat3::kAcces));
  // 0600: bob may not read either.
  NodeHandle g = CreateFile(pub_, "b", 0600, alice_);
  ReadString(g, 0, 10, &s, bob_);
  EXPECT_EQ(s, Status(Nfsstat3::kAcces));
  // SETATTR: only the owner may chmod; nobody but root may chown.
  SetAttrArgs sa;
  sa.mode = 0666;
  Wcc wcc;
  EXPECT_EQ(layer_->SetAttr(bob_, f, sa, std::nullopt, &wcc), Status(Nfsstat3::kPerm));
  EXPECT_TRUE(layer_->SetAttr(alice_, f, sa, std::nullopt, &wcc).ok());
  SetAttrArgs chown;
  chown.uid = 1001;
  EXPECT_EQ(layer_->SetAttr(alice_, f, chown, std::nullopt, &wcc), Status(Nfsstat3::kPerm));
  // ACCESS answers for the caller.
  AccessRes ar;
  ASSERT_TRUE(layer_->Access(bob_, g, 0x3f, &ar).ok());
  EXPECT_EQ(ar.granted, 0u);
  ASSERT_TRUE(layer_->Access(alice_, g, 0x3f, &ar).ok());
  EXPECT_EQ(ar.granted, kAccessRead | kAccessModify | kAccessExtend);
  ASSERT_TRUE(layer_->Access(bob_, priv, 0x3f, &ar).ok());
  EXPECT_EQ(ar.granted, 0u);
}

TEST_F(PosixCredentialsTest, SupplementaryGroupsCount) {
  NodeHandle team = MakeDir(root_, "team", 0770);
  SetAttrArgs sa;
  sa.gid = 3000;
  Wcc wcc;
  ASSERT_TRUE(layer_->SetAttr(root_ctx_, team, sa, std::nullopt, &wcc).ok());
  CreateRes cr;
  EXPECT_EQ(layer_->Create(alice_, team, "x", CreateMode::kUnchecked, {}, {}, &cr),
            Status(Nfsstat3::kAcces));
  RequestContext member = Ctx(1000, 1000, {5, 3000});
  ASSERT_TRUE(layer_->Create(member, team, "x", CreateMode::kUnchecked, {}, {}, &cr).ok());
  // Switching back to the non-member is not fooled by a cached state.
  EXPECT_EQ(layer_->Create(alice_, team, "y", CreateMode::kUnchecked, {}, {}, &cr),
            Status(Nfsstat3::kAcces));
}

TEST_F(PosixCredentialsTest, StickyDirectoryProtectsOthersFiles) {
  NodeHandle tmp = MakeDir(root_, "tmp", 01777);
  EXPECT_EQ(GetAttr(tmp).mode, 01777u);
  CreateFile(tmp, "alices", 0666, alice_);
  RemoveRes rm;
  EXPECT_EQ(layer_->Remove(bob_, tmp, "alices", &rm), Status(Nfsstat3::kPerm));
  RenameRes rr;
  EXPECT_EQ(layer_->Rename(bob_, tmp, "alices", tmp, "bobs", &rr), Status(Nfsstat3::kPerm));
  EXPECT_TRUE(layer_->Remove(alice_, tmp, "alices", &rm).ok());
}

TEST_F(PosixCredentialsTest, OwnerMayTruncateAndWriteAModeZeroFile) {
  NodeHandle f = CreateFile(pub_, "zero", 0644, alice_);
  ASSERT_TRUE(WriteString(f, 0, "0123456789", alice_).ok());
  SetAttrArgs mode0;
  mode0.mode = 0;
  Wcc wcc;
  ASSERT_TRUE(layer_->SetAttr(alice_, f, mode0, std::nullopt, &wcc).ok());
  SetAttrArgs trunc;
  trunc.size = 3;
  ASSERT_TRUE(layer_->SetAttr(alice_, f, trunc, std::nullopt, &wcc).ok());
  EXPECT_EQ(GetAttr(f).size, 3u);
  // Open-then-chmod: the owner may still write and read it.
  EXPECT_TRUE(WriteString(f, 3, "abc", alice_).ok());
  Status s;
  EXPECT_EQ(ReadString(f, 0, 10, &s, alice_), "012abc");
  // Others may not.
  trunc.size = 0;
  EXPECT_EQ(layer_->SetAttr(bob_, f, trunc, std::nullopt, &wcc), Status(Nfsstat3::kAcces));
  EXPECT_EQ(GetAttr(f).size, 6u);
  // But ACCESS answers as open(2) would: the kernel client asks it before a
  // new open, and the owner of a mode-0 file must get EACCES there, as
  // locally (found by the VM suite's posix.user_owner_mode0).
  AccessRes ar;
  ASSERT_TRUE(layer_->Access(alice_, f, kAccessRead | kAccessModify | kAccessExtend, &ar).ok());
  EXPECT_EQ(ar.granted, 0u);
  // A read-only mode from CREATE still lets the creator write (cp of a
  // read-only file).
  NodeHandle ro = CreateFile(pub_, "ro", 0444, alice_);
  EXPECT_TRUE(WriteString(ro, 0, "x", alice_).ok());
}

TEST_F(PosixCredentialsTest, WriteByNonOwnerClearsSetuid) {
  NodeHandle f = CreateFile(pub_, "suid", 0755, alice_);
  SetAttrArgs sa;
  sa.mode = 06777;
  Wcc wcc;
  ASSERT_TRUE(layer_->SetAttr(alice_, f, sa, std::nullopt, &wcc).ok());
  EXPECT_EQ(GetAttr(f).mode, 06777u);
  ASSERT_TRUE(WriteString(f, 0, "bob was here", bob_).ok());
  EXPECT_EQ(GetAttr(f).mode & 06000, 0u);
  // chown clears them too.
  ASSERT_TRUE(layer_->SetAttr(alice_, f, sa, std::nullopt, &wcc).ok());
  SetAttrArgs chown;
  chown.uid = 1001;
  ASSERT_TRUE(layer_->SetAttr(root_ctx_, f, chown, std::nullopt, &wcc).ok());
  EXPECT_EQ(GetAttr(f).mode & 06000, 0u);
}

TEST_F(PosixCredentialsTest, SetgidDirectoryGroupIsInherited) {
  NodeHandle shared = MakeDir(root_, "shared", 0777);
  SetAttrArgs sa;
  sa.gid = 4000;
  sa.mode = 02777;
  Wcc wcc;
  ASSERT_TRUE(layer_->SetAttr(root_ctx_, shared, sa, std::nullopt, &wcc).ok());
  NodeHandle f = CreateFile(shared, "f", 0644, alice_);
  EXPECT_EQ(GetAttr(f).gid, 4000u);
  EXPECT_EQ(GetAttr(f).uid, 1000u);
  NodeHandle d = MakeDir(shared, "d", 0755, alice_);
  EXPECT_EQ(GetAttr(d).gid, 4000u);
  EXPECT_EQ(GetAttr(d).mode, 02755u);
}

TEST_F(PosixCredentialsTest, ConcurrentCallersKeepTheirIdentity) {
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (uint32_t t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      RequestContext ctx = Ctx(2000 + t, 2000 + t);
      for (int i = 0; i < 50; ++i) {
        CreateRes cr;
        // Appended piecewise: GCC 12 warns falsely (-Wrestrict) on a + chain.
        std::string name = "t";
        name += std::to_string(t);
        name += '_';
        name += std::to_string(i);
        if (!layer_->Create(ctx, pub_, name, CreateMode::kGuarded, {}, {}, &cr).ok() ||
            !cr.attr || cr.attr->uid != 2000 + t) {
          ++wrong;
        }
        Attr a;
        if (!layer_->GetAttr(root_ctx_, root_, &a).ok()) ++wrong;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
}

}  // namespace
}  // namespace loopfs::testing
