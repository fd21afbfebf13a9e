// loopfs: the command-line tool that talks to a running loopfsd over its
// control socket.  See man/loopfs.8.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "layers/encrypt/passphrase.h"
#include "layers/encrypt/tools/encrypt_commands.h"
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

void PrintAutomountStatus(const json& r) {
  const auto& mounts = r["automounts"];
  if (mounts.empty()) fmt::print("no automount exports\n");
  for (const auto& m : mounts) {
    fmt::print("{} (map {})\n", m.value("export", ""), m.value("map", ""));
    fmt::print("  {:<24} {:<9} {:<8} {:<20} {:<20} {}\n", "KEY", "STATE", "TYPE", "ATTACHED",
               "LAST USE", "LAST ERROR");
    for (const auto& e : m["entries"]) {
      auto time = [&](const char* k) {
        return e[k].is_string() ? e[k].get<std::string>() : std::string("-");
      };
      fmt::print("  {:<24} {:<9} {:<8} {:<20} {:<20} {}\n", e.value("key", ""),
                 e.value("state", ""), e.value("fstype", ""), time("attach_time"),
                 time("last_use"), e.value("last_error", ""));
    }
  }
}

struct AttachArgs {
  std::string cipherdir;
  std::string export_path;
  loopfs::encrypt::PassphraseSource source;
  std::vector<std::string> options;
};

bool MakeAttachRequest(const AttachArgs& a, json* request, std::string* error) {
  std::string passphrase;
  if (!loopfs::encrypt::ReadPassphrase(a.source, &passphrase, error)) return false;
  const std::string dir = std::filesystem::absolute(a.cipherdir).lexically_normal().string();
  *request = {{"cmd", "attach"},       {"cipherdir", dir},         {"export", a.export_path},
              {"passphrase", passphrase}, {"options", a.options}};
  loopfs::encrypt::WipeString(passphrase);
  return true;
}

// The request may hold a passphrase: overwrite it before the memory is freed.
void WipeRequest(json* request) {
  if (auto it = request->find("passphrase"); it != request->end() && it->is_string()) {
    loopfs::encrypt::WipeString(it->get_ref<std::string&>());
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "loopfs: control a running loopfsd (status, statistics, attach/detach of encrypted\n"
      "directories) and manage vaults offline (encrypt).  See loopfs(8)."};
  std::string state_dir = "/var/lib/loopfs";
  std::string socket;
  bool as_json = false;
  app.add_option("--state-dir", state_dir, "loopfsd's state directory (default /var/lib/loopfs)");
  app.add_option("-s,--socket", socket, "Control socket (default STATE_DIR/control.sock)");
  app.add_flag("--json", as_json, "Print the daemon's reply as JSON");
  app.require_subcommand(1);
  auto* status = app.add_subcommand("status", "Exports, their layers and options, and clients");
  auto* stats = app.add_subcommand("stats", "Calls per procedure with latency percentiles");
  loopfs::encrypt::EncryptCommands encrypt(app);  // offline: needs no control socket
  AttachArgs attach_args;
  auto* attach = app.add_subcommand(
      "attach", "Serve an encrypted directory (gocryptfs format) as a new export of the running "
                "loopfsd, until `loopfs detach`");
  attach->add_option("CIPHERDIR", attach_args.cipherdir, "The vault's directory")
      ->required()
      ->check(CLI::ExistingDirectory);
  attach->add_option("EXPORT", attach_args.export_path, "The export path clients mount, e.g. /secret")
      ->required();
  attach->add_option("--passfile", attach_args.source.passfile,
                     "Read the passphrase from the first line of this file");
  attach->add_option("--extpass", attach_args.source.extpass,
                     "Run this shell command and read the passphrase from its output");
  attach->add_option("-o,--option", attach_args.options,
                     "Export option (ro, rw, root_squash, all_squash, insecure, ...); repeatable");
  auto* automount = app.add_subcommand("automount", "Automount exports");
  automount->require_subcommand(1);
  auto* automount_status = automount->add_subcommand(
      "status", "Each automount export's entries: state, attach time, last use, last error");
  auto* detach = app.add_subcommand(
      "detach", "Stop serving an attached export and wipe its keys");
  std::string detach_path;
  detach->add_option("EXPORT", detach_path, "The export path given to `loopfs attach`")->required();
  app.set_version_flag("--version", "loopfs 0.1.0");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  if (encrypt.parsed()) return encrypt.Run();
  if (socket.empty()) socket = state_dir + "/control.sock";

  json request;
  if (status->parsed()) request = {{"cmd", "status"}};
  if (stats->parsed()) request = {{"cmd", "stats"}};
  if (detach->parsed()) request = {{"cmd", "detach"}, {"export", detach_path}};
  if (automount_status->parsed()) request = {{"cmd", "automount-status"}};
  if (attach->parsed()) {
    std::string error;
    if (!attach_args.source.passfile.empty() && !attach_args.source.extpass.empty()) {
      fmt::print(stderr, "loopfs: give --passfile or --extpass, not both\n");
      return 2;
    }
    if (!MakeAttachRequest(attach_args, &request, &error)) {
      fmt::print(stderr, "loopfs: {}\n", error);
      return 2;
    }
  }
  json reply;
  try {
    reply = loopfs::daemon::ControlRequest(socket, request);
  } catch (const std::exception& e) {
    WipeRequest(&request);
    fmt::print(stderr, "loopfs: {}\n", e.what());
    return 1;
  }
  if (!reply.value("ok", false)) {
    WipeRequest(&request);
    fmt::print(stderr, "loopfs: {}\n", reply.value("error", std::string("request failed")));
    return 1;
  }
  WipeRequest(&request);
  if (as_json) {
    std::cout << reply.dump(2) << "\n";
  } else if (attach->parsed()) {
    fmt::print("attached {} as {} (mount it with: mount -t nfs -o vers=3 localhost:{} DIR)\n",
               attach_args.cipherdir, attach_args.export_path, attach_args.export_path);
  } else if (automount_status->parsed()) {
    PrintAutomountStatus(reply);
  } else if (detach->parsed()) {
    fmt::print("detached {}\n", detach_path);
  } else if (status->parsed()) {
    PrintStatus(reply);
  } else {
    PrintStats(reply);
  }
  return 0;
}
