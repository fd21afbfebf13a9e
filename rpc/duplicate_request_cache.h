// The duplicate request cache (DRC).
//
// A client that saw no reply retransmits with the same XID.  For procedures
// whose repetition is harmful (a second REMOVE answers NOENT, a second
// exclusive CREATE of another file answers EXIST) the retransmission must get
// the original reply, never a second execution.  A call is identified by XID,
// program/version/procedure, the client's address and port, and a checksum of
// its arguments (their length and first 256 bytes, as knfsd does: enough to
// tell apart calls that collide on XID, cheap even for a 1 MiB WRITE).
//
// Bounded by entries and bytes; the oldest completed replies go first.
// Entries for calls still being executed are never evicted: a retransmission
// that arrives meanwhile is dropped, since the reply is on its way.
#pragma once

#include <sys/socket.h>

#include <chrono>
#include <cstdint>
#include <list>
#include <mutex>
#include <span>
#include <unordered_map>

#include "rpc/byte_buffer.h"
#include "rpc/program.h"

namespace loopfs::rpc {

struct DrcKey {
  uint32_t xid = 0;
  uint32_t prog = 0;
  uint32_t vers = 0;
  uint32_t proc = 0;
  uint64_t client_hash = 0;  // address family, address and port
  uint64_t args_checksum = 0;
  uint32_t args_length = 0;

  bool operator==(const DrcKey&) const = default;
};

DrcKey MakeDrcKey(const CallInfo& call, const Peer& peer, std::span<const uint8_t> args);

class DuplicateRequestCache {
 public:
  struct Limits {
    size_t max_entries = 16384;
    size_t max_bytes = 32u << 20;
    std::chrono::seconds max_age{300};
  };
  enum class Outcome {
    kNew,         // first time seen: execute, then Finish() or Abandon()
    kInProgress,  // being executed now: drop this copy
    kReplay,      // done before: send *reply again
  };

  DuplicateRequestCache() : DuplicateRequestCache(Limits{}) {}
  explicit DuplicateRequestCache(Limits limits) : limits_(limits) {}

  Outcome Begin(const DrcKey& key, ByteBuffer* reply);
  void Finish(const DrcKey& key, const ByteBuffer& reply);
  void Abandon(const DrcKey& key);

  struct Counters {
    uint64_t replays = 0;
    uint64_t dropped_in_progress = 0;
    uint64_t evictions = 0;
    size_t entries = 0;
    size_t bytes = 0;
  };
  Counters counters() const;

 private:
  struct KeyHash {
    size_t operator()(const DrcKey& k) const;
  };
  struct Entry {
    DrcKey key;
    bool done = false;
    ByteBuffer reply;
    std::chrono::steady_clock::time_point when;
  };
  using Lru = std::list<Entry>;  // front: newest

  void EvictLocked(std::chrono::steady_clock::time_point now);

  Limits limits_;
  mutable std::mutex mu_;
  Lru lru_;
  std::unordered_map<DrcKey, Lru::iterator, KeyHash> index_;
  size_t bytes_ = 0;
  Counters counters_;
};

}  // namespace loopfs::rpc
