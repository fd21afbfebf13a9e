// Finding loopfs's own mounts in mountinfo, and resolving map paths without entering them.
#include "layers/automount/mount_guard.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "tests/unit/automount/temp_dir.h"

namespace loopfs::automount {
namespace {

using testing::TempDir;

TEST(LoopbackNfsMountPoints, PicksLoopbackNfsMountsOnly) {
  const std::string mountinfo =
      "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
      "30 22 0:40 / /mnt/loop rw,relatime shared:5 - nfs localhost:/ rw,vers=3,addr=127.0.0.1\n"
      "31 22 0:41 / /mnt/v4 rw - nfs4 127.0.0.1:/export rw,vers=4.2\n"
      "32 22 0:42 / /mnt/with\\040space rw - nfs [::1]:/e rw,addr=::1\n"
      "33 22 0:43 / /mnt/v6plain rw - nfs ::1:/e rw\n"
      "34 22 0:44 / /mnt/byname rw - nfs box:/e rw,addr=127.0.1.1\n"
      "35 22 0:45 / /mnt/remote rw - nfs nas:/e rw,addr=192.0.2.7\n"
      "36 22 0:46 / /mnt/fuse rw - fuse.sshfs localhost:/x rw\n"
      "37 22 0:47 / /mnt/remote6 rw - nfs [2001:db8::1]:/e rw,addr=2001:db8::1\n"
      "garbage line\n"
      "38 22 0:48 / /mnt/short rw -\n"
      "\n";
  EXPECT_EQ(LoopbackNfsMountPoints(mountinfo),
            (std::vector<std::string>{"/mnt/loop", "/mnt/v4", "/mnt/with space", "/mnt/v6plain",
                                      "/mnt/byname"}));
  EXPECT_TRUE(LoopbackNfsMountPoints("").empty());
}

TEST(LoopbackNfsMountPoints, ReadsThisProcess) {
  // Whatever this machine has mounted, reading works and yields absolute paths.
  for (const std::string& point : ReadLoopbackNfsMountPoints()) EXPECT_EQ(point[0], '/');
}

class ResolveTest : public ::testing::Test {
 protected:
  std::string Resolve(const std::string& path, const std::vector<std::string>& mounts = {}) {
    std::string resolved;
    std::string error;
    last_ = ResolveOutsideMounts(path, mounts, &resolved, &error);
    if (last_ != PathCheck::kOk) return "error: " + error;
    return resolved;
  }
  TempDir dir_;
  PathCheck last_ = PathCheck::kOk;
};

TEST_F(ResolveTest, ResolvesLikeRealpath) {
  dir_.Write("real/maps/auto.map", "");
  const std::string d = dir_.path();
  ASSERT_EQ(symlink("real/maps", (d + "/rel").c_str()), 0);
  ASSERT_EQ(symlink((d + "/real").c_str(), (d + "/abs").c_str()), 0);
  ASSERT_EQ(symlink("../real/maps/auto.map", (d + "/real/up").c_str()), 0);
  EXPECT_EQ(Resolve(d + "/rel/auto.map"), d + "/real/maps/auto.map");
  EXPECT_EQ(Resolve(d + "/abs/maps/../maps/./auto.map"), d + "/real/maps/auto.map");
  EXPECT_EQ(Resolve(d + "/real/up"), d + "/real/maps/auto.map");
  EXPECT_EQ(Resolve(d + "//real///maps/auto.map"), d + "/real/maps/auto.map");
  EXPECT_EQ(Resolve("/"), "/");

  std::string cwd = std::filesystem::current_path();
  ASSERT_EQ(chdir((d + "/real").c_str()), 0);
  EXPECT_EQ(Resolve("maps/auto.map"), d + "/real/maps/auto.map");
  ASSERT_EQ(chdir(cwd.c_str()), 0);
}

TEST_F(ResolveTest, Errors) {
  const std::string d = dir_.path();
  dir_.Write("file", "");
  ASSERT_EQ(symlink("loop2", (d + "/loop1").c_str()), 0);
  ASSERT_EQ(symlink("loop1", (d + "/loop2").c_str()), 0);
  EXPECT_NE(Resolve(d + "/loop1").find("too many symbolic links (ELOOP)"), std::string::npos);
  EXPECT_EQ(last_, PathCheck::kLoop);
  EXPECT_NE(Resolve(d + "/missing").find("No such file"), std::string::npos);
  EXPECT_EQ(last_, PathCheck::kError);
  EXPECT_NE(Resolve(d + "/file/x").find("is not a directory"), std::string::npos);
  EXPECT_NE(Resolve("").find("error: "), std::string::npos);
}

TEST_F(ResolveTest, NeverEntersAMount) {
  const std::string d = dir_.path();
  dir_.Write("mnt/auto.map", "");
  dir_.Write("mnt2/auto.map", "");
  ASSERT_EQ(symlink((d + "/mnt/auto.map").c_str(), (d + "/link").c_str()), 0);
  const std::vector<std::string> mounts = {d + "/mnt"};
  EXPECT_NE(Resolve(d + "/mnt/auto.map", mounts).find("lies under the loopfs mount " + d + "/mnt"),
            std::string::npos);
  EXPECT_EQ(last_, PathCheck::kUnderMount);
  EXPECT_NE(Resolve(d + "/link", mounts).find("lies under"), std::string::npos);
  EXPECT_EQ(last_, PathCheck::kUnderMount);
  EXPECT_NE(Resolve(d + "/mnt", mounts).find("lies under"), std::string::npos);
  // A missing file under the mount is refused, not reported missing: nothing was looked at.
  EXPECT_NE(Resolve(d + "/mnt/nothing/here", mounts).find("lies under"), std::string::npos);
  // A sibling whose name merely starts the same is fine.
  EXPECT_EQ(Resolve(d + "/mnt2/auto.map", mounts), d + "/mnt2/auto.map");
  // Loopfs mounted at / covers everything.
  EXPECT_NE(Resolve(d + "/mnt2/auto.map", {"/"}).find("lies under"), std::string::npos);
}

}  // namespace
}  // namespace loopfs::automount
