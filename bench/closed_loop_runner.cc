#include "bench/closed_loop_runner.h"

namespace loopfs::bench {

std::optional<double> RunResult::ServerCpuSeconds() const {
  if (!server_before || !server_after) return std::nullopt;
  return server_after->cpu_seconds - server_before->cpu_seconds;
}

ClosedLoopRunner::ClosedLoopRunner(NfsSession& session, Workload& workload, int depth)
    : session_(session), workload_(workload) {
  const size_t connections = session.client().size();
  const size_t slots = connections * static_cast<size_t>(depth > 0 ? depth : 1);
  slots_.resize(slots);
  for (size_t i = 0; i < slots; ++i) {
    slots_[i].runner = this;
    slots_[i].index = i;
    slots_[i].connection = connections == 0 ? 0 : i % connections;
  }
}

void ClosedLoopRunner::OnReply(rpc_context* /*rpc*/, int status, void* data,
                               void* private_data) {
  auto* slot = static_cast<Slot*>(private_data);
  slot->runner->HandleReply(*slot, status, data);
}

bool ClosedLoopRunner::IssueNext(Slot& slot) {
  if (stopping_) return false;
  if (Clock::now() >= deadline_ || (max_calls_ != 0 && issued_ >= max_calls_)) {
    stopping_ = true;
    return false;
  }
  slot.issued = Clock::now();
  rpc_context* rpc = session_.client().context(slot.connection);
  if (workload_.Issue(rpc, slot.index, &ClosedLoopRunner::OnReply, &slot) != 0) {
    failure_ = std::string("cannot queue call: ") + rpc_get_error(rpc);
    stopping_ = true;
    return false;
  }
  ++issued_;
  ++in_flight_;
  return true;
}

void ClosedLoopRunner::HandleReply(Slot& slot, int status, void* data) {
  --in_flight_;
  const auto latency = Clock::now() - slot.issued;
  if (status != RPC_STATUS_SUCCESS) {
    if (failure_.empty()) {
      failure_ = status == RPC_STATUS_ERROR && data != nullptr
                     ? std::string("rpc failed: ") + static_cast<const char*>(data)
                     : std::string("rpc cancelled or timed out");
    }
    stopping_ = true;
    return;
  }
  const CallOutcome outcome = workload_.Complete(slot.index, data);
  RunResult& result = *result_;
  ++result.calls;
  result.bytes += outcome.bytes;
  result.units += outcome.units;
  if (!outcome.ok) ++result.errors;
  if (outcome.call_kind < result.latencies.size()) {
    result.latencies[outcome.call_kind].Record(latency);
  }
  IssueNext(slot);
}

bool ClosedLoopRunner::Run(const RunLimits& limits, RunResult* result, std::string* error) {
  if (slots_.empty()) {
    *error = "no connections";
    return false;
  }
  if (!prepared_) {
    workload_.Prepare(slots_.size(), session_.client().size());
    prepared_ = true;
  }
  *result = RunResult();
  result->call_kinds = workload_.CallKinds();
  result->latencies.resize(result->call_kinds.size());
  workload_.BeginRun();
  result_ = result;
  issued_ = 0;
  in_flight_ = 0;
  stopping_ = false;
  failure_.clear();
  max_calls_ = limits.max_calls;

  if (limits.server_pid > 0) result->server_before = SampleProcess(limits.server_pid);
  const auto start = Clock::now();
  deadline_ = start + limits.duration;
  for (Slot& slot : slots_) {
    if (!IssueNext(slot)) break;
  }
  // Calls in flight at the deadline are waited for; a server gets a generous grace period
  // before the run is declared stuck.
  const auto give_up = deadline_ + std::chrono::seconds(60);
  const bool drained =
      session_.client().RunUntil([&] { return in_flight_ == 0; }, give_up, error);
  if (!drained) {
    session_.client().Abandon();
    result_ = nullptr;
    return false;
  }
  if (!failure_.empty()) {
    *error = failure_;
    result_ = nullptr;
    return false;
  }
  const int finish_calls = workload_.Finish(session_, error);
  if (finish_calls < 0) {
    result_ = nullptr;
    return false;
  }
  result->calls += static_cast<uint64_t>(finish_calls);
  result->seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (limits.server_pid > 0) result->server_after = SampleProcess(limits.server_pid);
  if (const LatencyRecorder* units = workload_.UnitLatency()) result->unit_latency = *units;
  result_ = nullptr;
  return true;
}

}  // namespace loopfs::bench
