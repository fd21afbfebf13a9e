// Starts loopfsd on port 0 and learns its ports from its one ready line.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "tests/support/test_server.h"

namespace loopfs::testing {
namespace {

std::string LoopfsdPath() {
  if (const char* p = getenv("LOOPFSD_BIN")) return p;
#ifdef LOOPFSD_PATH
  return LOOPFSD_PATH;
#else
  return "";
#endif
}

// Reads from fd until a newline or the deadline; returns the line without
// the newline, or nullopt.
std::optional<std::string> ReadLine(int fd, int timeout_ms) {
  std::string line;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    pollfd p{fd, POLLIN, 0};
    int pr = poll(&p, 1, static_cast<int>(left.count()));
    if (pr < 0 && errno == EINTR) continue;
    if (pr <= 0) return std::nullopt;
    char c;
    ssize_t r = read(fd, &c, 1);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return std::nullopt;
    if (c == '\n') return line;
    line.push_back(c);
  }
}

class LoopfsdServer : public TestServer {
 public:
  LoopfsdServer(ServerConfig config, std::string bin)
      : TestServer(std::move(config)), bin_(std::move(bin)) {}
  ~LoopfsdServer() override {
    if (stdout_fd_ >= 0) close(stdout_fd_);
  }
  std::string StdoutAfterReady() override {
    std::string rest;
    if (stdout_fd_ < 0) return rest;
    // The process has exited, so the pipe ends at EOF.
    char buf[512];
    for (;;) {
      pollfd p{stdout_fd_, POLLIN, 0};
      if (poll(&p, 1, 1000) <= 0) break;
      ssize_t n = read(stdout_fd_, buf, sizeof(buf));
      if (n <= 0) break;
      rest.append(buf, static_cast<size_t>(n));
    }
    return rest;
  }
  // Starts the process on the directories made earlier and reads its
  // ready line.
  bool Launch();
  bool Restart() override;

  // Writes config_toml with its placeholders filled in; returns the file's path.
  std::string WriteConfigFile();

  std::string bin_;
  int stdout_fd_ = -1;
};

}  // namespace

std::string LoopfsdServer::WriteConfigFile() {
  std::string text = config_.config_toml;
  auto replace_all = [&text](const std::string& from, const std::string& to) {
    for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
      text.replace(at, from.size(), to);
    }
  };
  for (size_t i = 0; i < export_dirs_.size(); ++i) {
    replace_all("@DIR" + std::to_string(i) + "@", export_dirs_[i].string());
  }
  replace_all("@WORK@", work_dir_.string());
  const std::string path = (work_dir_ / "loopfs.toml").string();
  std::ofstream(path) << text;
  return path;
}

bool LoopfsdServer::Launch() {
  const ServerConfig& config = config_;
  std::vector<std::string> args = {bin_};
  if (!config.config_toml.empty()) {
    args.push_back("--config");
    args.push_back(WriteConfigFile());
  } else {
    for (size_t i = 0; i < config.exports.size(); ++i) {
      args.push_back("--export");
      args.push_back(config.exports[i] + "=" + export_dirs_[i].string());
    }
  }
  for (const auto& o : config.options) {
    args.push_back("--option");
    args.push_back(o);
  }
  args.insert(args.end(), {"--port", "0", "--mount-port", "0", "--listen", "127.0.0.1",
                           "--no-rpcbind", "--state-dir", (work_dir_ / "state").string()});
  if (config.max_record != 0) {
    args.push_back("--max-record");
    args.push_back(std::to_string(config.max_record));
  }

  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) return false;
  int log_fd = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) return false;
  {
    // Keep the command line in the log: a failure message then says how
    // the server was started.
    std::string cmd;
    for (const auto& a : args) cmd += a + " ";
    cmd += "\n";
    if (write(log_fd, cmd.data(), cmd.size()) < 0) { /* best effort */
    }
  }
  pid_t pid = fork();
  if (pid < 0) return false;
  if (pid == 0) {
    // A test binary that dies (a sanitizer abort) takes its server along.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    dup2(out[1], STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(out[1]);
  close(log_fd);
  pid_ = pid;
  if (stdout_fd_ >= 0) close(stdout_fd_);
  stdout_fd_ = out[0];

  // Sanitized builds start slowly on a busy machine.
  auto line = ReadLine(out[0], 60000);
  unsigned nfs = 0, mount = 0;
  if (!line || sscanf(line->c_str(), "loopfsd ready nfs=%u mount=%u", &nfs, &mount) != 2 ||
      nfs == 0 || nfs > 65535 || mount == 0 || mount > 65535) {
    fmt::print(stderr, "loopfsd did not report ready (got '{}'); log:\n{}\n",
               line.value_or("<nothing>"), LogTail());
    return false;
  }
  nfs_port_ = static_cast<uint16_t>(nfs);
  mount_port_ = static_cast<uint16_t>(mount);
  return true;
}

bool LoopfsdServer::Restart() {
  if (Stop() != 0) return false;
  return Launch();
}

std::unique_ptr<TestServer> StartLoopfsd(const ServerConfig& config) {
  std::string bin = LoopfsdPath();
  if (bin.empty() || access(bin.c_str(), X_OK) != 0) {
    fmt::print(stderr, "loopfsd not found (path '{}'); set LOOPFSD_BIN\n", bin);
    return nullptr;
  }
  auto server = std::make_unique<LoopfsdServer>(config, bin);
  if (!server->MakeDirectories() || !server->Launch()) return nullptr;
  return server;
}

}  // namespace loopfs::testing
