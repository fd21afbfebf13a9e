// A set of libnfs RPC connections to one server program, driven by one poll() loop.
//
// The benchmark keeps many calls in flight on several TCP connections from one thread:
// libnfs's raw asynchronous API queues calls per rpc_context, and RunUntil() services every
// context's socket (rpc_get_fd / rpc_which_events / rpc_service) until a condition holds.
#ifndef LOOPFS_BENCH_RPC_CLIENT_H_
#define LOOPFS_BENCH_RPC_CLIENT_H_

#include <nfsc/libnfs.h>
#include <nfsc/libnfs-raw.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace loopfs::bench {

using Clock = std::chrono::steady_clock;

class RpcClient {
 public:
  RpcClient() = default;
  ~RpcClient();
  RpcClient(const RpcClient&) = delete;
  RpcClient& operator=(const RpcClient&) = delete;

  // Opens `connections` TCP connections to host:port for program/version (no portmapper).
  // Returns false and sets *error if any of them fails within `timeout`.
  bool Connect(const std::string& host, int port, int program, int version, int connections,
               std::chrono::milliseconds timeout, std::string* error);

  size_t size() const { return contexts_.size(); }
  rpc_context* context(size_t i) const { return contexts_[i]; }

  // Services all connections until done() returns true (checked after every wake-up) or
  // `deadline` passes.  Returns false and sets *error on a transport failure or timeout.
  bool RunUntil(const std::function<bool()>& done, Clock::time_point deadline,
                std::string* error);

  // Drops every connection; libnfs then fails each call in flight through its callback, so
  // callers do this before the state those callbacks point to goes away.
  void Abandon();

  // Number of calls still waiting for a reply on all connections.
  int InFlight() const;

  // One call, waited for: `issue` queues it with the given callback and private pointer (it
  // returns libnfs's queueing result); `consume` sees the decoded reply (only on success).
  // Returns false and sets *error if queueing, the transport or the deadline fails.
  bool CallAndWait(size_t connection, const std::function<int(rpc_context*, rpc_cb, void*)>& issue,
                   const std::function<void(void*)>& consume, std::chrono::milliseconds timeout,
                   std::string* error);

 private:
  std::vector<rpc_context*> contexts_;
};

}  // namespace loopfs::bench

#endif  // LOOPFS_BENCH_RPC_CLIENT_H_
