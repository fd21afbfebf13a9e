#include "nfsd/daemon/control_server.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

namespace loopfs::daemon {
namespace {

class ControlServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/loopfs-ctl-XXXXXX";
    dir_ = mkdtemp(tmpl);
    path_ = dir_ + "/control.sock";
    server_.Register("echo", [](const nlohmann::json& r) {
      return nlohmann::json{{"said", r.value("what", "")}};
    });
    server_.Register("boom", [](const nlohmann::json&) -> nlohmann::json {
      throw std::runtime_error("detach first");
    });
  }
  void TearDown() override {
    server_.Stop();
    std::system(("rm -rf " + dir_).c_str());
  }
  std::string dir_, path_;
  ControlServer server_;
};

TEST_F(ControlServerTest, RequestAndReply) {
  std::string error;
  ASSERT_TRUE(server_.Start(path_, &error)) << error;
  struct stat st;
  ASSERT_EQ(stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto reply = ControlRequest(path_, {{"cmd", "echo"}, {"what", "hi"}});
  EXPECT_TRUE(reply["ok"]);
  EXPECT_EQ(reply["said"], "hi");
}

TEST_F(ControlServerTest, ErrorsAreReplies) {
  auto r = server_.Execute("not json at all");
  EXPECT_FALSE(r["ok"]);
  r = server_.Execute("{\"cmd\": 5}");
  EXPECT_FALSE(r["ok"]);
  r = server_.Execute("{\"cmd\": \"nope\"}");
  EXPECT_FALSE(r["ok"]);
  EXPECT_NE(r["error"].get<std::string>().find("known: boom, echo"), std::string::npos);
  r = server_.Execute("{\"cmd\": \"boom\"}");
  EXPECT_FALSE(r["ok"]);
  EXPECT_EQ(r["error"], "detach first");
}

TEST_F(ControlServerTest, SecondServerOnTheSameSocketIsRefused) {
  std::string error;
  ASSERT_TRUE(server_.Start(path_, &error)) << error;
  ControlServer other;
  EXPECT_FALSE(other.Start(path_, &error));
  EXPECT_NE(error.find("another loopfsd"), std::string::npos);
}

TEST_F(ControlServerTest, StaleSocketFileIsReplaced) {
  std::string error;
  ASSERT_TRUE(server_.Start(path_, &error)) << error;
  server_.Stop();
  // Leave a dead socket file behind, as a crash would.
  ControlServer fresh;
  ASSERT_EQ(access(path_.c_str(), F_OK), -1);  // Stop removed it
  ASSERT_TRUE(fresh.Start(path_, &error)) << error;
  fresh.Stop();
}

TEST_F(ControlServerTest, UnreachableDaemonSaysWhatToDo) {
  try {
    ControlRequest(dir_ + "/missing.sock", {{"cmd", "status"}});
    FAIL();
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("is loopfsd running"), std::string::npos);
  }
}

}  // namespace
}  // namespace loopfs::daemon
