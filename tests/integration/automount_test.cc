// The automount layer through loopfsd and libnfs: browsing, attaching on first use, reloads,
// idle detach with re-attach through old handles, and handles across a restart.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "tests/support/nfs3_client.h"
#include "tests/support/test_server.h"

namespace loopfs::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr uint32_t kNoent = 2, kStale = 70;

void WriteFile(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::trunc) << text;
}

std::string Text(const Bytes& b) { return std::string(b.begin(), b.end()); }

class AutomountIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (TestServer::IsGanesha()) GTEST_SKIP() << "automount is loopfsd's";
    std::string pattern = (fs::temp_directory_path() / "loopfs-automount-it-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    WriteFile(dir_ / "srv/a/hello.txt", "hello from a");
    WriteFile(dir_ / "srv/b/b.txt", "bee");
    WriteFile(dir_ / "srv/wild/w1/w.txt", "wild");
    WriteMap("a :" + Srv("a") + "\nb :" + Srv("b") + "\n* :" + Srv("wild") + "/&\n");
    ServerConfig config;
    config.config_toml =
        "[[export]]\n"
        "path = \"/\"\n"
        "options = [\"rw\", \"no_root_squash\"]\n"
        "layers = [ { type = \"automount\", map = \"" +
        (dir_ / "auto.map").string() + "\", idle = \"300ms\", state = \"" +
        (dir_ / "state").string() + "\" } ]\n";
    server_ = TestServer::Start(config);
    ASSERT_NE(server_, nullptr) << "loopfsd did not start with an automount export";
    client_ = Nfs3Client::Connect(*server_);
    ASSERT_NE(client_, nullptr);
  }
  void TearDown() override {
    client_.reset();
    if (server_) {
      EXPECT_EQ(server_->Stop(), 0) << server_->LogTail();
    }
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
  }
  std::string Srv(const std::string& sub) const { return (dir_ / "srv" / sub).string(); }
  void WriteMap(const std::string& text) {
    // By rename, as editors do, so the watcher sees one complete file.
    WriteFile(dir_ / "auto.map.tmp", text);
    fs::rename(dir_ / "auto.map.tmp", dir_ / "auto.map");
  }
  std::vector<std::string> Names(const Fh& dir) {
    ReadDirRes r = client_->ReadDirAll(dir);
    EXPECT_TRUE(r.ok()) << Nfsstat3Name(r.status) << " " << r.error;
    std::vector<std::string> names;
    for (const auto& e : r.entries) names.push_back(e.name);
    std::sort(names.begin(), names.end());
    return names;
  }
  std::string ReadPath(Nfs3Client& c, const std::string& path) {
    LookupRes l = c.LookupPath(path);
    if (!l.ok()) return std::string("<") + Nfsstat3Name(l.status) + ">";
    ReadRes r = c.Read(l.fh, 0, 4096);
    if (!r.ok()) return std::string("<") + Nfsstat3Name(r.status) + ">";
    return Text(r.data);
  }

  fs::path dir_;
  std::unique_ptr<TestServer> server_;
  std::unique_ptr<Nfs3Client> client_;
};

TEST_F(AutomountIntegrationTest, BrowseLookupAndRead) {
  EXPECT_EQ(Names(client_->root()), (std::vector<std::string>{".", "..", "a", "b"}));
  LookupRes a = client_->Lookup(client_->root(), "a");
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(a.attr);
  EXPECT_EQ(a.attr->type, 2u);
  EXPECT_EQ(client_->Lookup(client_->root(), "missing.key.").status, 0u)
      << "the wildcard matches any key (its directory need not exist until attached)";
  EXPECT_EQ(client_->Lookup(client_->root(), ".Trash").status, kNoent);
  EXPECT_EQ(ReadPath(*client_, "a/hello.txt"), "hello from a");
  EXPECT_EQ(ReadPath(*client_, "w1/w.txt"), "wild");
  // fileids differ between entries even where inode numbers could collide.
  GetAttrRes fa = client_->GetAttr(client_->LookupPath("a/hello.txt").fh);
  GetAttrRes fb = client_->GetAttr(client_->LookupPath("b/b.txt").fh);
  ASSERT_TRUE(fa.ok() && fb.ok());
  EXPECT_NE(fa.attr.fileid >> 40, fb.attr.fileid >> 40);
  EXPECT_EQ(fa.attr.fsid, fb.attr.fsid) << "one fsid for the whole export";
}

TEST_F(AutomountIntegrationTest, ConcurrentFirstAccessesAllSucceed) {
  std::vector<std::unique_ptr<Nfs3Client>> clients;
  for (int i = 0; i < 8; ++i) {
    clients.push_back(Nfs3Client::Connect(*server_));
    ASSERT_NE(clients.back(), nullptr);
  }
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  threads.reserve(clients.size());
  for (auto& c : clients) {
    threads.emplace_back([&, cl = c.get()] {
      if (ReadPath(*cl, "b/b.txt") == "bee") ++ok;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 8);
}

TEST_F(AutomountIntegrationTest, IdleDetachAndOldHandles) {
  LookupRes file = client_->LookupPath("a/hello.txt");
  ASSERT_TRUE(file.ok());
  std::this_thread::sleep_for(1200ms);  // idle is 300 ms
  ReadRes r = client_->Read(file.fh, 0, 100);
  ASSERT_TRUE(r.ok()) << Nfsstat3Name(r.status);
  EXPECT_EQ(Text(r.data), "hello from a");
  EXPECT_NE(server_->LogTail(100000).find("detaching a (idle)"), std::string::npos)
      << server_->LogTail();
}

TEST_F(AutomountIntegrationTest, ReloadAddsChangesAndRemovesKeys) {
  WriteFile(dir_ / "srv/c/c.txt", "sea");
  LookupRes b = client_->LookupPath("b/b.txt");
  ASSERT_TRUE(b.ok());
  WriteMap("a :" + Srv("c") + "\nc :" + Srv("c") + "\n");
  auto deadline = std::chrono::steady_clock::now() + 5s;
  // The old map's wildcard matched any key, so the sign of the reload is b going away.
  while (std::chrono::steady_clock::now() < deadline &&
         client_->Lookup(client_->root(), "b").status != kNoent) {
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(ReadPath(*client_, "c/c.txt"), "sea");
  EXPECT_EQ(ReadPath(*client_, "a/c.txt"), "sea") << "a now points elsewhere";
  EXPECT_EQ(client_->GetAttr(b.fh).status, kStale) << "b left the map";
  // An invalid map keeps the previous one.
  WriteMap("c -fstype=nonsense :/x\n");
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(ReadPath(*client_, "c/c.txt"), "sea");
}

TEST_F(AutomountIntegrationTest, HandlesSurviveARestart) {
  LookupRes listed = client_->LookupPath("a/hello.txt");
  LookupRes wild = client_->LookupPath("w1/w.txt");
  ASSERT_TRUE(listed.ok() && wild.ok());
  ASSERT_TRUE(client_->Read(wild.fh, 0, 10).ok());  // attaches w1, which records the key
  client_.reset();
  ASSERT_TRUE(server_->Restart()) << server_->LogTail();
  client_ = Nfs3Client::Connect(*server_);
  ASSERT_NE(client_, nullptr);
  ReadRes r = client_->Read(listed.fh, 0, 100);
  ASSERT_TRUE(r.ok()) << Nfsstat3Name(r.status);
  EXPECT_EQ(Text(r.data), "hello from a");
  r = client_->Read(wild.fh, 0, 100);
  ASSERT_TRUE(r.ok()) << Nfsstat3Name(r.status);
  EXPECT_EQ(Text(r.data), "wild");
}

}  // namespace
}  // namespace loopfs::testing
