// The host benchmark: every workload against one server, turned into Metrics.
//
// The server must export a tree made by `loopfs-bench mktree --kind host` (see
// fixture_tree.h); the suite resolves the fixture's files by LOOKUP and writes only below its
// scratch/ directory.
#ifndef LOOPFS_BENCH_HOST_SUITE_H_
#define LOOPFS_BENCH_HOST_SUITE_H_

#include <sys/types.h>

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "bench/nfs_session.h"
#include "bench/result_table.h"

namespace loopfs::bench {

struct HostSuiteOptions {
  ServerEndpoint endpoint;
  pid_t server_pid = 0;                  // 0: no CPU or RSS figures
  std::string fixture = "bench-fixture";  // path of the fixture inside the export
  double duration_seconds = 3;
  double warmup_seconds = 0.5;
  uint64_t max_calls = 0;                // per test and run; 0: bounded by time only
  int connections = 4;
  int depth = 16;                        // calls in flight per connection, small calls
  int large_depth = 4;                   // calls in flight per connection, 1 MiB calls
  int readdir_streams = 1;               // concurrent full listings
  uint64_t write_region = 128ULL << 20;  // bytes written per file before overwriting
  uint32_t readdir_dircount = 8192;
  uint32_t readdir_maxcount = 65536;
  std::vector<std::string> tests;        // empty: all of AllHostTests()
};

const std::vector<std::string>& AllHostTests();

// Runs the selected tests in order, appending metrics; progress lines go to `log`.
bool RunHostSuite(const HostSuiteOptions& options, std::vector<Metric>* metrics,
                  std::ostream& log, std::string* error);

}  // namespace loopfs::bench

#endif  // LOOPFS_BENCH_HOST_SUITE_H_
