#include "bench/result_table.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <utility>

#include <fmt/format.h>

namespace loopfs::bench {
namespace {

std::string_view BetterName(Better better) {
  switch (better) {
    case Better::kHigher:
      return "higher";
    case Better::kLower:
      return "lower";
    case Better::kNeither:
      break;
  }
  return "info";
}

std::optional<Better> ParseBetter(std::string_view text) {
  if (text == "higher") return Better::kHigher;
  if (text == "lower") return Better::kLower;
  if (text == "info") return Better::kNeither;
  return std::nullopt;
}

std::vector<std::string_view> SplitTabs(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t start = 0;
  while (true) {
    const size_t tab = line.find('\t', start);
    if (tab == std::string_view::npos) {
      fields.push_back(line.substr(start));
      return fields;
    }
    fields.push_back(line.substr(start, tab - start));
    start = tab + 1;
  }
}

std::optional<double> ParseDouble(std::string_view text) {
  if (text.empty() || text.size() > 64) return std::nullopt;
  const std::string copy(text);
  char* end = nullptr;
  const double value = std::strtod(copy.c_str(), &end);
  if (end != copy.c_str() + copy.size() || !std::isfinite(value)) return std::nullopt;
  return value;
}

std::string FormatNumber(const std::optional<double>& value) {
  if (!value) return "-";
  const double v = *value;
  if (std::fabs(v) >= 1000) return fmt::format("{:.0f}", v);
  if (std::fabs(v) >= 10) return fmt::format("{:.1f}", v);
  return fmt::format("{:.3g}", v);
}

}  // namespace

std::string FormatTsv(const std::vector<Metric>& metrics) {
  std::string out;
  for (const Metric& m : metrics) {
    out += fmt::format("{}\t{}\t{:.9g}\t{}\n", m.test, m.name, m.value, BetterName(m.better));
  }
  return out;
}

std::optional<std::vector<Metric>> ParseTsv(std::string_view text, std::string* error) {
  std::vector<Metric> metrics;
  size_t line_number = 0;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    const auto fields = SplitTabs(line);
    const auto value = fields.size() == 4 ? ParseDouble(fields[2]) : std::nullopt;
    const auto better = fields.size() == 4 ? ParseBetter(fields[3]) : std::nullopt;
    if (fields.size() != 4 || fields[0].empty() || fields[1].empty() || !value || !better) {
      *error = fmt::format("line {}: expected test<TAB>metric<TAB>number<TAB>higher|lower|info",
                           line_number);
      return std::nullopt;
    }
    metrics.push_back(Metric{std::string(fields[0]), std::string(fields[1]), *value, *better});
  }
  return metrics;
}

std::optional<double> Median(std::vector<double> values) {
  if (values.empty()) return std::nullopt;
  std::sort(values.begin(), values.end());
  const size_t mid = values.size() / 2;
  if (values.size() % 2 == 1) return values[mid];
  return (values[mid - 1] + values[mid]) / 2.0;
}

std::vector<ComparisonRow> Compare(const std::vector<std::vector<Metric>>& runs_a,
                                   const std::vector<std::vector<Metric>>& runs_b) {
  using Key = std::pair<std::string, std::string>;
  std::vector<Key> order;
  std::map<Key, Better> better;
  std::map<Key, std::vector<double>> values_a;
  std::map<Key, std::vector<double>> values_b;
  auto collect = [&](const std::vector<std::vector<Metric>>& runs,
                     std::map<Key, std::vector<double>>& values) {
    for (const auto& run : runs) {
      for (const Metric& m : run) {
        Key key{m.test, m.name};
        if (better.emplace(key, m.better).second) order.push_back(key);
        values[key].push_back(m.value);
      }
    }
  };
  collect(runs_a, values_a);
  collect(runs_b, values_b);

  std::vector<ComparisonRow> rows;
  for (const Key& key : order) {
    ComparisonRow row;
    row.test = key.first;
    row.name = key.second;
    row.better = better[key];
    row.median_a = Median(values_a[key]);
    row.median_b = Median(values_b[key]);
    if (row.median_a && row.median_b && *row.median_b != 0) {
      row.ratio = *row.median_a / *row.median_b;
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string FormatComparison(const std::vector<ComparisonRow>& rows, std::string_view name_a,
                             std::string_view name_b) {
  // With no second server (name_b empty) the table is one column of medians.
  const bool pair = !name_b.empty();
  std::string out = fmt::format("| {:<14} | {:<26} | {:>12} |", "test", "metric", name_a);
  if (pair) out += fmt::format(" {:>12} | {:>7} |", name_b, "ratio");
  out += fmt::format(" {:<6} |\n", "better");
  out += fmt::format("|{:-<16}|{:-<28}|{:->14}|", "", "", ":");
  if (pair) out += fmt::format("{:->14}|{:->9}|", ":", ":");
  out += fmt::format("{:-<8}|\n", "");
  for (const ComparisonRow& row : rows) {
    out += fmt::format("| {:<14} | {:<26} | {:>12} |", row.test, row.name,
                       FormatNumber(row.median_a));
    if (pair) {
      out += fmt::format(" {:>12} | {:>7} |", FormatNumber(row.median_b),
                         row.ratio ? fmt::format("{:.2f}", *row.ratio) : "-");
    }
    out += fmt::format(" {:<6} |\n", BetterName(row.better));
  }
  return out;
}

const std::vector<RatioTarget>& HostTargets() {
  static const std::vector<RatioTarget> kTargets = {
      {"getattr", "ops/s", 2.0},          {"lookup", "ops/s", 2.0},
      {"read4k", "ops/s", 2.0},           {"create_remove", "pairs/s", 2.0},
      {"read1m", "MB/s", 1.5},            {"write1m", "MB/s", 1.5},
      {"", "srv CPU s/1k calls", 1.0},    {"", "srv CPU s/GiB", 1.0},
  };
  return kTargets;
}

std::string FormatTargets(const std::vector<ComparisonRow>& rows,
                          const std::vector<RatioTarget>& targets) {
  std::string out;
  for (const RatioTarget& target : targets) {
    for (const ComparisonRow& row : rows) {
      if ((!target.test.empty() && row.test != target.test) || row.name != target.name) continue;
      if (row.better == Better::kNeither) continue;
      const bool higher = row.better == Better::kHigher;
      std::string verdict = "no data";
      if (row.ratio) {
        verdict = (higher ? *row.ratio >= target.bound : *row.ratio <= target.bound) ? "met"
                                                                                      : "MISSED";
      }
      out += fmt::format("{:<7} {:<14} {:<20} ratio {:>6} (target {} {:.2f})\n", verdict,
                         row.test, row.name,
                         row.ratio ? fmt::format("{:.2f}", *row.ratio) : "-",
                         higher ? ">=" : "<=", target.bound);
    }
  }
  return out;
}

}  // namespace loopfs::bench
