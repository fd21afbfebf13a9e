// A raw ONC RPC client over TCP or UDP for tests that need exact control of
// the bytes on the wire: DRC replays, error classes and hostile input.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "tests/support/rpc_message.h"

namespace loopfs::testing {

using std::chrono::milliseconds;
inline constexpr milliseconds kReplyTimeout{15000};

enum class Transport { kTcp, kUdp };

struct ConnectOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  Transport transport = Transport::kTcp;
  // Bind a source port below 1024 (needs root), as the kernel client does.
  bool reserved_port = false;
  // Bind exactly this source port (0: any); wins over reserved_port.
  uint16_t source_port = 0;
};

class RawRpcClient {
 public:
  // Returns nullptr (and logs why) when the connection cannot be made.
  static std::unique_ptr<RawRpcClient> Connect(const ConnectOptions& opts);
  ~RawRpcClient();
  RawRpcClient(const RawRpcClient&) = delete;
  RawRpcClient& operator=(const RawRpcClient&) = delete;

  // Bytes exactly as given (TCP stream or one UDP datagram).
  bool SendRaw(const Bytes& bytes);
  // A call: record-marked on TCP (split in fragments of fragment_size bytes
  // if non-zero), one datagram on UDP.
  bool SendCall(const CallHeader& h, const Bytes& args, size_t fragment_size = 0);
  // The next reply record (TCP: fragments reassembled), or nullopt on
  // timeout, close, or a malformed reply.
  std::optional<RpcReply> ReadReply(milliseconds timeout = kReplyTimeout);
  // Sends and waits for the reply with the same XID (others are skipped).
  std::optional<RpcReply> Call(const CallHeader& h, const Bytes& args,
                               milliseconds timeout = kReplyTimeout);
  // True once the server has closed the connection (EOF or reset) within
  // timeout; data that arrives meanwhile is discarded.
  bool WaitClosed(milliseconds timeout);
  // Closes with a reset instead of FIN so the source port is free at once.
  void Abort();

  uint32_t NextXid() { return next_xid_++; }
  uint16_t local_port() const { return local_port_; }
  int fd() const { return fd_; }

 private:
  RawRpcClient(int fd, Transport t, uint16_t local_port);
  // Reads exactly n bytes before deadline; false on timeout, EOF or error.
  bool ReadExact(uint8_t* buf, size_t n, std::chrono::steady_clock::time_point deadline);

  int fd_ = -1;
  Transport transport_;
  uint16_t local_port_ = 0;
  uint32_t next_xid_;
};

}  // namespace loopfs::testing
