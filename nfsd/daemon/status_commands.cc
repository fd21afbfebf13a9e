#include "nfsd/daemon/status_commands.h"

#include <unistd.h>

namespace loopfs::daemon {

using nlohmann::json;

void RegisterStatusCommands(ControlServer& control, StatusSources src) {
  control.Register("status", [src](const json&) {
    json exports = json::array();
    for (const auto& e : nfsd::SummarizeExports(*src.exports->Get())) {
      exports.push_back({{"path", e.path},
                         {"id", e.id},
                         {"fsid", e.fsid},
                         {"options", e.options},
                         {"layers", e.layer_types}});
    }
    auto c = src.server->counters();
    return json{{"pid", getpid()},
                {"nfs_port", src.server->nfs_port()},
                {"mount_port", src.server->mount_port()},
                {"exports", exports},
                {"clients", {{"connections_open", c.connections_open},
                             {"connections_accepted", c.connections_accepted}}}};
  });

  control.Register("stats", [src](const json&) {
    json procs = json::array();
    const auto& programs = src.dispatcher->programs();
    for (const auto& s : src.dispatcher->stats().Summaries()) {
      const rpc::Program* p = s.program < programs.size() ? programs[s.program] : nullptr;
      std::string prog = p ? std::string(p->name()) : "?";
      std::string name = p ? std::string(p->ProcName(p->high_version(), s.proc)) : "";
      if (name.empty()) name = std::to_string(s.proc);
      procs.push_back({{"program", prog},
                       {"procedure", name},
                       {"calls", s.calls},
                       {"p50_us", s.p50_us},
                       {"p90_us", s.p90_us},
                       {"p99_us", s.p99_us},
                       {"max_us", s.max_bucket_us}});
    }
    auto drc = src.dispatcher->drc_counters();
    auto c = src.server->counters();
    return json{{"procedures", procs},
                {"drc", {{"entries", drc.entries},
                         {"bytes", drc.bytes},
                         {"replays", drc.replays},
                         {"dropped_in_progress", drc.dropped_in_progress},
                         {"evictions", drc.evictions}}},
                {"rpc", {{"undecodable_calls", src.dispatcher->undecodable_calls()},
                         {"records_too_large", c.records_too_large},
                         {"stalled_connections_closed", c.stalled_closed}}}};
  });
}

}  // namespace loopfs::daemon
