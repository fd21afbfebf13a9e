#include "bench/latency_recorder.h"

#include <gtest/gtest.h>

namespace loopfs::bench {
namespace {

using std::chrono::microseconds;
using std::chrono::nanoseconds;

TEST(LatencyRecorderTest, EmptyReportsZero) {
  LatencyRecorder r;
  EXPECT_EQ(r.Count(), 0u);
  EXPECT_EQ(r.QuantileMicros(0.5), 0.0);
  EXPECT_EQ(r.MeanMicros(), 0.0);
}

TEST(LatencyRecorderTest, QuantilesWithinResolution) {
  LatencyRecorder r;
  for (int i = 1; i <= 1000; ++i) r.Record(microseconds(i));
  EXPECT_EQ(r.Count(), 1000u);
  EXPECT_NEAR(r.QuantileMicros(0.5), 500.0, 500.0 * 0.02);
  EXPECT_NEAR(r.QuantileMicros(0.99), 990.0, 990.0 * 0.02);
  EXPECT_NEAR(r.MeanMicros(), 500.5, 0.01);
  EXPECT_LE(r.QuantileMicros(1.0), r.MaxMicros());
}

TEST(LatencyRecorderTest, SmallValuesAreExact) {
  LatencyRecorder r;
  r.Record(nanoseconds(7));
  EXPECT_DOUBLE_EQ(r.QuantileMicros(0.5), 0.007);
}

TEST(LatencyRecorderTest, HostileValuesAreClamped) {
  LatencyRecorder r;
  r.Record(nanoseconds(-5));  // a clock that went backwards
  r.Record(nanoseconds(INT64_MAX));
  EXPECT_EQ(r.Count(), 2u);
  EXPECT_EQ(r.QuantileMicros(0.0), 0.0);
  EXPECT_GT(r.QuantileMicros(1.0), 1e9);  // clamped into the last bucket, still finite
  EXPECT_EQ(r.QuantileMicros(-3), 0.0);   // quantile outside 0..1 is clamped
  EXPECT_GT(r.QuantileMicros(7), 1e9);
}

TEST(LatencyRecorderTest, MergeAndReset) {
  LatencyRecorder a;
  LatencyRecorder b;
  a.Record(microseconds(10));
  b.Record(microseconds(1000));
  a.Merge(b);
  EXPECT_EQ(a.Count(), 2u);
  EXPECT_NEAR(a.QuantileMicros(1.0), 1000.0, 20.0);
  a.Reset();
  EXPECT_EQ(a.Count(), 0u);
  EXPECT_EQ(a.MaxMicros(), 0.0);
}

}  // namespace
}  // namespace loopfs::bench
