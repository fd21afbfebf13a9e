#include "bench/proc_stats.h"

#include <unistd.h>

#include <string>

#include <gtest/gtest.h>

namespace loopfs::bench {
namespace {

// A real line's shape: pid (comm) state ppid ... utime(14) stime(15) ...
constexpr char kStat[] =
    "4242 (loop fsd) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 7 0 99 1 2\n";

TEST(ProcStatsTest, ParsesUtimePlusStime) {
  const auto cpu = ParseStatCpuSeconds(kStat, 100);
  ASSERT_TRUE(cpu.has_value());
  EXPECT_DOUBLE_EQ(*cpu, 3.0);
}

TEST(ProcStatsTest, CommandNameWithParenthesesAndSpaces) {
  const std::string stat = "7 (a) b) (c) R 1 7 7 0 -1 0 0 0 0 0 10 20 0 0 20 0 1 0 5 1 1";
  const auto cpu = ParseStatCpuSeconds(stat, 100);
  ASSERT_TRUE(cpu.has_value());
  EXPECT_DOUBLE_EQ(*cpu, 0.3);
}

TEST(ProcStatsTest, GarbageStatIsRejected) {
  for (const char* text : {"", "garbage", "1 (x)", "1 (x) S 1 2 3", "1 (x) S 1 2 3 4 5 6 7 8 9 "
                           "10 -1 5", "1 (x) S 1 2 3 4 5 6 7 8 9 10 1x 5 0",
                           "1 (x) S 1 2 3 4 5 6 7 8 9 10 99999999999999999999999 5 0"}) {
    EXPECT_FALSE(ParseStatCpuSeconds(text, 100).has_value()) << text;
  }
  EXPECT_FALSE(ParseStatCpuSeconds(kStat, 0).has_value());
  EXPECT_FALSE(ParseStatCpuSeconds(std::string(100000, ')'), 100).has_value());
}

TEST(ProcStatsTest, ParsesStatusKib) {
  const std::string status = "Name:\tloopfsd\nVmPeak:\t  9000 kB\nVmHWM:\t    2048 kB\n"
                             "VmRSS:\t    1024 kB\nThreads:\t7\n";
  EXPECT_EQ(ParseStatusKib(status, "VmHWM"), 2048u);
  EXPECT_EQ(ParseStatusKib(status, "VmRSS"), 1024u);
  EXPECT_FALSE(ParseStatusKib(status, "VmSwap").has_value());
  EXPECT_FALSE(ParseStatusKib(status, "Vm").has_value());  // a prefix is not a key
}

TEST(ProcStatsTest, GarbageStatusIsRejected) {
  for (const char* text : {"VmRSS:", "VmRSS:\t kB", "VmRSS:\t12 MB", "VmRSS:\t-3 kB",
                           "VmRSS:\t1x kB", "VmRSS 12 kB", "VmRSS:\t12", "\n\n\n"}) {
    EXPECT_FALSE(ParseStatusKib(text, "VmRSS").has_value()) << text;
  }
}

TEST(ProcStatsTest, SamplesOwnProcess) {
  const auto sample = SampleProcess(getpid());
  ASSERT_TRUE(sample.has_value());
  EXPECT_GT(sample->rss_kib, 0u);
  EXPECT_GE(sample->hwm_kib, sample->rss_kib);
  EXPECT_GE(sample->cpu_seconds, 0.0);
}

TEST(ProcStatsTest, MissingProcessIsNullopt) {
  EXPECT_FALSE(SampleProcess(-1).has_value());
}

}  // namespace
}  // namespace loopfs::bench
