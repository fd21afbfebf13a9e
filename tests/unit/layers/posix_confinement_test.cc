// The posix layer never reaches outside its root: not through "..", not
// through symlinks, not through mounts inside the root.
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "tests/unit/layers/posix_test_util.h"

namespace loopfs::testing {
namespace {

using PosixConfinementTest = PosixLayerTest;

TEST_F(PosixConfinementTest, DotDotAtTheRootIsTheRoot) {
  EXPECT_EQ(Lookup(root_, ".."), root_);
  EXPECT_EQ(Lookup(root_, "."), root_);
  NodeHandle h = root_;
  for (int i = 0; i < 10; ++i) h = Lookup(h, "..");
  EXPECT_EQ(h, root_);
  NodeHandle d = MakeDir(root_, "d");
  NodeHandle e = MakeDir(d, "e");
  EXPECT_EQ(Lookup(e, ".."), d);
  EXPECT_EQ(Lookup(Lookup(Lookup(Lookup(e, ".."), ".."), ".."), ".."), root_);
  LookupRes lr;
  ASSERT_TRUE(layer_->Lookup(root_ctx_, root_, "..", &lr).ok());
  ASSERT_TRUE(lr.attr);
  EXPECT_EQ(lr.attr->fileid, GetAttr(root_).fileid);
}

TEST_F(PosixConfinementTest, SymlinksAreNeverFollowed) {
  ASSERT_EQ(symlink("../../etc", (dir_ / "up").c_str()), 0);
  ASSERT_EQ(symlink("/etc", (dir_ / "abs").c_str()), 0);
  ASSERT_EQ(symlink("/etc/passwd", (dir_ / "passwd").c_str()), 0);
  for (const char* name : {"up", "abs", "passwd"}) {
    NodeHandle l = Lookup(root_, name);
    EXPECT_EQ(GetAttr(l).type, FileType::kLnk) << name;
    LookupRes lr;
    EXPECT_EQ(layer_->Lookup(root_ctx_, l, "passwd", &lr), Status(Nfsstat3::kNotdir)) << name;
    EXPECT_EQ(layer_->Lookup(root_ctx_, l, "..", &lr), Status(Nfsstat3::kNotdir)) << name;
    CreateRes cr;
    EXPECT_EQ(layer_->Create(root_ctx_, l, "x", CreateMode::kUnchecked, {}, {}, &cr),
              Status(Nfsstat3::kNotdir));
    VectorSink sink;
    ReadDirRes rd;
    EXPECT_EQ(layer_->ReadDir(root_ctx_, l, 0, {}, false, sink, &rd), Status(Nfsstat3::kNotdir));
    std::vector<uint8_t> buf(64);
    ReadRes rr;
    EXPECT_EQ(layer_->Read(root_ctx_, l, 0, buf, &rr), Status(Nfsstat3::kInval)) << name;
    WriteRes wr;
    EXPECT_EQ(layer_->Write(root_ctx_, l, 0, buf, StableHow::kUnstable, &wr),
              Status(Nfsstat3::kInval));
    // SETATTR acts on the link itself, never on /etc/passwd.
    SetAttrArgs sa;
    sa.size = 0;
    Wcc wcc;
    EXPECT_FALSE(layer_->SetAttr(root_ctx_, l, sa, std::nullopt, &wcc).ok());
  }
  struct stat st {};
  ASSERT_EQ(stat("/etc/passwd", &st), 0);
  EXPECT_GT(st.st_size, 0);

  // A regular name replaced by a symlink is not followed by CREATE or
  // REMOVE either.
  CreateRes cr;
  EXPECT_EQ(layer_->Create(root_ctx_, root_, "passwd", CreateMode::kUnchecked, {}, {}, &cr),
            Status(Nfsstat3::kExist));
  RemoveRes rm;
  ASSERT_TRUE(layer_->Remove(root_ctx_, root_, "passwd", &rm).ok());
  ASSERT_EQ(stat("/etc/passwd", &st), 0);
}

TEST_F(PosixConfinementTest, DotDotThroughRenamedDirectoriesStaysInside) {
  NodeHandle a = MakeDir(root_, "a");
  NodeHandle b = MakeDir(a, "b");
  RenameRes rr;
  ASSERT_TRUE(layer_->Rename(root_ctx_, a, "b", root_, "b2", &rr).ok());
  EXPECT_EQ(Lookup(b, ".."), root_);
  EXPECT_EQ(Lookup(Lookup(b, ".."), ".."), root_);
}

TEST_F(PosixConfinementTest, MountsInsideTheRootAreNotCrossed) {
  ASSERT_EQ(mkdir((dir_ / "mnt").c_str(), 0755), 0);
  ASSERT_EQ(mkdir((dir_ / "inner").c_str(), 0755), 0);
  // A bind mount of a directory of the same file system from outside the
  // root: its handles would decode fine, but outside the export.
  TempDir outside;
  ASSERT_EQ(mkdir((outside / "secret").c_str(), 0755), 0);
  if (mount(outside.path().c_str(), (dir_ / "mnt").c_str(), nullptr, MS_BIND, nullptr) != 0) {
    GTEST_SKIP() << "cannot bind mount here";
  }
  LookupRes lr;
  EXPECT_EQ(layer_->Lookup(root_ctx_, root_, "mnt", &lr), Status(Nfsstat3::kAcces));
  bool listed = false;
  for (const auto& e : ListAll(root_, /*plus=*/true)) {
    if (e.name == "mnt") {
      listed = true;
      EXPECT_FALSE(e.handle);
    }
  }
  EXPECT_TRUE(listed);
  umount2((dir_ / "mnt").c_str(), MNT_DETACH);
  // Once unmounted it is an ordinary directory again.
  EXPECT_TRUE(layer_->Lookup(root_ctx_, root_, "mnt", &lr).ok());
}

}  // namespace
}  // namespace loopfs::testing
