#include "bench/result_table.h"

#include <gtest/gtest.h>

namespace loopfs::bench {
namespace {

TEST(ResultTableTest, TsvRoundTrip) {
  const std::vector<Metric> metrics = {
      {"getattr", "ops/s", 12345.5, Better::kHigher},
      {"getattr", "GETATTR p99 us", 88.25, Better::kLower},
      {"read1m", "srv CPU util", 0.5, Better::kNeither},
  };
  std::string error;
  const auto parsed = ParseTsv(FormatTsv(metrics), &error);
  ASSERT_TRUE(parsed.has_value()) << error;
  ASSERT_EQ(parsed->size(), 3u);
  EXPECT_EQ((*parsed)[1].name, "GETATTR p99 us");
  EXPECT_DOUBLE_EQ((*parsed)[0].value, 12345.5);
  EXPECT_EQ((*parsed)[2].better, Better::kNeither);
}

TEST(ResultTableTest, SkipsCommentsAndBlankLines) {
  std::string error;
  const auto parsed = ParseTsv("# header\n\nx\ty\t1\thigher\r\n", &error);
  ASSERT_TRUE(parsed.has_value()) << error;
  EXPECT_EQ(parsed->size(), 1u);
}

TEST(ResultTableTest, GarbageTsvIsRejected) {
  for (const char* text :
       {"x\ty\t1", "x\ty\tone\thigher", "x\ty\t1\tbigger", "\ty\t1\thigher", "x\t\t1\thigher",
        "x\ty\t1\thigher\textra", "x\ty\tnan\thigher", "x\ty\tinf\tlower", "x\ty\t1e999\tlower",
        "x\ty\t \thigher", "\x01\x02\x03", "x\ty\t1 \thigher"}) {
    std::string error;
    EXPECT_FALSE(ParseTsv(text, &error).has_value()) << text;
    EXPECT_FALSE(error.empty());
  }
}

TEST(ResultTableTest, Median) {
  EXPECT_FALSE(Median({}).has_value());
  EXPECT_EQ(Median({3}), 3);
  EXPECT_EQ(Median({5, 1, 3}), 3);
  EXPECT_EQ(Median({4, 1, 3, 2}), 2.5);
}

TEST(ResultTableTest, CompareTakesMediansAndRatios) {
  const std::vector<std::vector<Metric>> a = {
      {{"getattr", "ops/s", 100, Better::kHigher}},
      {{"getattr", "ops/s", 300, Better::kHigher}},
      {{"getattr", "ops/s", 200, Better::kHigher}, {"only-a", "x", 1, Better::kNeither}},
  };
  const std::vector<std::vector<Metric>> b = {
      {{"getattr", "ops/s", 50, Better::kHigher}},
      {{"getattr", "ops/s", 100, Better::kHigher}, {"only-b", "y", 0, Better::kLower}},
  };
  const auto rows = Compare(a, b);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].median_a, 200);
  EXPECT_EQ(rows[0].median_b, 75);
  ASSERT_TRUE(rows[0].ratio.has_value());
  EXPECT_NEAR(*rows[0].ratio, 200.0 / 75.0, 1e-9);
  EXPECT_FALSE(rows[1].median_b.has_value());  // only-a
  EXPECT_FALSE(rows[1].ratio.has_value());
  EXPECT_FALSE(rows[2].ratio.has_value());     // only-b: b is zero and a is missing
  const std::string table = FormatComparison(rows, "loopfsd", "ganesha");
  EXPECT_NE(table.find("loopfsd"), std::string::npos);
  EXPECT_NE(table.find("2.67"), std::string::npos);
  const std::string single = FormatComparison(rows, "loopfsd", "");
  EXPECT_EQ(single.find("ratio"), std::string::npos);
  EXPECT_NE(single.find("200"), std::string::npos);
}

TEST(ResultTableTest, TargetsMetAndMissed) {
  const std::vector<std::vector<Metric>> a = {{{"getattr", "ops/s", 300, Better::kHigher},
                                               {"getattr", "srv CPU s/1k calls", 2,
                                                Better::kLower}}};
  const std::vector<std::vector<Metric>> b = {{{"getattr", "ops/s", 100, Better::kHigher},
                                               {"getattr", "srv CPU s/1k calls", 1,
                                                Better::kLower}}};
  const std::string text = FormatTargets(Compare(a, b), HostTargets());
  EXPECT_NE(text.find("met     getattr        ops/s"), std::string::npos) << text;
  EXPECT_NE(text.find("MISSED  getattr        srv CPU s/1k calls"), std::string::npos) << text;
  EXPECT_EQ(text.find("lookup"), std::string::npos);  // no data, no line
}

}  // namespace
}  // namespace loopfs::bench
