// loopfs: the command-line tool that talks to a running loopfsd over its
// control socket.  See man/loopfs.8.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "nfsd/daemon/control_server.h"

namespace {

using nlohmann::json;

void PrintStatus(const json& r) {
  fmt::print("loopfsd pid {}  nfs port {}  mount port {}\n", r.value("pid", 0),
             r.value("nfs_port", 0), r.value("mount_port", 0));
  fmt::print("\n{:<24} {:>6}  {:<40} {}\n", "EXPORT", "ID", "OPTIONS", "LAYERS (top first)");
  for (const auto& e : r["exports"]) {
    std::string layers;
    for (const auto& l : e["layers"]) layers += (layers.empty() ? "" : " > ") + l.get<std::string>();
    fmt::print("{:<24} {:>6}  {:<40} {}\n", e.value("path", ""), e.value("id", 0),
               e.value("options", ""), layers);
  }
  const auto& c = r["clients"];
  fmt::print("\nclients: {} connections open, {} accepted since start\n",
             c.value("connections_open", 0), c.value("connections_accepted", 0));
}

void PrintStats(const json& r) {
  fmt::print("{:<8} {:<12} {:>12} {:>10} {:>10} {:>10} {:>10}\n", "PROGRAM", "PROCEDURE",
             "CALLS", "P50(us)", "P90(us)", "P99(us)", "MAX(us)");
  for (const auto& p : r["procedures"]) {
    fmt::print("{:<8} {:<12} {:>12} {:>10} {:>10} {:>10} {:>10}\n", p.value("program", ""),
               p.value("procedure", ""), p.value("calls", 0), p.value("p50_us", 0),
               p.value("p90_us", 0), p.value("p99_us", 0), p.value("max_us", 0));
  }
  const auto& d = r["drc"];
  fmt::print("\nduplicate request cache: {} entries, {} bytes, {} replays, {} in-progress drops\n",
             d.value("entries", 0), d.value("bytes", 0), d.value("replays", 0),
             d.value("dropped_in_progress", 0));
  const auto& x = r["rpc"];
  fmt::print("rpc: {} undecodable calls, {} oversized records, {} stalled connections closed\n",
             x.value("undecodable_calls", 0), x.value("records_too_large", 0),
             x.value("stalled_connections_closed", 0));
  fmt::print("(latencies are upper bounds of power-of-two buckets)\n");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"loopfs: control a running loopfsd (status, statistics).  See loopfs(8)."};
  std::string state_dir = "/var/lib/loopfs";
  std::string socket;
  bool as_json = false;
  app.add_option("--state-dir", state_dir, "loopfsd's state directory (default /var/lib/loopfs)");
  app.add_option("-s,--socket", socket, "Control socket (default STATE_DIR/control.sock)");
  app.add_flag("--json", as_json, "Print the daemon's reply as JSON");
  app.require_subcommand(1);
  auto* status = app.add_subcommand("status", "Exports, their layers and options, and clients");
  auto* stats = app.add_subcommand("stats", "Calls per procedure with latency percentiles");
  app.set_version_flag("--version", "loopfs 0.1.0");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  if (socket.empty()) socket = state_dir + "/control.sock";

  json request;
  if (status->parsed()) request = {{"cmd", "status"}};
  if (stats->parsed()) request = {{"cmd", "stats"}};
  json reply;
  try {
    reply = loopfs::daemon::ControlRequest(socket, request);
  } catch (const std::exception& e) {
    fmt::print(stderr, "loopfs: {}\n", e.what());
    return 1;
  }
  if (!reply.value("ok", false)) {
    fmt::print(stderr, "loopfs: {}\n", reply.value("error", std::string("request failed")));
    return 1;
  }
  if (as_json) {
    std::cout << reply.dump(2) << "\n";
  } else if (status->parsed()) {
    PrintStatus(reply);
  } else {
    PrintStats(reply);
  }
  return 0;
}
