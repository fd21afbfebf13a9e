// Drives a Workload as a closed loop: every slot has one call in flight, and each reply
// immediately queues that slot's next call, until the time or call budget runs out.
#ifndef LOOPFS_BENCH_CLOSED_LOOP_RUNNER_H_
#define LOOPFS_BENCH_CLOSED_LOOP_RUNNER_H_

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "bench/latency_recorder.h"
#include "bench/nfs_session.h"
#include "bench/proc_stats.h"
#include "bench/workload.h"

namespace loopfs::bench {

struct RunResult {
  double seconds = 0;
  uint64_t calls = 0;   // RPCs completed, including any the workload made in Finish()
  uint64_t units = 0;
  uint64_t bytes = 0;
  uint64_t errors = 0;  // replies that were not NFS3_OK or did not make sense
  std::vector<std::string> call_kinds;
  std::vector<LatencyRecorder> latencies;  // parallel to call_kinds
  LatencyRecorder unit_latency;            // only for workloads whose units span calls
  std::optional<ProcessSample> server_before;
  std::optional<ProcessSample> server_after;

  std::optional<double> ServerCpuSeconds() const;
};

struct RunLimits {
  Clock::duration duration = std::chrono::seconds(3);
  uint64_t max_calls = 0;  // 0: no limit besides duration
  pid_t server_pid = 0;    // 0: do not sample the server
};

class ClosedLoopRunner {
 public:
  // `depth` calls in flight on each of the session's connections.
  ClosedLoopRunner(NfsSession& session, Workload& workload, int depth);

  // Runs once; returns false and sets *error on transport failure.  NFS errors are counted
  // in the result instead, so a server that fails calls cannot look fast unnoticed.
  bool Run(const RunLimits& limits, RunResult* result, std::string* error);

 private:
  struct Slot {
    ClosedLoopRunner* runner = nullptr;
    size_t index = 0;
    size_t connection = 0;
    Clock::time_point issued;
  };

  static void OnReply(rpc_context* rpc, int status, void* data, void* private_data);
  void HandleReply(Slot& slot, int status, void* data);
  bool IssueNext(Slot& slot);

  NfsSession& session_;
  Workload& workload_;
  std::vector<Slot> slots_;
  bool prepared_ = false;

  // State of the current run.
  RunResult* result_ = nullptr;
  Clock::time_point deadline_;
  uint64_t max_calls_ = 0;
  uint64_t issued_ = 0;
  size_t in_flight_ = 0;
  bool stopping_ = false;
  std::string failure_;
};

}  // namespace loopfs::bench

#endif  // LOOPFS_BENCH_CLOSED_LOOP_RUNNER_H_
