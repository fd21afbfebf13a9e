// Benchmark results as data: one Metric per measured figure, a TSV form the scripts keep
// between runs, and the side-by-side table of medians and ratios.
#ifndef LOOPFS_BENCH_RESULT_TABLE_H_
#define LOOPFS_BENCH_RESULT_TABLE_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace loopfs::bench {

enum class Better { kHigher, kLower, kNeither };

struct Metric {
  std::string test;  // "getattr", "read1m", "server", ...
  std::string name;  // "ops/s", "GETATTR p99 us", ...
  double value = 0;
  Better better = Better::kNeither;
};

// One line per metric: test <TAB> name <TAB> value <TAB> higher|lower|info.
std::string FormatTsv(const std::vector<Metric>& metrics);
// Parses FormatTsv's output; nullopt (and *error) on any malformed line.  Blank lines and
// lines starting with '#' are skipped.
std::optional<std::vector<Metric>> ParseTsv(std::string_view text, std::string* error);

// Median of the values (mean of the middle two for an even count); nullopt when empty.
std::optional<double> Median(std::vector<double> values);

struct ComparisonRow {
  std::string test;
  std::string name;
  Better better = Better::kNeither;
  std::optional<double> median_a;
  std::optional<double> median_b;
  std::optional<double> ratio;  // a / b, when both exist and b != 0
};

// Rows in first-seen order over all runs of both servers; medians over each server's runs.
std::vector<ComparisonRow> Compare(const std::vector<std::vector<Metric>>& runs_a,
                                   const std::vector<std::vector<Metric>>& runs_b);

// A fixed-width text table (also valid Markdown) headed by the two servers' names, with the
// ratio a/b; an empty name_b gives a single column of medians.
std::string FormatComparison(const std::vector<ComparisonRow>& rows, std::string_view name_a,
                             std::string_view name_b);

// A goal for the ratio a/b of one metric: at least `bound` for a higher-is-better metric,
// at most `bound` for a lower-is-better one.  An empty test matches every test.
struct RatioTarget {
  std::string test;
  std::string name;
  double bound = 1.0;
};

// The host benchmark's targets from issue 4: loopfsd ≥ 2× ganesha on GETATTR, LOOKUP, 4 KiB
// READ and CREATE+REMOVE, ≥ 1.5× on 1 MiB READ and WRITE, less server CPU per call and per GiB.
const std::vector<RatioTarget>& HostTargets();

// One line per row a target applies to: "met" or "MISSED", the ratio and the bound.
std::string FormatTargets(const std::vector<ComparisonRow>& rows,
                          const std::vector<RatioTarget>& targets);

}  // namespace loopfs::bench

#endif  // LOOPFS_BENCH_RESULT_TABLE_H_
