// Starts nfs-ganesha (FSAL VFS) with the same exports and options, so the
// suite's expectations can be checked against an independent server.
// ganesha cannot start without rpcbind; tests/support/ganesha/run.sh gives it
// a private one in a network namespace.
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <algorithm>

#include <chrono>
#include <fstream>
#include <thread>

#include <fmt/format.h>

#include "tests/support/raw_rpc_client.h"
#include "tests/support/test_server.h"

namespace loopfs::testing {
namespace {

// A port nobody listens on right now (TCP and UDP).
uint16_t FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(a);
  bind(fd, reinterpret_cast<sockaddr*>(&a), len);
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

bool Has(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

std::unique_ptr<TestServer> StartGanesha(const ServerConfig& config) {
  auto server = std::unique_ptr<TestServer>(new TestServer(config));
  if (!server->MakeDirectories()) return nullptr;
  server->nfs_port_ = FreePort();
  server->mount_port_ = FreePort();
  auto conf_path = server->work_dir_ / "ganesha.conf";
  {
    std::ofstream conf(conf_path);
    conf << "NFS_CORE_PARAM {\n"
         << "  NFS_Port = " << server->nfs_port_ << ";\n"
         << "  MNT_Port = " << server->mount_port_ << ";\n"
         << "  NLM_Port = " << FreePort() << ";\n"
         << "  Rquota_Port = " << FreePort() << ";\n"
         << "  Protocols = 3;\n  Enable_NLM = false;\n  Enable_RQUOTA = false;\n"
         << "  mount_path_pseudo = true;\n"
         << "  Plugins_Dir = \"/usr/lib/x86_64-linux-gnu/ganesha\";\n";
    if (config.max_record != 0) conf << "  MaxRPCRecvBufferSize = " << config.max_record << ";\n";
    conf << "}\nNFSV4 { Graceless = true; }\n";
    for (size_t i = 0; i < config.exports.size(); ++i) {
      const auto& o = config.options;
      conf << "EXPORT {\n  Export_Id = " << i + 1 << ";\n"
           << "  Path = " << server->export_dirs_[i].string() << ";\n"
           << "  Pseudo = " << config.exports[i] << ";\n  Protocols = 3;\n"
           << "  Access_Type = " << (Has(o, "ro") ? "RO" : "RW") << ";\n"
           << "  Squash = " << (Has(o, "no_root_squash") ? "No_Root_Squash" : "Root_Squash")
           << ";\n  Anonymous_Uid = 65534;\n  Anonymous_Gid = 65534;\n"
           << "  PrivilegedPort = " << (Has(o, "insecure") ? "false" : "true") << ";\n"
           << "  SecType = sys;\n  Transports = TCP, UDP;\n  FSAL { Name = VFS; }\n}\n";
    }
  }
  pid_t pid = fork();
  if (pid < 0) return nullptr;
  if (pid == 0) {
    // A test binary that dies (a sanitizer abort) takes its server along.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    int devnull = open("/dev/null", O_RDWR);
    dup2(devnull, STDIN_FILENO);
    dup2(devnull, STDOUT_FILENO);
    std::string conf_s = conf_path.string(), log_s = server->log_path_.string();
    std::string pid_s = (server->work_dir_ / "ganesha.pid").string();
    execlp("ganesha.nfsd", "ganesha.nfsd", "-F", "-f", conf_s.c_str(), "-L", log_s.c_str(), "-p",
           pid_s.c_str(), "-N", "NIV_EVENT", static_cast<char*>(nullptr));
    _exit(127);
  }
  server->pid_ = pid;
  server->stop_grace_ms_ = 30000;
  // No ready line: poll MOUNT NULL until it answers.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    if (!server->Alive()) break;
    auto c = RawRpcClient::Connect({.port = server->mount_port_, .reserved_port = true});
    if (c) {
      CallHeader h{.xid = c->NextXid(), .prog = kMountProgram, .vers = kMountV3};
      auto r = c->Call(h, {}, milliseconds(1000));
      if (r && r->Success()) {
        auto n = RawRpcClient::Connect({.port = server->nfs_port_, .reserved_port = true});
        if (n) return server;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  fmt::print(stderr, "ganesha did not come up; log:\n{}\n", server->LogTail());
  return nullptr;
}

}  // namespace loopfs::testing
