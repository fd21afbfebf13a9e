// The RPC server: TCP and UDP listeners on loopback, connections, and the
// worker pool that runs calls.
//
// Threads: one I/O thread runs the Asio event loop (accepts, reads, writes,
// timers); calls run on a pool of workers.  A worker never touches a socket:
// it hands its reply back to the I/O thread, so a client that does not read
// its replies holds no worker.  Per connection, at most max_in_flight calls
// are executing or waiting to be written; past that the connection is simply
// not read (TCP flow control pushes back on the client) instead of queueing
// without bound.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "rpc/dispatcher.h"

namespace loopfs::rpc {

struct ServerOptions {
  std::vector<std::string> listen = {"127.0.0.1", "::1"};
  uint16_t nfs_port = 2049;    // 0: pick a free port
  uint16_t mount_port = 20048; // 0: pick a free port
  bool udp = true;
  // A little over NFS's 1 MiB rtmax/wtmax plus headers.
  size_t max_record = (1u << 20) + (64u << 10);
  size_t max_in_flight = 128;             // calls per TCP connection
  size_t max_connections = 1024;
  size_t workers = 0;                     // 0: 2 × cores, at least 4
  // A connection that has sent part of a record, or has replies it does not
  // read, and made no progress for this long is closed.
  std::chrono::seconds stall_timeout{30};
  // How long SIGTERM waits for calls in flight before closing anyway.
  std::chrono::seconds drain_timeout{10};
};

class RpcServer {
 public:
  RpcServer(Dispatcher& dispatcher, ServerOptions options);
  ~RpcServer();
  RpcServer(const RpcServer&) = delete;
  RpcServer& operator=(const RpcServer&) = delete;

  // Opens every listener.  On failure returns false with *error saying which
  // address and port and why.
  bool Bind(std::string* error);
  uint16_t nfs_port() const;
  uint16_t mount_port() const;

  // Serves until Stop(); returns after calls in flight have been answered
  // (or drain_timeout passed).
  void Run();
  // Thread-safe and async-signal-unsafe: call from a normal thread.
  void Stop();
  // Runs fn on the I/O thread (e.g. a signal handler's follow-up).
  void Post(std::function<void()> fn);

  struct Counters {
    uint64_t connections_accepted = 0;
    uint64_t connections_open = 0;
    uint64_t records_too_large = 0;
    uint64_t stalled_closed = 0;
  };
  Counters counters() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace loopfs::rpc
