#include "tests/support/raw_rpc_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <random>

#include <fmt/format.h>

namespace loopfs::testing {
namespace {

using Clock = std::chrono::steady_clock;

bool FillAddress(const std::string& host, uint16_t port, sockaddr_storage* ss, socklen_t* len) {
  std::memset(ss, 0, sizeof(*ss));
  auto* v4 = reinterpret_cast<sockaddr_in*>(ss);
  if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    *len = sizeof(sockaddr_in);
    return true;
  }
  auto* v6 = reinterpret_cast<sockaddr_in6*>(ss);
  if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    *len = sizeof(sockaddr_in6);
    return true;
  }
  return false;
}

void SetPort(sockaddr_storage* ss, uint16_t port) {
  if (ss->ss_family == AF_INET) {
    reinterpret_cast<sockaddr_in*>(ss)->sin_port = htons(port);
  } else {
    reinterpret_cast<sockaddr_in6*>(ss)->sin6_port = htons(port);
  }
}

// Binds fd to a local port below 1024; the range and random start keep
// concurrent tests from colliding often.
bool BindReserved(int fd, int family) {
  static std::mt19937 rng{std::random_device{}()};
  sockaddr_storage local{};
  local.ss_family = static_cast<sa_family_t>(family);
  socklen_t len = family == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6);
  constexpr uint16_t kLow = 600, kHigh = 1023;
  uint16_t start = static_cast<uint16_t>(kLow + rng() % (kHigh - kLow + 1));
  for (uint16_t i = 0; i <= kHigh - kLow; ++i) {
    uint16_t port = static_cast<uint16_t>(kLow + (start - kLow + i) % (kHigh - kLow + 1));
    SetPort(&local, port);
    if (bind(fd, reinterpret_cast<sockaddr*>(&local), len) == 0) return true;
    if (errno != EADDRINUSE && errno != EACCES) return false;
    if (errno == EACCES) return false;
  }
  return false;
}

}  // namespace

RawRpcClient::RawRpcClient(int fd, Transport t, uint16_t local_port)
    : fd_(fd), transport_(t), local_port_(local_port) {
  std::random_device rd;
  next_xid_ = rd();
}

RawRpcClient::~RawRpcClient() {
  if (fd_ >= 0) close(fd_);
}

std::unique_ptr<RawRpcClient> RawRpcClient::Connect(const ConnectOptions& opts) {
  sockaddr_storage peer{};
  socklen_t peer_len = 0;
  if (!FillAddress(opts.host, opts.port, &peer, &peer_len)) {
    fmt::print(stderr, "raw client: bad address {}\n", opts.host);
    return nullptr;
  }
  int type = opts.transport == Transport::kTcp ? SOCK_STREAM : SOCK_DGRAM;
  int fd = socket(peer.ss_family, type | SOCK_CLOEXEC, 0);
  if (fd < 0) return nullptr;
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (opts.source_port != 0) {
    sockaddr_storage local{};
    local.ss_family = peer.ss_family;
    SetPort(&local, opts.source_port);
    if (bind(fd, reinterpret_cast<sockaddr*>(&local), peer_len) != 0) {
      fmt::print(stderr, "raw client: bind {}: {}\n", opts.source_port, strerror(errno));
      close(fd);
      return nullptr;
    }
  } else if (opts.reserved_port && !BindReserved(fd, peer.ss_family)) {
    fmt::print(stderr, "raw client: no reserved port: {}\n", strerror(errno));
    close(fd);
    return nullptr;
  }
  if (connect(fd, reinterpret_cast<sockaddr*>(&peer), peer_len) != 0) {
    fmt::print(stderr, "raw client: connect {}:{}: {}\n", opts.host, opts.port, strerror(errno));
    close(fd);
    return nullptr;
  }
  if (type == SOCK_STREAM) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  sockaddr_storage local{};
  socklen_t local_len = sizeof(local);
  getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len);
  uint16_t lport = local.ss_family == AF_INET
                       ? ntohs(reinterpret_cast<sockaddr_in*>(&local)->sin_port)
                       : ntohs(reinterpret_cast<sockaddr_in6*>(&local)->sin6_port);
  return std::unique_ptr<RawRpcClient>(new RawRpcClient(fd, opts.transport, lport));
}

bool RawRpcClient::SendRaw(const Bytes& bytes) {
  size_t off = 0;
  while (off < bytes.size()) {
    ssize_t n = send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    if (transport_ == Transport::kUdp) return static_cast<size_t>(n) == bytes.size();
    off += static_cast<size_t>(n);
  }
  return true;
}

bool RawRpcClient::SendCall(const CallHeader& h, const Bytes& args, size_t fragment_size) {
  Bytes msg = EncodeCall(h, args);
  if (transport_ == Transport::kUdp) return SendRaw(msg);
  return SendRaw(RecordMark(msg, fragment_size));
}

bool RawRpcClient::ReadExact(uint8_t* buf, size_t n, Clock::time_point deadline) {
  size_t off = 0;
  while (off < n) {
    auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    int pr = poll(&p, 1, static_cast<int>(left.count()));
    if (pr < 0 && errno == EINTR) continue;
    if (pr <= 0) return false;
    ssize_t r = recv(fd_, buf + off, n - off, 0);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    off += static_cast<size_t>(r);
  }
  return true;
}

std::optional<RpcReply> RawRpcClient::ReadReply(milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  if (transport_ == Transport::kUdp) {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return std::nullopt;
    Bytes buf(65536);
    ssize_t r = recv(fd_, buf.data(), buf.size(), 0);
    if (r <= 0) return std::nullopt;
    buf.resize(static_cast<size_t>(r));
    return DecodeReply(buf);
  }
  Bytes msg;
  for (;;) {
    uint8_t mark[4];
    if (!ReadExact(mark, 4, deadline)) return std::nullopt;
    uint32_t word =
        (uint32_t{mark[0]} << 24) | (uint32_t{mark[1]} << 16) | (uint32_t{mark[2]} << 8) | mark[3];
    size_t len = word & 0x7fffffffu;
    if (len > (64u << 20)) return std::nullopt;  // not a reply a test would expect
    size_t old = msg.size();
    msg.resize(old + len);
    if (len > 0 && !ReadExact(msg.data() + old, len, deadline)) return std::nullopt;
    if (word & 0x80000000u) break;
  }
  return DecodeReply(msg);
}

std::optional<RpcReply> RawRpcClient::Call(const CallHeader& h, const Bytes& args,
                                           milliseconds timeout) {
  if (!SendCall(h, args)) return std::nullopt;
  auto deadline = Clock::now() + timeout;
  // UDP loses datagrams when the server's socket buffer is full (as after a
  // flood of garbage); like every UDP client, retransmit.
  const milliseconds retransmit = transport_ == Transport::kUdp ? milliseconds(1000) : timeout;
  auto next_send = Clock::now() + retransmit;
  for (;;) {
    auto now = Clock::now();
    if (now >= deadline) return std::nullopt;
    if (now >= next_send) {
      SendCall(h, args);
      next_send = now + retransmit;
    }
    auto left = std::chrono::duration_cast<milliseconds>(std::min(deadline, next_send) - now);
    auto reply = ReadReply(std::max(left, milliseconds(1)));
    if (!reply) {
      if (transport_ == Transport::kTcp) return std::nullopt;
      continue;
    }
    if (reply->xid == h.xid) return reply;
  }
}

bool RawRpcClient::WaitClosed(milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  uint8_t buf[4096];
  for (;;) {
    auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    int pr = poll(&p, 1, static_cast<int>(left.count()));
    if (pr < 0 && errno == EINTR) continue;
    if (pr <= 0) return false;
    ssize_t r = recv(fd_, buf, sizeof(buf), 0);
    if (r == 0) return true;
    if (r < 0 && errno != EINTR && errno != EAGAIN) return true;
  }
}

void RawRpcClient::Abort() {
  if (fd_ < 0) return;
  linger lg{1, 0};
  setsockopt(fd_, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
  close(fd_);
  fd_ = -1;
}

}  // namespace loopfs::testing
