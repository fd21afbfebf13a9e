// READDIR cookies: every surviving entry exactly once while entries are
// removed between calls, and linear cost on big directories.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <map>
#include <random>
#include <set>

#include "tests/unit/layers/posix_test_util.h"

namespace loopfs::testing {
namespace {

using posix::CookieScheme;

void MakeFiles(const std::string& dir, int n, const std::string& prefix = "entry-") {
  for (int i = 0; i < n; ++i) {
    std::string path = dir + "/" + prefix + std::to_string(i);
    int fd = open(path.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
    ASSERT_GE(fd, 0) << path;
    close(fd);
  }
}

class PosixReadDirTest : public PosixLayerTest,
                         public ::testing::WithParamInterface<CookieScheme> {
 protected:
  void SetUp() override {
    PosixLayerTest::SetUp();
    if (IsSkipped()) return;
    layer_ = Open(GetParam());
    ASSERT_EQ(layer_->cookie_scheme(), GetParam());
  }

  // Lists dir in calls of `per_call` entries; before each continuation,
  // removes `remove_per_call` random names.  Checks every name that exists
  // at the end was seen exactly once, and nothing was seen twice.
  void ListWhileRemoving(int n, size_t per_call, int remove_per_call) {
    ASSERT_EQ(mkdir((dir_ / "big").c_str(), 0755), 0);
    MakeFiles(dir_ / "big", n);
    NodeHandle d = Lookup(root_, "big");
    std::vector<std::string> alive;
    for (int i = 0; i < n; ++i) alive.push_back("entry-" + std::to_string(i));
    std::mt19937 rng(42);
    std::map<std::string, int> seen;
    uint64_t cookie = 0;
    CookieVerifier verf{};
    int calls = 0;
    for (;;) {
      VectorSink sink(per_call);
      ReadDirRes res;
      Status s = layer_->ReadDir(root_ctx_, d, cookie, verf, false, sink, &res);
      ASSERT_TRUE(s.ok()) << StatusName(s) << " after " << calls << " calls";
      ++calls;
      verf = res.verifier;
      for (const auto& e : sink.entries) ++seen[e.name];
      if (res.eof) break;
      ASSERT_FALSE(sink.entries.empty());
      cookie = sink.entries.back().cookie;
      for (int r = 0; r < remove_per_call && !alive.empty(); ++r) {
        size_t i = rng() % alive.size();
        RemoveRes rm;
        ASSERT_TRUE(layer_->Remove(root_ctx_, d, alive[i], &rm).ok());
        alive[i] = alive.back();
        alive.pop_back();
      }
    }
    for (const auto& [name, count] : seen) EXPECT_EQ(count, 1) << name;
    for (const auto& name : alive) EXPECT_EQ(seen.count(name), 1u) << "missed " << name;
    EXPECT_EQ(seen.count("."), 1u);
    EXPECT_EQ(seen.count(".."), 1u);
  }
};

TEST_P(PosixReadDirTest, TenThousandEntriesWithRemovalsBetweenCalls) {
  ListWhileRemoving(10000, 100, 40);
}

TEST_P(PosixReadDirTest, RemovingAlreadyListedEntriesSkipsNothing) {
  // Removal of entries *before* the cookie is what shifts positional
  // offsets; remove the first names of every batch just listed.
  ASSERT_EQ(mkdir((dir_ / "d").c_str(), 0755), 0);
  MakeFiles(dir_ / "d", 2000);
  NodeHandle d = Lookup(root_, "d");
  std::map<std::string, int> seen;
  uint64_t cookie = 0;
  CookieVerifier verf{};
  for (;;) {
    VectorSink sink(50);
    ReadDirRes res;
    ASSERT_TRUE(layer_->ReadDir(root_ctx_, d, cookie, verf, true, sink, &res).ok());
    verf = res.verifier;
    for (const auto& e : sink.entries) ++seen[e.name];
    if (res.eof) break;
    cookie = sink.entries.back().cookie;
    for (size_t i = 0; i + 1 < sink.entries.size(); i += 2) {
      const std::string& name = sink.entries[i].name;
      if (name == "." || name == "..") continue;
      RemoveRes rm;
      ASSERT_TRUE(layer_->Remove(root_ctx_, d, name, &rm).ok());
    }
  }
  EXPECT_EQ(seen.size(), 2002u);
  for (const auto& [name, count] : seen) EXPECT_EQ(count, 1) << name;
}

TEST_P(PosixReadDirTest, HundredThousandEntriesComplete) {
  ASSERT_EQ(mkdir((dir_ / "huge").c_str(), 0755), 0);
  MakeFiles(dir_ / "huge", 100000, "a-rather-long-file-name-");
  NodeHandle d = Lookup(root_, "huge");
  auto all = ListAll(d, /*plus=*/false, 1000);
  EXPECT_EQ(all.size(), 100002u);
}

TEST_P(PosixReadDirTest, CookiesAndVerifierSurviveARestart) {
  ASSERT_EQ(mkdir((dir_ / "d").c_str(), 0755), 0);
  MakeFiles(dir_ / "d", 300);
  NodeHandle d = Lookup(root_, "d");
  VectorSink first(100);
  ReadDirRes res;
  ASSERT_TRUE(layer_->ReadDir(root_ctx_, d, 0, {}, false, first, &res).ok());
  CookieVerifier verf = res.verifier;
  EXPECT_NE(verf, CookieVerifier{});
  layer_ = Open(GetParam());
  VectorSink rest(1000);
  ASSERT_TRUE(
      layer_->ReadDir(root_ctx_, d, first.entries.back().cookie, verf, false, rest, &res).ok());
  EXPECT_EQ(res.verifier, verf);
  EXPECT_TRUE(res.eof);
  std::set<std::string> names;
  for (auto& e : first.entries) names.insert(e.name);
  for (auto& e : rest.entries) EXPECT_TRUE(names.insert(e.name).second) << e.name;
  EXPECT_EQ(names.size(), 302u);
}

INSTANTIATE_TEST_SUITE_P(Schemes, PosixReadDirTest,
                         ::testing::Values(CookieScheme::kOffset, CookieScheme::kNameHash),
                         [](const auto& param_info) {
                           return param_info.param == CookieScheme::kOffset ? "Offset" : "NameHash";
                         });

TEST(PosixReadDirTmpfs, TmpfsGetsNameHashCookies) {
  LOOPFS_SKIP_UNLESS_ROOT();
  TempDir dir;
  if (mount("loopfs-test", dir.path().c_str(), "tmpfs", 0, "size=64m") != 0) {
    GTEST_SKIP() << "cannot mount tmpfs here";
  }
  {
    posix::PosixOptions options;
    options.root = dir.path();
    std::string error;
    auto layer = posix::PosixLayer::Open(options, &error);
    ASSERT_NE(layer, nullptr) << error;
    EXPECT_EQ(layer->cookie_scheme(), CookieScheme::kNameHash);
    MakeFiles(dir.path(), 500);
    NodeHandle root;
    ASSERT_TRUE(layer->Root(RequestContext(), &root).ok());
    std::map<std::string, int> seen;
    uint64_t cookie = 0;
    CookieVerifier verf{};
    int removed = 0;
    for (;;) {
      VectorSink sink(20);
      ReadDirRes res;
      ASSERT_TRUE(layer->ReadDir(RequestContext(), root, cookie, verf, false, sink, &res).ok());
      verf = res.verifier;
      for (auto& e : sink.entries) ++seen[e.name];
      if (res.eof) break;
      cookie = sink.entries.back().cookie;
      // Remove what was listed: on tmpfs before 6.6 this shifts offsets.
      for (auto& e : sink.entries) {
        if (e.name == "." || e.name == "..") continue;
        ASSERT_EQ(unlink((dir.path() + "/" + e.name).c_str()), 0);
        ++removed;
      }
    }
    EXPECT_EQ(seen.size(), 502u);
    for (auto& [name, count] : seen) EXPECT_EQ(count, 1) << name;
  }
  umount2(dir.path().c_str(), MNT_DETACH);
}

TEST(NameCookie, StableAndNeverReserved) {
  EXPECT_EQ(posix::NameCookie("abc"), posix::NameCookie("abc"));
  EXPECT_NE(posix::NameCookie("abc"), posix::NameCookie("abd"));
  for (int i = 0; i < 100000; ++i) {
    uint64_t c = posix::NameCookie(std::to_string(i));
    EXPECT_GT(c, 2u);
    EXPECT_LE(c, static_cast<uint64_t>(INT64_MAX));
  }
}

}  // namespace
}  // namespace loopfs::testing
