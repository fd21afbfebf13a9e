// The control socket: how `loopfs` talks to a running loopfsd.
//
// A Unix stream socket, root only (the socket is mode 0600 and every peer's
// SO_PEERCRED uid is checked).  Protocol: one JSON object per line each way.
// A request is {"cmd": "<name>", ...arguments}; a reply is
// {"ok": true, ...} or {"ok": false, "error": "<what to do>"}.
// Commands are registered by the components that implement them (status,
// stats here; attach/detach and automount by their layers).
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

namespace loopfs::daemon {

class ControlServer {
 public:
  using Handler = std::function<nlohmann::json(const nlohmann::json& request)>;

  ControlServer() = default;
  ~ControlServer();

  void Register(const std::string& cmd, Handler handler);
  // Creates the socket (replacing a stale one; refusing if a live loopfsd
  // answers on it) and starts serving on a thread of its own.
  bool Start(const std::string& path, std::string* error);
  void Stop();

  // Runs one request; public for tests.
  nlohmann::json Execute(const std::string& line);

 private:
  void Serve();
  void ServeClient(int fd);

  std::mutex mu_;
  std::map<std::string, Handler> handlers_;
  std::string path_;
  int listen_fd_ = -1;
  int wake_pipe_[2] = {-1, -1};
  std::thread thread_;
};

// Client side, used by `loopfs`: sends one request, returns the reply.
// Throws std::runtime_error with a message that says what to do.
nlohmann::json ControlRequest(const std::string& path, const nlohmann::json& request);

}  // namespace loopfs::daemon
