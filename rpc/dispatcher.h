// The dispatcher: one call record in, one reply out.
//
// Transport-independent, so the whole call path below the sockets (header
// decoding, program and version checks, the duplicate request cache,
// statistics) is tested and fuzzed without any I/O.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <span>
#include <vector>

#include "rpc/byte_buffer.h"
#include "rpc/call_stats.h"
#include "rpc/duplicate_request_cache.h"
#include "rpc/program.h"

namespace loopfs::rpc {

class Dispatcher {
 public:
  struct Options {
    DuplicateRequestCache::Limits drc;
    // How long a call's work stays useful; after that the client has
    // retransmitted (its default timeo is 60 s over TCP).
    std::chrono::milliseconds call_deadline{30000};
  };

  Dispatcher() : Dispatcher(Options{}) {}
  explicit Dispatcher(Options options) : options_(options), drc_(options.drc) {}

  // Programs must outlive the dispatcher and be added before serving.
  void AddProgram(Program* program);

  // Serves one call.  On return true, *reply holds the reply with
  // kReplyMarkSize bytes reserved in front for the TCP record mark; on false
  // no reply is to be sent (undecodable input, a reply to a server, or a
  // retransmission of a call still being executed).
  bool Handle(std::span<const uint8_t> record, const Peer& peer, ByteBuffer* reply);

  const CallStats& stats() const { return stats_; }
  const std::vector<Program*>& programs() const { return programs_; }
  DuplicateRequestCache::Counters drc_counters() const { return drc_.counters(); }
  // Calls that got no reply because their header did not decode.
  uint64_t undecodable_calls() const { return undecodable_.load(std::memory_order_relaxed); }

 private:
  Options options_;
  std::vector<Program*> programs_;
  DuplicateRequestCache drc_;
  CallStats stats_;
  std::atomic<uint64_t> undecodable_{0};
};

}  // namespace loopfs::rpc
