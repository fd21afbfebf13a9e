#include "bench/latency_recorder.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace loopfs::bench {

size_t LatencyRecorder::BucketOf(uint64_t ns) {
  const uint64_t limit = (uint64_t{1} << (kMaxExponent + 1)) - 1;
  ns = std::min(ns, limit);
  if (ns < kSubBuckets) return static_cast<size_t>(ns);
  const int msb = 63 - std::countl_zero(ns);
  const uint64_t sub = (ns >> (msb - kSubBucketBits)) & (kSubBuckets - 1);
  return static_cast<size_t>(msb - kSubBucketBits + 1) * kSubBuckets + sub;
}

uint64_t LatencyRecorder::BucketLow(size_t bucket) {
  if (bucket < kSubBuckets) return bucket;
  const int msb = static_cast<int>(bucket / kSubBuckets) + kSubBucketBits - 1;
  const uint64_t sub = bucket % kSubBuckets;
  return (kSubBuckets + sub) << (msb - kSubBucketBits);
}

uint64_t LatencyRecorder::BucketWidth(size_t bucket) {
  if (bucket < kSubBuckets) return 1;
  const int msb = static_cast<int>(bucket / kSubBuckets) + kSubBucketBits - 1;
  return uint64_t{1} << (msb - kSubBucketBits);
}

void LatencyRecorder::Record(std::chrono::nanoseconds latency) {
  const uint64_t ns = latency.count() > 0 ? static_cast<uint64_t>(latency.count()) : 0;
  ++buckets_[BucketOf(ns)];
  ++count_;
  sum_ns_ += ns;
  max_ns_ = std::max(max_ns_, ns);
}

void LatencyRecorder::Merge(const LatencyRecorder& other) {
  for (size_t i = 0; i < kBuckets; ++i) buckets_[i] += other.buckets_[i];
  count_ += other.count_;
  sum_ns_ += other.sum_ns_;
  max_ns_ = std::max(max_ns_, other.max_ns_);
}

void LatencyRecorder::Reset() { *this = LatencyRecorder(); }

double LatencyRecorder::MeanMicros() const {
  if (count_ == 0) return 0.0;
  return static_cast<double>(sum_ns_) / static_cast<double>(count_) / 1000.0;
}

double LatencyRecorder::QuantileMicros(double quantile) const {
  if (count_ == 0) return 0.0;
  quantile = std::clamp(quantile, 0.0, 1.0);
  // The rank of the sample that answers the quantile, 1-based, as in "nearest rank".
  const auto rank = std::max<uint64_t>(
      1, static_cast<uint64_t>(std::ceil(quantile * static_cast<double>(count_))));
  uint64_t seen = 0;
  for (size_t i = 0; i < kBuckets; ++i) {
    seen += buckets_[i];
    if (seen >= rank) {
      // Report the middle of the bucket, but never beyond the largest value seen.
      const double mid = static_cast<double>(BucketLow(i)) +
                         static_cast<double>(BucketWidth(i) - 1) / 2.0;
      return std::min(mid, static_cast<double>(max_ns_)) / 1000.0;
    }
  }
  return MaxMicros();
}

}  // namespace loopfs::bench
