#include "tests/support/test_server.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include <fmt/format.h>

namespace loopfs::testing {

std::string TestServer::Kind() {
  const char* k = getenv("LOOPFS_TEST_SERVER");
  return k != nullptr && std::string(k) == "ganesha" ? "ganesha" : "loopfsd";
}

std::unique_ptr<TestServer> TestServer::Start(const ServerConfig& config) {
  return IsGanesha() ? StartGanesha(config) : StartLoopfsd(config);
}

TestServer::TestServer(ServerConfig config) : config_(std::move(config)) {}

TestServer::~TestServer() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  std::error_code ec;
  if (!work_dir_.empty() && getenv("LOOPFS_TEST_KEEP") == nullptr) {
    std::filesystem::remove_all(work_dir_, ec);
  }
}

bool TestServer::MakeDirectories() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "loopfs-test-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) return false;
  work_dir_ = tmpl;
  std::error_code ec;
  for (size_t i = 0; i < config_.exports.size(); ++i) {
    auto dir = work_dir_ / fmt::format("export{}", i);
    std::filesystem::create_directory(dir, ec);
    if (ec) return false;
    // World-writable is not needed: tests that act as another uid make
    // their own directories with the modes they need.
    export_dirs_.push_back(dir);
  }
  log_path_ = work_dir_ / "server.log";
  return true;
}

bool TestServer::Alive() {
  if (pid_ <= 0) return false;
  int status = 0;
  pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    exit_status_ = status;
    pid_ = -1;
    return false;
  }
  return true;
}

int TestServer::WaitExit(int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) return status;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return -1;
}

int TestServer::Stop() {
  if (pid_ <= 0) {
    // Already gone: report how it ended.
    return WIFEXITED(exit_status_) ? WEXITSTATUS(exit_status_) : -1;
  }
  kill(pid_, SIGTERM);
  int status = WaitExit(stop_grace_ms_);
  if (status == -1) {
    fmt::print(stderr, "test server: pid {} ignored SIGTERM for {} ms; killing\n", pid_,
               stop_grace_ms_);
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
    return -1;
  }
  pid_ = -1;
  exit_status_ = status;
  if (WIFSIGNALED(status)) {
    fmt::print(stderr, "test server: killed by signal {}\n", WTERMSIG(status));
    return -1;
  }
  return WEXITSTATUS(status);
}

std::string TestServer::LogTail(size_t max_bytes) const {
  std::ifstream in(log_path_, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  if (s.size() > max_bytes) s = "..." + s.substr(s.size() - max_bytes);
  return s;
}

}  // namespace loopfs::testing
