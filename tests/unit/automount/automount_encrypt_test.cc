// Encrypt entries: a real gocryptfs vault unlocked from the entry's passfile, and a vault
// without a key.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <vector>

#include "layers/automount/automount_layer.h"
#include "tests/unit/automount/automount_fixture.h"

namespace loopfs::automount::testing {
namespace {

// Runs argv quietly; its exit status, or -1 if it could not be started (not installed).
int RunQuiet(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return -1;
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

class AutomountEncryptTest : public AutomountTest {
 protected:
  void SetUp() override {
    pass_ = dir_.Write("vault.pass", "correct horse\n", 0600);
    vault_ = dir_.path() + "/vault";
    std::filesystem::create_directories(vault_);
    int rc = RunQuiet({"gocryptfs", "-init", "-q", "-scryptn", "10", "-passfile", pass_, vault_});
    if (rc == -1) GTEST_SKIP() << "gocryptfs is not installed";
    ASSERT_EQ(rc, 0) << "gocryptfs -init failed";
  }
  std::string pass_, vault_;
};

TEST_F(AutomountEncryptTest, VaultEntryServesPlaintext) {
  WriteMap("v -fstype=encrypt,passfile=" + pass_ + " :" + vault_ + "\n");
  auto layer = Open(Options());
  NodeHandle v = Walk(*layer, "v");
  CreateRes res;
  ASSERT_TRUE(layer->Create(ctx_, v, "secret.txt", CreateMode::kUnchecked, {}, {}, &res).ok());
  ASSERT_TRUE(res.handle);
  const std::string text = "plain words";
  WriteRes wres;
  ASSERT_TRUE(layer
                  ->Write(ctx_, *res.handle, 0,
                          std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()),
                          StableHow::kFileSync, &wres)
                  .ok());
  std::vector<std::string> names;
  ASSERT_TRUE(List(*layer, v, &names).ok());
  EXPECT_NE(std::find(names.begin(), names.end(), "secret.txt"), names.end());
  EXPECT_EQ(ReadAll(*layer, Walk(*layer, "v/secret.txt")), "plain words");
  // On disk the name is encrypted.
  EXPECT_FALSE(std::filesystem::exists(vault_ + "/secret.txt"));
}

TEST_F(AutomountEncryptTest, VaultWithoutKeyIsAcces) {
  WriteMap("v -fstype=encrypt :" + vault_ + "\n");
  auto layer = Open(Options());
  NodeHandle v = Walk(*layer, "v");
  std::vector<std::string> names;
  EXPECT_EQ(List(*layer, v, &names).code(), Nfsstat3::kAcces);
  EXPECT_EQ(List(*layer, v, &names).code(), Nfsstat3::kAcces) << "fails fast while down";
  EXPECT_NE(StatusOf(*layer, "v")->last_error.find("no key"), std::string::npos);
}

TEST_F(AutomountEncryptTest, WrongPassphraseIsIo) {
  std::string wrong = dir_.Write("wrong.pass", "battery staple\n", 0600);
  WriteMap("v -fstype=encrypt,passfile=" + wrong + " :" + vault_ + "\n");
  auto layer = Open(Options());
  std::vector<std::string> names;
  EXPECT_EQ(List(*layer, Walk(*layer, "v"), &names).code(), Nfsstat3::kIo);
}

}  // namespace
}  // namespace loopfs::automount::testing
