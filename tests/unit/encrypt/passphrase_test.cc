// Passphrase sources: passfile and extpass (the terminal prompt needs a terminal and is
// exercised by hand).
#include "layers/encrypt/passphrase.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <fstream>

#include "tests/unit/encrypt/tools_test_util.h"
#include "tests/unit/encrypt/vault_tree.h"

namespace loopfs::encrypt::testing {
namespace {

bool FromFile(const std::string& path, std::string* out, std::string* error) {
  return ReadPassphrase(PassphraseSource{path, ""}, out, error);
}

bool FromCommand(const std::string& command, std::string* out, std::string* error) {
  return ReadPassphrase(PassphraseSource{"", command}, out, error);
}

TEST(Passfile, FirstLineWithoutNewline) {
  TempDir dir;
  WriteFileBytes(dir / "p", "secret words\nsecond line\n");
  std::string pass, error;
  ASSERT_TRUE(FromFile(dir / "p", &pass, &error)) << error;
  EXPECT_EQ(pass, "secret words");
  WriteFileBytes(dir / "q", "no newline at all");
  ASSERT_TRUE(FromFile(dir / "q", &pass, &error)) << error;
  EXPECT_EQ(pass, "no newline at all");
}

TEST(Passfile, RefusesEmptyLongAndMissing) {
  TempDir dir;
  std::string pass, error;
  WriteFileBytes(dir / "empty", "");
  EXPECT_FALSE(FromFile(dir / "empty", &pass, &error));
  EXPECT_NE(error.find("empty passphrase"), std::string::npos) << error;
  WriteFileBytes(dir / "blank", "\nsecret on the second line\n");
  EXPECT_FALSE(FromFile(dir / "blank", &pass, &error));
  WriteFileBytes(dir / "long", std::string(kPassphraseMaxBytes + 1, 'x') + "\n");
  EXPECT_FALSE(FromFile(dir / "long", &pass, &error));
  EXPECT_NE(error.find("longer than 4096"), std::string::npos) << error;
  WriteFileBytes(dir / "max", std::string(kPassphraseMaxBytes, 'x') + "\n");
  EXPECT_TRUE(FromFile(dir / "max", &pass, &error)) << error;
  EXPECT_FALSE(FromFile(dir / "absent", &pass, &error));
  EXPECT_NE(error.find("cannot open passfile"), std::string::npos) << error;
  EXPECT_FALSE(FromFile(dir.path(), &pass, &error));  // a directory
  EXPECT_TRUE(pass.size() == kPassphraseMaxBytes);    // untouched by the failures
}

TEST(Passphrase, BothSourcesRefused) {
  std::string pass, error;
  EXPECT_FALSE(ReadPassphrase(PassphraseSource{"/etc/hostname", "echo x"}, &pass, &error));
  EXPECT_NE(error.find("not both"), std::string::npos) << error;
}

TEST(Extpass, FirstLineOfOutput) {
  std::string pass, error;
  ASSERT_TRUE(FromCommand("echo 'from a command'; echo second", &pass, &error)) << error;
  EXPECT_EQ(pass, "from a command");
  ASSERT_TRUE(FromCommand("printf no-newline", &pass, &error)) << error;
  EXPECT_EQ(pass, "no-newline");
}

TEST(Extpass, FailuresSayWhy) {
  std::string pass, error;
  EXPECT_FALSE(FromCommand("echo pw; exit 3", &pass, &error));
  EXPECT_NE(error.find("exit status 3"), std::string::npos) << error;
  EXPECT_FALSE(FromCommand("true", &pass, &error));
  EXPECT_NE(error.find("empty passphrase"), std::string::npos) << error;
  EXPECT_FALSE(FromCommand("kill -9 $$", &pass, &error));
  EXPECT_NE(error.find("signal 9"), std::string::npos) << error;
}

TEST(Extpass, EndlessOutputIsCutOffQuickly) {
  std::string pass, error;
  const time_t start = time(nullptr);
  EXPECT_FALSE(FromCommand("while :; do printf xxxxxxxxxxxxxxxx; done", &pass, &error));
  // Even from a command that ignores SIGPIPE: it is killed, not waited for.
  EXPECT_FALSE(
      FromCommand("trap \"\" PIPE; while :; do printf xxxxxxxxxxxxxxxx; done", &pass, &error));
  EXPECT_NE(error.find("longer than"), std::string::npos) << error;
  // `yes` prints endless lines: the first one is taken, the rest cut off with SIGPIPE.
  ASSERT_TRUE(FromCommand("yes pw", &pass, &error)) << error;
  EXPECT_EQ(pass, "pw");
  // Also when the caller ignores SIGPIPE, as loopfsd does: the command gets the default.
  signal(SIGPIPE, SIG_IGN);
  EXPECT_TRUE(FromCommand("yes pw", &pass, &error)) << error;
  signal(SIGPIPE, SIG_DFL);
  EXPECT_LT(time(nullptr) - start, 10);
}

TEST(Extpass, TimeoutKillsTheWholeProcessGroup) {
  TempDir dir;
  const std::string pid_file = dir / "pid";
  std::string pass, error;
  const time_t start = time(nullptr);
  // The passphrase comes, but the command (and a child of it) never finish.
  EXPECT_FALSE(
      RunExtpass("sleep 30 & echo $! > " + pid_file + "; echo pw; wait", 1, &pass, &error));
  EXPECT_NE(error.find("did not finish within 1 s"), std::string::npos) << error;
  EXPECT_LT(time(nullptr) - start, 10);
  const pid_t child = static_cast<pid_t>(std::stol(ReadFileBytes(pid_file)));
  // The background sleep was in the command's process group: it is gone (or a zombie that
  // init reaps; either way no longer running).
  bool gone = false;
  for (int i = 0; i < 100 && !gone; i++) {
    std::ifstream in("/proc/" + std::to_string(child) + "/stat");
    std::string stat;
    std::getline(in, stat);
    gone = stat.empty() || stat.find(") Z") != std::string::npos;
    if (!gone) usleep(20000);
  }
  EXPECT_TRUE(gone) << "pid " << child << " survived";
  // Silence is a timeout too.
  EXPECT_FALSE(RunExtpass("sleep 30", 1, &pass, &error));
  EXPECT_NE(error.find("did not finish"), std::string::npos) << error;
}

TEST(Extpass, EnvironmentAndDescriptorsAreSanitised) {
  ASSERT_EQ(setenv("LOOPFS_TEST_SECRET", "leaked", 1), 0);
  ASSERT_EQ(setenv("HOME", "/home/tester", 1), 0);
  std::string pass, error;
  ASSERT_TRUE(FromCommand("echo \"${LOOPFS_TEST_SECRET:-clean}:$HOME\"", &pass, &error)) << error;
  EXPECT_EQ(pass, "clean:/home/tester");
  unsetenv("LOOPFS_TEST_SECRET");
  // Only stdin, stdout and stderr are open in the command; stdin is /dev/null.
  ASSERT_TRUE(FromCommand("ls /proc/self/fd | wc -l; cat", &pass, &error)) << error;
  // ls itself adds one descriptor (the directory it lists).
  EXPECT_EQ(pass, "4");
}

TEST(Passphrase, WipeStringEmpties) {
  std::string s = "a secret that is long enough to be on the heap, not inline";
  const char* data = s.data();
  const size_t len = s.size();
  WipeString(s);
  EXPECT_TRUE(s.empty());
  EXPECT_EQ(data, s.data());  // same buffer, now zeroed
  for (size_t i = 0; i < len; i++) EXPECT_EQ(data[i], '\0');
}

}  // namespace
}  // namespace loopfs::encrypt::testing
