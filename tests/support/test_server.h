// The NFS server under test, started for one test suite and stopped after it.
//
// By default that is loopfsd (the path comes from the build, or LOOPFSD_BIN);
// LOOPFS_TEST_SERVER=ganesha runs the same suite against nfs-ganesha, which
// is how the suite's expectations were checked against another server (see
// tests/support/ganesha/README.md).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace loopfs::testing {

struct ServerConfig {
  // Export paths; each gets a fresh empty directory.  Default: just "/".
  std::vector<std::string> exports = {"/"};
  // --option values applied to every export: ro, insecure, no_root_squash...
  std::vector<std::string> options;
  // --max-record; 0 leaves the server's default.
  uint32_t max_record = 0;
  // loopfsd only: a loopfs.toml(5) body to start with (--config) instead of one --export
  // per directory.  "@DIR0@", "@DIR1@", ... stand for the export directories (one per
  // `exports` entry), "@WORK@" for the server's work directory.
  std::string config_toml;
};

// A ServerConfig from its parts.  (A function rather than designated
// initializers: GCC 12 crashes on those for this struct.)
inline ServerConfig ServerWith(std::vector<std::string> options,
                               std::vector<std::string> exports = {"/"}, uint32_t max_record = 0) {
  ServerConfig c;
  c.exports = std::move(exports);
  c.options = std::move(options);
  c.max_record = max_record;
  return c;
}

class TestServer {
 public:
  // Starts the server chosen by LOOPFS_TEST_SERVER; nullptr (with the reason
  // on stderr) if it did not come up.
  static std::unique_ptr<TestServer> Start(const ServerConfig& config);
  // Which server LOOPFS_TEST_SERVER selects: "loopfsd" or "ganesha".
  static std::string Kind();
  static bool IsGanesha() { return Kind() == "ganesha"; }

  virtual ~TestServer();

  uint16_t nfs_port() const { return nfs_port_; }
  uint16_t mount_port() const { return mount_port_; }
  const std::filesystem::path& export_dir(size_t i = 0) const { return export_dirs_.at(i); }
  const std::string& export_path(size_t i = 0) const { return config_.exports.at(i); }
  const std::filesystem::path& work_dir() const { return work_dir_; }

  // The server's process id (for signals).
  pid_t pid() const { return pid_; }
  // True while the process runs.
  bool Alive();
  // SIGTERM, then waits; returns the exit status, or -1 if the process was
  // killed by a signal or had to be killed after the grace time.
  int Stop();
  // The last lines the server logged, for failure messages.
  std::string LogTail(size_t max_bytes = 4000) const;
  // Stops the server (SIGTERM, clean exit expected) and starts it again on
  // the same directories and state, on new ports.  False if the server
  // kind cannot, or the restart failed.
  virtual bool Restart() { return false; }
  // What the server wrote to stdout after its ready line (loopfsd promises
  // exactly one line); call after Stop().
  virtual std::string StdoutAfterReady() { return ""; }

 protected:
  explicit TestServer(ServerConfig config);
  bool MakeDirectories();
  // Waits for the process to exit within timeout_ms; returns its wait status
  // or -1 on timeout.
  int WaitExit(int timeout_ms);

  ServerConfig config_;
  std::filesystem::path work_dir_;
  std::vector<std::filesystem::path> export_dirs_;
  std::filesystem::path log_path_;
  pid_t pid_ = -1;
  int exit_status_ = -1;
  uint16_t nfs_port_ = 0;
  uint16_t mount_port_ = 0;
  int stop_grace_ms_ = 20000;

  friend std::unique_ptr<TestServer> StartLoopfsd(const ServerConfig&);
  friend std::unique_ptr<TestServer> StartGanesha(const ServerConfig&);
};

std::unique_ptr<TestServer> StartLoopfsd(const ServerConfig& config);
std::unique_ptr<TestServer> StartGanesha(const ServerConfig& config);

}  // namespace loopfs::testing
