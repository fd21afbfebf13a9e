// What the benchmark reads about a server process from /proc: CPU time and memory.
//
// The parsers take the file's text so they can be tested with hostile input; Sample() reads
// the live files.  CPU is utime+stime of /proc/PID/stat (all threads of the process), memory
// is VmRSS and VmHWM (peak resident set) of /proc/PID/status.
#ifndef LOOPFS_BENCH_PROC_STATS_H_
#define LOOPFS_BENCH_PROC_STATS_H_

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string_view>

namespace loopfs::bench {

struct ProcessSample {
  double cpu_seconds = 0;  // utime + stime
  uint64_t rss_kib = 0;    // VmRSS
  uint64_t hwm_kib = 0;    // VmHWM, the peak RSS since the process started
};

// utime+stime in seconds from the text of /proc/PID/stat; nullopt if it is malformed.
// The command name (field 2) may hold spaces and parentheses, so fields are counted from the
// last ')'.
std::optional<double> ParseStatCpuSeconds(std::string_view stat, long ticks_per_second);

// The value in KiB of a "Key:   1234 kB" line of /proc/PID/status; nullopt if absent or
// malformed.
std::optional<uint64_t> ParseStatusKib(std::string_view status, std::string_view key);

// Reads both files of a live process; nullopt if the process is gone or the files are odd.
std::optional<ProcessSample> SampleProcess(pid_t pid);

}  // namespace loopfs::bench

#endif  // LOOPFS_BENCH_PROC_STATS_H_
