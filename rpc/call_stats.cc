#include "rpc/call_stats.h"

#include <algorithm>
#include <bit>

namespace loopfs::rpc {

void CallStats::Record(size_t program, uint32_t proc, uint64_t micros) {
  if (program >= kMaxPrograms || proc >= kMaxProcs) return;
  Slot& s = slots_[program][proc];
  s.calls.fetch_add(1, std::memory_order_relaxed);
  size_t bucket = std::min<size_t>(std::bit_width(micros), kBuckets - 1);
  s.buckets[bucket].fetch_add(1, std::memory_order_relaxed);
}

std::vector<CallStats::ProcSummary> CallStats::Summaries() const {
  std::vector<ProcSummary> out;
  for (size_t p = 0; p < kMaxPrograms; ++p) {
    for (uint32_t proc = 0; proc < kMaxProcs; ++proc) {
      const Slot& s = slots_[p][proc];
      std::array<uint64_t, kBuckets> b{};
      uint64_t total = 0;
      for (size_t i = 0; i < kBuckets; ++i) total += b[i] = s.buckets[i].load();
      if (total == 0) continue;
      ProcSummary sum;
      sum.program = p;
      sum.proc = proc;
      sum.calls = s.calls.load();
      auto percentile = [&](double q) {
        uint64_t want = static_cast<uint64_t>(q * static_cast<double>(total));
        uint64_t seen = 0;
        for (size_t i = 0; i < kBuckets; ++i) {
          seen += b[i];
          if (seen > want) return uint64_t{1} << i;
        }
        return uint64_t{1} << (kBuckets - 1);
      };
      sum.p50_us = percentile(0.50);
      sum.p90_us = percentile(0.90);
      sum.p99_us = percentile(0.99);
      for (size_t i = kBuckets; i-- > 0;) {
        if (b[i] != 0) {
          sum.max_bucket_us = uint64_t{1} << i;
          break;
        }
      }
      out.push_back(sum);
    }
  }
  return out;
}

}  // namespace loopfs::rpc
