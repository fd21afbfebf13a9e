#include "bench/proc_stats.h"

#include <unistd.h>

#include <charconv>
#include <fstream>
#include <sstream>
#include <string>

namespace loopfs::bench {
namespace {

bool ParseUnsigned(std::string_view text, uint64_t* value) {
  if (text.empty()) return false;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *value);
  return ec == std::errc() && end == text.data() + text.size();
}

std::optional<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return text.str();
}

}  // namespace

std::optional<double> ParseStatCpuSeconds(std::string_view stat, long ticks_per_second) {
  if (ticks_per_second <= 0) return std::nullopt;
  const size_t close = stat.rfind(')');
  if (close == std::string_view::npos) return std::nullopt;
  std::string_view rest = stat.substr(close + 1);
  // After ')' come fields 3 (state) onwards; utime and stime are fields 14 and 15.
  constexpr int kFirstField = 3;
  constexpr int kUtimeField = 14;
  constexpr int kStimeField = 15;
  uint64_t utime = 0;
  uint64_t stime = 0;
  int field = kFirstField;
  while (field <= kStimeField) {
    const size_t start = rest.find_first_not_of(" \n");
    if (start == std::string_view::npos) return std::nullopt;
    rest.remove_prefix(start);
    const size_t end = std::min(rest.find_first_of(" \n"), rest.size());
    const std::string_view token = rest.substr(0, end);
    if (field == kUtimeField && !ParseUnsigned(token, &utime)) return std::nullopt;
    if (field == kStimeField && !ParseUnsigned(token, &stime)) return std::nullopt;
    rest.remove_prefix(end);
    ++field;
  }
  return static_cast<double>(utime + stime) / static_cast<double>(ticks_per_second);
}

std::optional<uint64_t> ParseStatusKib(std::string_view status, std::string_view key) {
  size_t line_start = 0;
  while (line_start < status.size()) {
    size_t line_end = status.find('\n', line_start);
    if (line_end == std::string_view::npos) line_end = status.size();
    std::string_view line = status.substr(line_start, line_end - line_start);
    line_start = line_end + 1;
    if (line.size() <= key.size() || line.substr(0, key.size()) != key ||
        line[key.size()] != ':') {
      continue;
    }
    line.remove_prefix(key.size() + 1);
    const size_t start = line.find_first_not_of(" \t");
    if (start == std::string_view::npos) return std::nullopt;
    line.remove_prefix(start);
    const size_t digits_end = std::min(line.find_first_of(" \t"), line.size());
    uint64_t value = 0;
    if (!ParseUnsigned(line.substr(0, digits_end), &value)) return std::nullopt;
    std::string_view unit = line.substr(digits_end);
    const size_t unit_start = unit.find_first_not_of(" \t");
    unit = unit_start == std::string_view::npos ? std::string_view() : unit.substr(unit_start);
    if (unit != "kB") return std::nullopt;
    return value;
  }
  return std::nullopt;
}

std::optional<ProcessSample> SampleProcess(pid_t pid) {
  const std::string base = "/proc/" + std::to_string(pid);
  const auto stat = ReadWholeFile(base + "/stat");
  const auto status = ReadWholeFile(base + "/status");
  if (!stat || !status) return std::nullopt;
  const auto cpu = ParseStatCpuSeconds(*stat, sysconf(_SC_CLK_TCK));
  const auto rss = ParseStatusKib(*status, "VmRSS");
  const auto hwm = ParseStatusKib(*status, "VmHWM");
  if (!cpu || !rss || !hwm) return std::nullopt;
  return ProcessSample{*cpu, *rss, *hwm};
}

}  // namespace loopfs::bench
