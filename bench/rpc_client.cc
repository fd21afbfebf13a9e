#include "bench/rpc_client.h"

#include <poll.h>

#include <algorithm>

namespace loopfs::bench {
namespace {

struct PendingReply {
  bool done = false;
  bool ok = false;
  std::string error;
  const std::function<void(void*)>* consume = nullptr;
};

void OnReply(rpc_context* /*rpc*/, int status, void* data, void* private_data) {
  auto* pending = static_cast<PendingReply*>(private_data);
  pending->done = true;
  if (status == RPC_STATUS_SUCCESS) {
    pending->ok = true;
    if (pending->consume != nullptr && *pending->consume) (*pending->consume)(data);
    return;
  }
  pending->error = status == RPC_STATUS_ERROR && data != nullptr
                       ? static_cast<const char*>(data)
                       : (status == RPC_STATUS_TIMEOUT ? "rpc timeout" : "rpc cancelled");
}

}  // namespace

RpcClient::~RpcClient() {
  for (rpc_context* rpc : contexts_) rpc_destroy_context(rpc);
}

bool RpcClient::Connect(const std::string& host, int port, int program, int version,
                        int connections, std::chrono::milliseconds timeout,
                        std::string* error) {
  std::vector<PendingReply> pending(static_cast<size_t>(std::max(connections, 0)));
  for (auto& p : pending) {
    rpc_context* rpc = rpc_init_context();
    if (rpc == nullptr) {
      *error = "rpc_init_context failed";
      return false;
    }
    contexts_.push_back(rpc);
    if (rpc_connect_port_async(rpc, host.c_str(), port, program, version, OnReply, &p) != 0) {
      *error = std::string("connect to ") + host + ":" + std::to_string(port) + ": " +
               rpc_get_error(rpc);
      Abandon();
      return false;
    }
  }
  const bool finished = RunUntil(
      [&] { return std::all_of(pending.begin(), pending.end(), [](auto& p) { return p.done; }); },
      Clock::now() + timeout, error);
  if (!finished) {
    Abandon();
    return false;
  }
  for (const auto& p : pending) {
    if (!p.ok) {
      *error = "connect to " + host + ":" + std::to_string(port) + ": " + p.error;
      return false;
    }
  }
  return true;
}

bool RpcClient::RunUntil(const std::function<bool()>& done, Clock::time_point deadline,
                         std::string* error) {
  std::vector<pollfd> fds(contexts_.size());
  while (!done()) {
    const auto now = Clock::now();
    if (now >= deadline) {
      *error = "timed out waiting for the server";
      return false;
    }
    for (size_t i = 0; i < contexts_.size(); ++i) {
      fds[i].fd = rpc_get_fd(contexts_[i]);
      fds[i].events = static_cast<short>(rpc_which_events(contexts_[i]));
      fds[i].revents = 0;
    }
    // Wake at least every 100 ms so the deadline is honoured even on a silent server.
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
    const int wait_ms = static_cast<int>(std::clamp<int64_t>(left.count(), 1, 100));
    const int ready = poll(fds.data(), fds.size(), wait_ms);
    if (ready < 0) {
      if (errno == EINTR) continue;
      *error = "poll failed";
      return false;
    }
    for (size_t i = 0; i < contexts_.size(); ++i) {
      if (fds[i].revents == 0) continue;
      if (rpc_service(contexts_[i], fds[i].revents) < 0) {
        *error = std::string("connection lost: ") + rpc_get_error(contexts_[i]);
        return false;
      }
    }
  }
  return true;
}

void RpcClient::Abandon() {
  for (rpc_context* rpc : contexts_) rpc_disconnect(rpc, "abandoned by the benchmark");
}

int RpcClient::InFlight() const {
  int total = 0;
  for (rpc_context* rpc : contexts_) total += rpc_queue_length(rpc);
  return total;
}

bool RpcClient::CallAndWait(size_t connection,
                            const std::function<int(rpc_context*, rpc_cb, void*)>& issue,
                            const std::function<void(void*)>& consume,
                            std::chrono::milliseconds timeout, std::string* error) {
  if (connection >= contexts_.size()) {
    *error = "no such connection";
    return false;
  }
  PendingReply pending;
  pending.consume = &consume;
  rpc_context* rpc = contexts_[connection];
  if (issue(rpc, OnReply, &pending) != 0) {
    *error = std::string("cannot queue call: ") + rpc_get_error(rpc);
    return false;
  }
  if (!RunUntil([&] { return pending.done; }, Clock::now() + timeout, error)) {
    Abandon();
    return false;
  }
  if (!pending.ok) {
    *error = pending.error;
    return false;
  }
  return true;
}

}  // namespace loopfs::bench
