// The contract between a measured workload and the closed-loop runner that drives it.
//
// A workload knows one kind of NFS traffic: how to queue a slot's next call and what a reply
// means.  The runner owns timing, concurrency and counting.  Every call a workload queues uses
// the callback and private pointer the runner hands it, so completions come back to the runner.
#ifndef LOOPFS_BENCH_WORKLOAD_H_
#define LOOPFS_BENCH_WORKLOAD_H_

#include <nfsc/libnfs.h>
#include <nfsc/libnfs-raw.h>

#include <cstdint>
#include <string>
#include <vector>

#include "bench/latency_recorder.h"

namespace loopfs::bench {

class NfsSession;

// What one completed call amounted to.
struct CallOutcome {
  size_t call_kind = 0;  // index into CallKinds(), for per-procedure latency
  bool ok = false;       // NFS3_OK and a reply that makes sense for the request
  uint64_t bytes = 0;    // file data moved by the call
  uint64_t units = 0;    // workload units completed (a call, a CREATE+REMOVE pair, a listing)
};

class Workload {
 public:
  virtual ~Workload() = default;

  // Procedure names, one per latency class, e.g. {"CREATE", "REMOVE"}.
  virtual std::vector<std::string> CallKinds() const = 0;
  // Called once before any call, with the number of slots (calls kept in flight) and
  // connections; slot s always runs on connection s % connections.
  virtual void Prepare(size_t slots, size_t connections) {}
  // Queues the slot's next call; returns libnfs's result (0 when queued).
  virtual int Issue(rpc_context* rpc, size_t slot, rpc_cb callback, void* private_data) = 0;
  // Interprets the decoded reply of the slot's call.
  virtual CallOutcome Complete(size_t slot, void* reply) = 0;
  // Runs after the last reply of a run, still inside the timed interval (e.g. the final
  // COMMIT of written files).  Returns the number of calls it made, or -1 and sets *error.
  virtual int Finish(NfsSession& session, std::string* error) { return 0; }
  // Called at the start of every run (a warm-up run precedes the measured one): forget
  // anything half done, such as a listing whose start time belongs to the previous run.
  virtual void BeginRun() {}
  // Latency of a whole unit when a unit is more than one call (a full directory listing).
  virtual const LatencyRecorder* UnitLatency() const { return nullptr; }
};

}  // namespace loopfs::bench

#endif  // LOOPFS_BENCH_WORKLOAD_H_
