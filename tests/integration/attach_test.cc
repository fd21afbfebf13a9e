// `loopfs attach` / `loopfs detach` against a running loopfsd (CFS's cattach): a vault made
// by `loopfs encrypt init` becomes an export without a restart, its handles go stale when
// it is detached and work again when it is attached anew, and every bad request is refused
// with a message while the server keeps serving.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/support/nfs3_constants.h"
#include "tests/support/server_fixture.h"

extern char** environ;

namespace loopfs::testing {
namespace {

struct CliRun {
  int status = -1;
  std::string output;  // stdout and stderr together
};

// Runs the loopfs CLI (LOOPFS_BIN) with args; stdin is /dev/null, so nothing prompts.
CliRun Loopfs(const std::vector<std::string>& args) {
  const char* bin = std::getenv("LOOPFS_BIN");
  CliRun r;
  if (bin == nullptr) {
    r.output = "LOOPFS_BIN is not set";
    return r;
  }
  const std::string out_path =
      (std::filesystem::temp_directory_path() / ("loopfs-attach-" + std::to_string(getpid())))
          .string();
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  std::vector<std::string> all = {bin};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  // setsid: no controlling terminal, so a missing --passfile cannot prompt.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID);
  pid_t pid = 0;
  if (posix_spawn(&pid, bin, &fa, &attr, argv.data(), environ) == 0) {
    int ws = 0;
    if (waitpid(pid, &ws, 0) == pid && WIFEXITED(ws)) r.status = WEXITSTATUS(ws);
  }
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  std::ifstream in(out_path);
  r.output.assign(std::istreambuf_iterator<char>(in), {});
  std::filesystem::remove(out_path);
  return r;
}

class AttachTest : public SharedServerTest<AttachTest> {
 protected:
  void SetUp() override {
    SharedServerTest::SetUp();
    if (TestServer::IsGanesha()) GTEST_SKIP() << "attach is loopfsd's";
    base_ = server_->work_dir() / ("attach-" + std::string(::testing::UnitTest::GetInstance()
                                                                ->current_test_info()
                                                                ->name()));
    std::filesystem::create_directories(base_ / "vault");
    std::ofstream(base_ / "pass") << "attach passphrase\n";
    CliRun init = Loopfs({"encrypt", "init", (base_ / "vault").string(), "--passfile",
                       (base_ / "pass").string(), "--scrypt-logn", "10"});
    ASSERT_EQ(init.status, 0) << init.output;
  }

  std::vector<std::string> Ctl(std::vector<std::string> args) const {
    args.insert(args.begin(), {"--state-dir", (server_->work_dir() / "state").string()});
    return args;
  }
  CliRun AttachVault(const std::string& path, const std::string& passfile = "") {
    return Loopfs(Ctl({"attach", (base_ / "vault").string(), path, "--passfile",
                       passfile.empty() ? (base_ / "pass").string() : passfile, "-o",
                       "no_root_squash"}));
  }

  std::filesystem::path base_;
};

TEST_F(AttachTest, AttachServesDetachStalesReattachRevives) {
  CliRun a = AttachVault("/secret");
  ASSERT_EQ(a.status, 0) << a.output;
  MntRes m = client_->Mnt("/secret");
  ASSERT_TRUE(m.ok()) << Why(m);
  CreateRes c = client_->Create(m.fh, "diary.txt", GUARDED, {.mode = 0644});
  ASSERT_TRUE(c.ok()) << Why(c);
  const Bytes text = {'d', 'e', 'a', 'r', ' ', 'd', 'i', 'a', 'r', 'y'};
  ASSERT_TRUE(client_->Write(*c.fh, 0, text, FILE_SYNC).ok());
  // On disk: an encrypted name and 18 + 10 + 32 bytes of ciphertext, no plaintext.
  size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(base_ / "vault")) {
    const std::string name = e.path().filename().string();
    if (name.starts_with("gocryptfs.")) continue;
    ++files;
    EXPECT_EQ(name.find("diary"), std::string::npos);
    EXPECT_EQ(std::filesystem::file_size(e.path()), 18u + 10u + 32u);
  }
  EXPECT_EQ(files, 1u);

  CliRun status = Loopfs(Ctl({"status"}));
  EXPECT_NE(status.output.find("/secret"), std::string::npos) << status.output;
  EXPECT_NE(status.output.find("encrypt > posix"), std::string::npos) << status.output;

  CliRun d = Loopfs(Ctl({"detach", "/secret"}));
  ASSERT_EQ(d.status, 0) << d.output;
  EXPECT_EQ(client_->GetAttr(*c.fh).status, NFS3ERR_STALE);
  EXPECT_FALSE(client_->Mnt("/secret").ok());

  a = AttachVault("/secret");
  ASSERT_EQ(a.status, 0) << a.output;
  ReadRes r = client_->Read(*c.fh, 0, 100);
  ASSERT_TRUE(r.ok()) << "a handle from before the detach: " << Why(r);
  EXPECT_EQ(r.data, text);
  ASSERT_EQ(Loopfs(Ctl({"detach", "/secret"})).status, 0);
}

TEST_F(AttachTest, SighupKeepsAttachedExports) {
  ASSERT_EQ(AttachVault("/kept").status, 0);
  ASSERT_EQ(kill(server_->pid(), SIGHUP), 0);
  // The reload is asynchronous; the export must stay through it.
  for (int i = 0; i < 20; ++i) {
    usleep(100 * 1000);
    ASSERT_TRUE(client_->Mnt("/kept").ok()) << "attached export lost on reload";
  }
  ASSERT_EQ(Loopfs(Ctl({"detach", "/kept"})).status, 0);
}

TEST_F(AttachTest, RefusesBadRequestsAndKeepsServing) {
  std::ofstream(base_ / "wrong") << "not the passphrase\n";
  CliRun wrong = AttachVault("/w", (base_ / "wrong").string());
  EXPECT_EQ(wrong.status, 1);
  EXPECT_NE(wrong.output.find("wrong passphrase"), std::string::npos) << wrong.output;
  EXPECT_FALSE(client_->Mnt("/w").ok());

  ASSERT_EQ(AttachVault("/twice").status, 0);
  CliRun twice = AttachVault("/twice");
  EXPECT_EQ(twice.status, 1);
  EXPECT_NE(twice.output.find("already"), std::string::npos) << twice.output;
  ASSERT_EQ(Loopfs(Ctl({"detach", "/twice"})).status, 0);

  CliRun configured = Loopfs(Ctl({"detach", "/"}));
  EXPECT_EQ(configured.status, 1);
  EXPECT_NE(configured.output.find("configuration"), std::string::npos) << configured.output;
  CliRun nothing = Loopfs(Ctl({"detach", "/nothing"}));
  EXPECT_EQ(nothing.status, 1);

  CliRun bad_path = AttachVault("relative/path");
  EXPECT_EQ(bad_path.status, 1) << bad_path.output;
  CliRun not_vault = Loopfs(Ctl({"attach", base_.string(), "/nv", "--passfile",
                              (base_ / "pass").string()}));
  EXPECT_EQ(not_vault.status, 1);
  EXPECT_NE(not_vault.output.find("gocryptfs.conf"), std::string::npos) << not_vault.output;
  CliRun bad_option = Loopfs(Ctl({"attach", (base_ / "vault").string(), "/bo", "--passfile",
                               (base_ / "pass").string(), "-o", "frobnicate"}));
  EXPECT_EQ(bad_option.status, 1) << bad_option.output;
  CliRun no_pass = Loopfs(Ctl({"attach", (base_ / "vault").string(), "/np"}));
  EXPECT_NE(no_pass.status, 0) << "no terminal to prompt on: " << no_pass.output;

  EXPECT_TRUE(client_->Null().ok()) << "server still serving";
  EXPECT_TRUE(client_->GetAttr(client_->root()).ok());
}

}  // namespace
}  // namespace loopfs::testing
