// Per-procedure call counts and latency percentiles for `loopfs stats`.
//
// Lock-free on the request path: one relaxed atomic increment for the count
// and one for the latency bucket.  Latencies go into power-of-two
// microsecond buckets; a percentile is reported as its bucket's upper bound,
// which is precise enough to tell a cache hit from a disk wait.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

namespace loopfs::rpc {

class CallStats {
 public:
  static constexpr size_t kMaxPrograms = 4;
  static constexpr size_t kMaxProcs = 32;
  static constexpr size_t kBuckets = 32;  // bucket i: latency < 2^i us

  void Record(size_t program, uint32_t proc, uint64_t micros);

  struct ProcSummary {
    size_t program = 0;
    uint32_t proc = 0;
    uint64_t calls = 0;
    uint64_t p50_us = 0, p90_us = 0, p99_us = 0, max_bucket_us = 0;
  };
  // Procedures with at least one call.
  std::vector<ProcSummary> Summaries() const;

 private:
  struct Slot {
    std::atomic<uint64_t> calls{0};
    std::array<std::atomic<uint64_t>, kBuckets> buckets{};
  };
  std::array<std::array<Slot, kMaxProcs>, kMaxPrograms> slots_;
};

}  // namespace loopfs::rpc
