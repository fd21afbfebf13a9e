// A GoogleTest fixture that runs one server for a whole test suite.
//
//   class MountTest : public SharedServerTest<MountTest> {
//    public:
//     static ServerConfig Config() { return ServerWith({"no_root_squash"}); }
//   };
//
// Every test gets a connected client (client_) and its own directory in the
// export (dir_), so tests of one suite do not see each other's files.  At
// the end of the suite the server must exit 0 on SIGTERM.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "tests/support/nfs3_client.h"
#include "tests/support/test_server.h"

namespace loopfs::testing {

template <class Derived>
class SharedServerTest : public ::testing::Test {
 public:
  static ServerConfig Config() { return ServerWith({"no_root_squash"}); }

 protected:
  static void SetUpTestSuite() { server_ = TestServer::Start(Derived::Config()); }
  static void TearDownTestSuite() {
    if (server_) {
      int rc = server_->Stop();
      EXPECT_EQ(rc, 0) << "server did not exit cleanly on SIGTERM; log:\n" << server_->LogTail();
      EXPECT_EQ(server_->StdoutAfterReady(), "") << "stdout must hold only the ready line";
    }
    server_.reset();
  }

  void SetUp() override {
    ASSERT_NE(server_, nullptr) << "server under test did not start";
    ASSERT_TRUE(server_->Alive()) << "server died earlier; log:\n" << server_->LogTail();
    client_ = Nfs3Client::Connect(*server_);
    ASSERT_NE(client_, nullptr);
    if (Derived::kMakeTestDir) {
      const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
      dir_name_ = std::string(info->test_suite_name()) + "." + info->name();
      CreateRes d = client_->MkDir(client_->root(), dir_name_, {.mode = 0777});
      ASSERT_TRUE(d.ok()) << "MKDIR " << dir_name_ << ": " << d.status << " " << d.error;
      ASSERT_TRUE(d.fh.has_value());
      dir_ = *d.fh;
    } else {
      dir_ = client_->root();
    }
  }

  // The test's directory on the server's local file system.
  std::filesystem::path LocalDir() const {
    return Derived::kMakeTestDir ? server_->export_dir() / dir_name_ : server_->export_dir();
  }

  static constexpr bool kMakeTestDir = true;
  inline static std::unique_ptr<TestServer> server_;
  std::unique_ptr<Nfs3Client> client_;
  std::string dir_name_;
  Fh dir_;
};

}  // namespace loopfs::testing
