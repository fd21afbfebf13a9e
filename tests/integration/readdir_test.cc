// READDIR / READDIRPLUS: cookies that stay valid while entries are removed,
// large directories listed completely in pieces, and count limits honoured.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <set>

#include "tests/support/nfs3_constants.h"
#include "tests/support/server_fixture.h"

namespace loopfs::testing {
namespace {

class ReadDirTest : public SharedServerTest<ReadDirTest> {
 protected:
  // Creates n empty files on the local file system (faster than NFS).
  void MakeLocalFiles(const std::filesystem::path& dir, int n, const std::string& prefix = "e") {
    for (int i = 0; i < n; ++i) {
      int fd = open((dir / fmt::format("{}{}", prefix, i)).c_str(), O_CREAT | O_WRONLY, 0644);
      ASSERT_GE(fd, 0);
      close(fd);
    }
  }
  static std::multiset<std::string> Names(const ReadDirRes& r) {
    std::multiset<std::string> s;
    for (const auto& e : r.entries) {
      if (e.name != "." && e.name != "..") s.insert(e.name);
    }
    return s;
  }
};

TEST_F(ReadDirTest, SmallCountsListEverythingOnce) {
  MakeLocalFiles(LocalDir(), 300);
  for (bool plus : {false, true}) {
    ReadDirRes all = client_->ReadDirAll(dir_, plus, 1024);
    ASSERT_TRUE(all.ok()) << Why(all);
    auto names = Names(all);
    EXPECT_EQ(names.size(), 300u) << (plus ? "READDIRPLUS" : "READDIR");
    for (int i = 0; i < 300; ++i) {
      EXPECT_EQ(names.count(fmt::format("e{}", i)), 1u) << i;
    }
  }
}

TEST_F(ReadDirTest, CookiesStayValidWhileEntriesAreRemoved) {
  MakeLocalFiles(LocalDir(), 200);
  ReadDirRes first = client_->ReadDir(dir_, 0, {}, 1024);
  ASSERT_TRUE(first.ok()) << Why(first);
  ASSERT_FALSE(first.eof);
  std::set<std::string> seen;
  for (const auto& e : first.entries) seen.insert(e.name);

  // Remove half of the entries not yet returned, and some already returned.
  std::set<std::string> removed;
  for (int i = 0; i < 200; i += 2) {
    std::string n = fmt::format("e{}", i);
    ASSERT_TRUE(client_->Remove(dir_, n).ok());
    removed.insert(n);
  }

  uint64_t cookie = first.entries.back().cookie;
  std::array<uint8_t, 8> verf = first.verf;
  std::set<std::string> rest;
  for (int guard = 0; guard < 1000; ++guard) {
    ReadDirRes r = client_->ReadDir(dir_, cookie, verf, 1024);
    if (TestServer::IsGanesha() && r.status == NFS3ERR_BAD_COOKIE) {
      GTEST_SKIP() << "ganesha invalidates cookies on change";
    }
    ASSERT_TRUE(r.ok()) << "continuing with the old cookie: " << Why(r);
    for (const auto& e : r.entries) {
      EXPECT_TRUE(seen.count(e.name) == 0 && rest.count(e.name) == 0)
          << "entry listed twice: " << e.name;
      rest.insert(e.name);
    }
    if (r.eof) break;
    ASSERT_FALSE(r.entries.empty());
    cookie = r.entries.back().cookie;
    verf = r.verf;
  }
  // Every survivor appears exactly once over both parts; nothing removed
  // shows up after its removal.
  for (int i = 1; i < 200; i += 2) {
    std::string n = fmt::format("e{}", i);
    EXPECT_EQ(seen.count(n) + rest.count(n), 1u) << "survivor skipped or repeated: " << n;
  }
  for (const auto& n : removed) EXPECT_EQ(rest.count(n), 0u) << "removed entry listed: " << n;
}

TEST_F(ReadDirTest, CountLimitsAreHonoured) {
  MakeLocalFiles(LocalDir(), 100, "a-rather-long-file-name-to-fill-the-reply-");
  // The reply of READDIR must fit in count bytes; estimate the encoded size
  // of the entries (fileid 8, name 4+len+pad, cookie 8, follows 4).
  for (uint32_t count : {512u, 1000u, 4096u}) {
    ReadDirRes r = client_->ReadDir(dir_, 0, {}, count);
    ASSERT_TRUE(r.ok()) << Why(r);
    size_t bytes = 0;
    for (const auto& e : r.entries) bytes += 8 + 4 + (e.name.size() + 3) / 4 * 4 + 8 + 4;
    EXPECT_LE(bytes, count) << "count " << count;
    EXPECT_FALSE(r.entries.empty()) << "count " << count;
  }
  // READDIRPLUS: maxcount bounds the whole reply including attributes and
  // handles (fattr3 is 84 bytes, a handle at most 68).
  ReadDirRes p = client_->ReadDirPlus(dir_, 0, {}, 4096, 4096);
  ASSERT_TRUE(p.ok()) << Why(p);
  size_t bytes = 0;
  for (const auto& e : p.entries) {
    bytes += 8 + 4 + (e.name.size() + 3) / 4 * 4 + 8 + 4 + 4 + 4;
    if (e.attr) bytes += 84;
    if (e.fh) bytes += 4 + (e.fh->size() + 3) / 4 * 4;
  }
  EXPECT_LE(bytes, 4096u);
  EXPECT_FALSE(p.eof);
}

TEST_F(ReadDirTest, LargeDirectoryListsCompletelyInLinearTime) {
  constexpr int kEntries = 50000;
  MakeLocalFiles(LocalDir(), kEntries);
  using Clock = std::chrono::steady_clock;
  uint64_t cookie = 0;
  std::array<uint8_t, 8> verf{};
  std::set<std::string> names;
  std::vector<double> page_ms;
  for (int guard = 0; guard < 100000; ++guard) {
    auto t0 = Clock::now();
    ReadDirRes r = client_->ReadDir(dir_, cookie, verf, 32768);
    page_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    ASSERT_TRUE(r.ok()) << Why(r);
    for (const auto& e : r.entries) {
      if (e.name == "." || e.name == "..") continue;
      EXPECT_TRUE(names.insert(e.name).second) << "listed twice: " << e.name;
    }
    if (r.eof) break;
    ASSERT_FALSE(r.entries.empty());
    cookie = r.entries.back().cookie;
    verf = r.verf;
  }
  EXPECT_EQ(names.size(), static_cast<size_t>(kEntries));
  // A listing that seeks from the start for every page gets slower page by
  // page; a linear one does not.  Compare the medians of the first and the
  // last tenth of the pages, with a wide margin for a busy machine.
  ASSERT_GE(page_ms.size(), 20u);
  size_t tenth = page_ms.size() / 10;
  auto median = [](std::vector<double> v) {
    std::nth_element(v.begin(), v.begin() + static_cast<ptrdiff_t>(v.size() / 2), v.end());
    return v[v.size() / 2];
  };
  double early = median({page_ms.begin(), page_ms.begin() + static_cast<ptrdiff_t>(tenth)});
  double late = median({page_ms.end() - static_cast<ptrdiff_t>(tenth), page_ms.end()});
  EXPECT_LT(late, early * 5 + 20) << "early pages " << early << " ms, late pages " << late << " ms";
}

TEST_F(ReadDirTest, VerifierOfAFreshListingIsUsable) {
  MakeLocalFiles(LocalDir(), 40);
  ReadDirRes p = client_->ReadDirPlus(dir_, 0, {}, 512, 2048);
  ASSERT_TRUE(p.ok()) << Why(p);
  ASSERT_FALSE(p.eof);
  ReadDirRes next = client_->ReadDirPlus(dir_, p.entries.back().cookie, p.verf, 512, 2048);
  EXPECT_TRUE(next.ok()) << Why(next);
}

}  // namespace
}  // namespace loopfs::testing
