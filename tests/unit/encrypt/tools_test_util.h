// Helpers for the tests of `loopfs encrypt` and its libraries: temporary directories, running
// programs with their output captured, and whether FUSE (for the real gocryptfs) is usable.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

extern char** environ;

namespace loopfs::encrypt::testing {

// A fresh directory under /tmp, removed with everything in it at the end of the test.
class TempDir {
 public:
  TempDir() {
    char base[] = "/tmp/loopfs-enctools-XXXXXX";
    EXPECT_NE(mkdtemp(base), nullptr);
    path_ = base;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Runs a program (PATH is searched) with stdin from /dev/null; returns its exit status, -1 if
// it could not run or was killed.  stdout and stderr are captured if asked for.
inline int RunProgram(const std::vector<std::string>& args, std::string* out = nullptr,
                      std::string* err = nullptr) {
  char out_path[] = "/tmp/loopfs-enctools-out-XXXXXX";
  char err_path[] = "/tmp/loopfs-enctools-err-XXXXXX";
  const int out_fd = mkstemp(out_path);
  const int err_fd = mkstemp(err_path);
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  if (out != nullptr) posix_spawn_file_actions_adddup2(&actions, out_fd, 1);
  if (err != nullptr) posix_spawn_file_actions_adddup2(&actions, err_fd, 2);
  pid_t pid = 0;
  int status = 0;
  int rc = -1;
  if (posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ) == 0 &&
      waitpid(pid, &status, 0) == pid && WIFEXITED(status)) {
    rc = WEXITSTATUS(status);
  }
  posix_spawn_file_actions_destroy(&actions);
  auto slurp = [](int fd, std::string* to) {
    if (to == nullptr) return;
    to->clear();
    char buf[4096];
    ssize_t n;
    off_t at = 0;
    while ((n = pread(fd, buf, sizeof buf, at)) > 0) {
      to->append(buf, static_cast<size_t>(n));
      at += n;
    }
  };
  slurp(out_fd, out);
  slurp(err_fd, err);
  close(out_fd);
  close(err_fd);
  unlink(out_path);
  unlink(err_path);
  return rc;
}

inline bool FuseUsable(std::string* why) {
  const int fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    *why = "/dev/fuse cannot be opened";
    return false;
  }
  close(fd);
  if (RunProgram({"sh", "-c",
                  "command -v fusermount3 >/dev/null || command -v fusermount >/dev/null"}) != 0) {
    *why = "no fusermount";
    return false;
  }
  return true;
}

}  // namespace loopfs::encrypt::testing
