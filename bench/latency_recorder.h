// Latency distribution of one kind of call, for p50/p99 reporting.
//
// A log-linear histogram (64 sub-buckets per power of two, so about 1.5% resolution) rather
// than a list of samples: recording is a couple of instructions with no allocation, and the
// memory stays fixed however long a run lasts.
#ifndef LOOPFS_BENCH_LATENCY_RECORDER_H_
#define LOOPFS_BENCH_LATENCY_RECORDER_H_

#include <array>
#include <chrono>
#include <cstdint>

namespace loopfs::bench {

class LatencyRecorder {
 public:
  void Record(std::chrono::nanoseconds latency);
  void Merge(const LatencyRecorder& other);
  void Reset();

  uint64_t Count() const { return count_; }
  // Mean in microseconds; 0 when nothing was recorded.
  double MeanMicros() const;
  // The latency below which a fraction `quantile` (0..1) of the calls fell, in microseconds,
  // within the histogram's resolution; 0 when nothing was recorded.
  double QuantileMicros(double quantile) const;
  double MaxMicros() const { return static_cast<double>(max_ns_) / 1000.0; }

 private:
  static constexpr int kSubBucketBits = 6;
  static constexpr uint64_t kSubBuckets = uint64_t{1} << kSubBucketBits;
  // Latencies above 2^41 ns (about 36 minutes) are clamped into the last bucket.
  static constexpr int kMaxExponent = 41;
  static constexpr size_t kBuckets = (kMaxExponent - kSubBucketBits + 2) * kSubBuckets;

  static size_t BucketOf(uint64_t ns);
  static uint64_t BucketLow(size_t bucket);
  static uint64_t BucketWidth(size_t bucket);

  std::array<uint64_t, kBuckets> buckets_{};
  uint64_t count_ = 0;
  uint64_t sum_ns_ = 0;
  uint64_t max_ns_ = 0;
};

}  // namespace loopfs::bench

#endif  // LOOPFS_BENCH_LATENCY_RECORDER_H_
