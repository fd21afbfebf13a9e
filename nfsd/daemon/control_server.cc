#include "nfsd/daemon/control_server.h"

#include <fcntl.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace loopfs::daemon {
namespace {

constexpr size_t kMaxRequest = 64 * 1024;
constexpr int kClientTimeoutMs = 5000;

bool MakeAddress(const std::string& path, sockaddr_un* addr) {
  if (path.size() >= sizeof(addr->sun_path)) return false;
  std::memset(addr, 0, sizeof(*addr));
  addr->sun_family = AF_UNIX;
  std::memcpy(addr->sun_path, path.c_str(), path.size() + 1);
  return true;
}

// Reads one line (without the newline) within the timeout.
bool ReadLine(int fd, std::string* line, int timeout_ms) {
  line->clear();
  char buf[4096];
  while (line->size() < kMaxRequest) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, timeout_ms) != 1) return false;
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n <= 0) return false;
    line->append(buf, static_cast<size_t>(n));
    auto nl = line->find('\n');
    if (nl != std::string::npos) {
      line->resize(nl);
      return true;
    }
  }
  return false;
}

bool WriteAll(int fd, const std::string& s) {
  size_t off = 0;
  while (off < s.size()) {
    ssize_t n = send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    off += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

ControlServer::~ControlServer() { Stop(); }

void ControlServer::Register(const std::string& cmd, Handler handler) {
  std::lock_guard lock(mu_);
  handlers_[cmd] = std::move(handler);
}

bool ControlServer::Start(const std::string& path, std::string* error) {
  sockaddr_un addr;
  if (!MakeAddress(path, &addr)) {
    *error = fmt::format("control socket path '{}' is too long (max {} bytes)", path,
                         sizeof(addr.sun_path) - 1);
    return false;
  }
  // A socket file left by a crashed loopfsd is replaced; a live one is not.
  int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (probe >= 0) {
    bool live = connect(probe, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
    close(probe);
    if (live) {
      *error = fmt::format(
          "another loopfsd is serving control socket {}; stop it or give this one its own "
          "--state-dir or --control-socket",
          path);
      return false;
    }
  }
  unlink(path.c_str());
  listen_fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  mode_t old = umask(0077);  // the socket is born 0600: root only
  int rc = bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  umask(old);
  if (rc == 0) chmod(path.c_str(), 0600);
  if (rc != 0 || listen(listen_fd_, 16) != 0) {
    *error = fmt::format("cannot create control socket {}: {}", path, std::strerror(errno));
    close(listen_fd_);
    listen_fd_ = -1;
    return false;
  }
  if (pipe2(wake_pipe_, O_CLOEXEC) != 0) {
    *error = fmt::format("pipe: {}", std::strerror(errno));
    return false;
  }
  path_ = path;
  thread_ = std::thread([this] { Serve(); });
  return true;
}

void ControlServer::Stop() {
  if (!thread_.joinable()) return;
  char c = 1;
  (void)!write(wake_pipe_[1], &c, 1);
  thread_.join();
  close(listen_fd_);
  close(wake_pipe_[0]);
  close(wake_pipe_[1]);
  listen_fd_ = -1;
  unlink(path_.c_str());
}

void ControlServer::Serve() {
  for (;;) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_pipe_[0], POLLIN, 0}};
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents != 0) return;
    int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    ServeClient(fd);
    close(fd);
  }
}

void ControlServer::ServeClient(int fd) {
  ucred cred{};
  socklen_t len = sizeof(cred);
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || cred.uid != 0) {
    WriteAll(fd, nlohmann::json{{"ok", false}, {"error", "the control socket is for root only"}}
                         .dump() + "\n");
    return;
  }
  std::string line;
  while (ReadLine(fd, &line, kClientTimeoutMs)) {
    const std::string reply = Execute(line).dump() + "\n";
    // A request may carry a passphrase (attach): do not leave it in freed memory.
    std::fill(line.begin(), line.end(), '\0');
    if (!WriteAll(fd, reply)) return;
  }
}

nlohmann::json ControlServer::Execute(const std::string& line) {
  nlohmann::json request = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (!request.is_object() || !request.contains("cmd") || !request["cmd"].is_string()) {
    return {{"ok", false}, {"error", "bad request: expected {\"cmd\": \"...\"}"}};
  }
  std::string cmd = request["cmd"];
  Handler handler;
  {
    std::lock_guard lock(mu_);
    auto it = handlers_.find(cmd);
    if (it == handlers_.end()) {
      std::string known;
      for (const auto& [name, h] : handlers_) known += (known.empty() ? "" : ", ") + name;
      return {{"ok", false}, {"error", fmt::format("unknown command '{}' (known: {})", cmd, known)}};
    }
    handler = it->second;
  }
  try {
    nlohmann::json reply = handler(request);
    if (!reply.contains("ok")) reply["ok"] = true;
    return reply;
  } catch (const std::exception& e) {
    return {{"ok", false}, {"error", e.what()}};
  }
}

nlohmann::json ControlRequest(const std::string& path, const nlohmann::json& request) {
  sockaddr_un addr;
  if (!MakeAddress(path, &addr)) throw std::runtime_error("control socket path too long: " + path);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    int err = errno;
    close(fd);
    throw std::runtime_error(fmt::format(
        "cannot reach loopfsd at {}: {}{}", path, std::strerror(err),
        err == ENOENT || err == ECONNREFUSED
            ? " (is loopfsd running? give its --state-dir or --socket)"
            : err == EACCES ? " (run as root)" : ""));
  }
  std::string line;
  bool ok = WriteAll(fd, request.dump() + "\n") && ReadLine(fd, &line, 30000);
  close(fd);
  if (!ok) throw std::runtime_error("loopfsd did not answer on " + path);
  nlohmann::json reply = nlohmann::json::parse(line, nullptr, false);
  if (reply.is_discarded()) throw std::runtime_error("loopfsd sent an unreadable reply");
  return reply;
}

}  // namespace loopfs::daemon
