#include "bench/host_suite.h"

#include <sys/resource.h>

#include <algorithm>
#include <memory>

#include <fmt/format.h>

#include "bench/closed_loop_runner.h"
#include "bench/fixture_tree.h"
#include "bench/workloads.h"

namespace loopfs::bench {
namespace {

constexpr double kMegabyte = 1e6;
constexpr double kGibibyte = 1024.0 * 1024.0 * 1024.0;

double ClientCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& tv) {
    return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

Clock::duration Seconds(double seconds) {
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
}

// Everything one test needs besides its workload.
struct TestPlan {
  std::string name;
  int connections = 1;
  int depth = 1;
  std::unique_ptr<Workload> workload;
  bool data = false;  // report MB/s and CPU per GiB
  std::string unit_name = "ops/s";
};

class Suite {
 public:
  Suite(const HostSuiteOptions& options, std::vector<Metric>* metrics, std::ostream& log)
      : options_(options), metrics_(metrics), log_(log) {}

  bool RunOne(const std::string& test, std::string* error) {
    NfsSession session;
    const int connections = test == "readdirplus" ? options_.readdir_streams
                                                  : options_.connections;
    if (!session.Open(options_.endpoint, std::max(connections, 1), error)) return false;
    TestPlan plan;
    plan.name = test;
    plan.connections = connections;
    if (!Plan(session, test, &plan, error)) return false;
    ClosedLoopRunner runner(session, *plan.workload, plan.depth);

    RunResult result;
    RunLimits limits;
    limits.server_pid = 0;
    limits.max_calls = options_.max_calls;
    if (options_.warmup_seconds > 0) {
      limits.duration = Seconds(options_.warmup_seconds);
      if (!runner.Run(limits, &result, error)) return false;
    }
    limits.duration = Seconds(options_.duration_seconds);
    limits.server_pid = options_.server_pid;
    const double client_before = ClientCpuSeconds();
    if (!runner.Run(limits, &result, error)) return false;
    const double client_cpu = ClientCpuSeconds() - client_before;
    Report(plan, result, client_cpu);
    return Cleanup(session, test, error);
  }

 private:
  bool Plan(NfsSession& session, const std::string& test, TestPlan* plan, std::string* error) {
    const std::string& fixture = options_.fixture;
    plan->depth = options_.depth;
    if (test == "getattr" || test == "access" || test == "lookup") {
      FileHandle dir;
      if (!session.LookupPath(fixture + "/" + kFixtureSmallDir, &dir, error)) return false;
      std::vector<std::string> names;
      for (int i = 0; i < kFixtureSmallFiles; ++i) names.push_back(FixtureSmallName(i));
      if (test == "lookup") {
        plan->workload = MakeLookupWorkload(dir, std::move(names));
        return true;
      }
      std::vector<FileHandle> objects;
      for (const auto& name : names) {
        FileHandle fh;
        if (!session.Lookup(dir, name, &fh, error)) return false;
        objects.push_back(fh);
      }
      plan->workload = test == "getattr" ? MakeGetattrWorkload(std::move(objects))
                                         : MakeAccessWorkload(std::move(objects));
      return true;
    }
    if (test == "read4k" || test == "read1m") {
      const bool small = test == "read4k";
      FileHandle file;
      uint64_t size = 0;
      const std::string path =
          fixture + "/" + (small ? kFixtureSmallReadFile : kFixtureLargeReadFile);
      if (!session.LookupPath(path, &file, error) || !session.Size(file, &size, error)) {
        return false;
      }
      const uint32_t count = small ? 4096 : 1024 * 1024;
      if (size < count) {
        *error = path + " is smaller than one read";
        return false;
      }
      plan->workload = MakeReadWorkload(file, size, count, /*random_offsets=*/small);
      plan->data = !small;
      if (!small) plan->depth = options_.large_depth;
      return true;
    }
    if (test == "write1m") {
      FileHandle scratch;
      if (!session.LookupPath(fixture + "/" + kFixtureScratchDir, &scratch, error)) return false;
      std::vector<FileHandle> files;
      for (int c = 0; c < plan->connections; ++c) {
        FileHandle fh;
        if (!session.Create(scratch, fmt::format("write.{}", c), &fh, error)) return false;
        files.push_back(fh);
      }
      constexpr uint32_t kCount = 1024 * 1024;
      constexpr uint64_t kCommitEvery = 32ULL * 1024 * 1024;  // as a client under writeback
      plan->workload =
          MakeWriteWorkload(std::move(files), kCount, options_.write_region, kCommitEvery);
      plan->data = true;
      plan->depth = options_.large_depth;
      return true;
    }
    if (test == "create_remove") {
      FileHandle scratch;
      if (!session.LookupPath(fixture + "/" + kFixtureScratchDir, &scratch, error)) return false;
      plan->workload = MakeCreateRemoveWorkload(scratch, "cr");
      plan->unit_name = "pairs/s";
      return true;
    }
    if (test == "readdirplus") {
      FileHandle dir;
      if (!session.LookupPath(fixture + "/" + kFixtureBigDir, &dir, error)) return false;
      plan->workload =
          MakeReaddirplusWorkload(dir, options_.readdir_dircount, options_.readdir_maxcount);
      plan->depth = 1;  // a listing is a chain of calls; concurrency comes from streams
      plan->unit_name = "listings/s";
      return true;
    }
    *error = "unknown test '" + test + "'";
    return false;
  }

  bool Cleanup(NfsSession& session, const std::string& test, std::string* error) {
    if (test != "write1m") return true;
    // Free the written data so later tests and the other server see the same tmpfs.
    FileHandle scratch;
    if (!session.LookupPath(options_.fixture + "/" + kFixtureScratchDir, &scratch, error)) {
      return false;
    }
    for (int c = 0; c < std::max(options_.connections, 1); ++c) {
      if (!session.Remove(scratch, fmt::format("write.{}", c), error)) return false;
    }
    return true;
  }

  void Add(const std::string& test, std::string name, double value, Better better) {
    metrics_->push_back(Metric{test, std::move(name), value, better});
  }

  void Report(const TestPlan& plan, const RunResult& r, double client_cpu) {
    const std::string& t = plan.name;
    const double seconds = std::max(r.seconds, 1e-9);
    std::string line = fmt::format("{:<14} {:>5.2f} s", t, r.seconds);
    if (plan.data) {
      const double mbps = static_cast<double>(r.bytes) / kMegabyte / seconds;
      Add(t, "MB/s", mbps, Better::kHigher);
      line += fmt::format("  {:>9.1f} MB/s", mbps);
    } else {
      const double rate = static_cast<double>(r.units) / seconds;
      Add(t, plan.unit_name, rate, Better::kHigher);
      line += fmt::format("  {:>9.0f} {}", rate, plan.unit_name);
    }
    if (plan.name == "readdirplus" && r.unit_latency.Count() > 0) {
      Add(t, "ms/listing p50", r.unit_latency.QuantileMicros(0.5) / 1000.0, Better::kLower);
      Add(t, "ms/listing mean", r.unit_latency.MeanMicros() / 1000.0, Better::kLower);
      line += fmt::format("  listing p50 {:.2f} ms", r.unit_latency.QuantileMicros(0.5) / 1e3);
    }
    for (size_t k = 0; k < r.call_kinds.size(); ++k) {
      const LatencyRecorder& lat = r.latencies[k];
      if (lat.Count() == 0) continue;
      Add(t, r.call_kinds[k] + " p50 us", lat.QuantileMicros(0.5), Better::kLower);
      Add(t, r.call_kinds[k] + " p99 us", lat.QuantileMicros(0.99), Better::kLower);
      line += fmt::format("  {} p50/p99 {:.0f}/{:.0f} us", r.call_kinds[k],
                          lat.QuantileMicros(0.5), lat.QuantileMicros(0.99));
    }
    if (const auto cpu = r.ServerCpuSeconds()) {
      if (r.calls > 0) {
        Add(t, "srv CPU s/1k calls", *cpu * 1000.0 / static_cast<double>(r.calls),
            Better::kLower);
      }
      if (plan.data && r.bytes > 0) {
        Add(t, "srv CPU s/GiB", *cpu * kGibibyte / static_cast<double>(r.bytes), Better::kLower);
      }
      Add(t, "srv CPU util", *cpu / seconds, Better::kNeither);
      line += fmt::format("  srv cpu {:.2f} s", *cpu);
    }
    Add(t, "client CPU util", client_cpu / seconds, Better::kNeither);
    Add(t, "errors", static_cast<double>(r.errors), Better::kLower);
    if (r.errors > 0) line += fmt::format("  ERRORS {}", r.errors);
    log_ << line << std::endl;
  }

  const HostSuiteOptions& options_;
  std::vector<Metric>* metrics_;
  std::ostream& log_;
};

}  // namespace

const std::vector<std::string>& AllHostTests() {
  static const std::vector<std::string> kTests = {
      "getattr", "lookup", "access", "read4k", "read1m", "write1m", "create_remove",
      "readdirplus"};
  return kTests;
}

bool RunHostSuite(const HostSuiteOptions& options, std::vector<Metric>* metrics,
                  std::ostream& log, std::string* error) {
  Suite suite(options, metrics, log);
  const auto& tests = options.tests.empty() ? AllHostTests() : options.tests;
  for (const std::string& test : tests) {
    if (!suite.RunOne(test, error)) {
      *error = test + ": " + *error;
      return false;
    }
  }
  if (options.server_pid > 0) {
    if (const auto sample = SampleProcess(options.server_pid)) {
      metrics->push_back(Metric{"server", "peak RSS MiB",
                                static_cast<double>(sample->hwm_kib) / 1024.0, Better::kLower});
      metrics->push_back(Metric{"server", "RSS MiB", static_cast<double>(sample->rss_kib) / 1024.0,
                                Better::kLower});
      log << fmt::format("server         peak RSS {:.1f} MiB, RSS now {:.1f} MiB",
                         static_cast<double>(sample->hwm_kib) / 1024.0,
                         static_cast<double>(sample->rss_kib) / 1024.0)
          << std::endl;
    }
  }
  return true;
}

}  // namespace loopfs::bench
