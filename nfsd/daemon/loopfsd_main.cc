// loopfsd: the loopfs NFSv3 server daemon.  See man/loopfsd.8.
#include <signal.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <thread>

#include "layers/plugin.h"
#include "layers/registry.h"
#include "nfsd/daemon/attach_commands.h"
#include "nfsd/daemon/automount_commands.h"
#include "nfsd/daemon/config.h"
#include "nfsd/daemon/control_server.h"
#include "nfsd/daemon/runtime_exports.h"
#include "nfsd/daemon/status_commands.h"
#include "nfsd/export.h"
#include "nfsd/handle_key.h"
#include "nfsd/mount_program.h"
#include "nfsd/nfs3_program.h"
#include "rpc/dispatcher.h"
#include "rpc/rpcbind_registration.h"
#include "rpc/server.h"

#ifndef PR_SET_IO_FLUSHER
#define PR_SET_IO_FLUSHER 57
#endif

namespace loopfs::daemon {
namespace {

constexpr int kExitConfig = 2;

// What the command line said, kept to rebuild the configuration on SIGHUP.
struct CommandLine {
  std::string config_file;
  std::vector<std::string> exports;
  std::vector<std::string> options;
  std::vector<std::string> listen;
  std::optional<uint16_t> port, mount_port;
  std::optional<std::string> state_dir, control_socket, log_level;
  std::optional<size_t> max_record;
  bool no_rpcbind = false;
  bool no_udp = false;
};

DaemonConfig BuildConfig(const CommandLine& cl) {
  DaemonConfig c;
  if (!cl.config_file.empty()) LoadConfigFile(cl.config_file, &c);
  if (!cl.exports.empty()) {
    // --export adds to the file's exports (or is the whole set without one).
    for (const auto& e : cl.exports) c.exports.push_back(ParseExportArgument(e, cl.options));
  } else if (!cl.options.empty()) {
    throw ConfigError("--option applies to --export exports; there are none");
  }
  if (!cl.listen.empty()) c.server.listen = cl.listen;
  if (cl.port) c.server.nfs_port = *cl.port;
  if (cl.mount_port) c.server.mount_port = *cl.mount_port;
  if (cl.state_dir) c.state_dir = *cl.state_dir;
  if (cl.control_socket) c.control_socket = *cl.control_socket;
  if (cl.log_level) c.log_level = *cl.log_level;
  if (cl.max_record) c.server.max_record = *cl.max_record;
  if (cl.no_rpcbind) c.rpcbind = false;
  if (cl.no_udp) c.server.udp = false;
  if (c.exports.empty()) {
    throw ConfigError("nothing to serve: give --export PATH=DIR or a --config with [[export]]");
  }
  return c;
}

std::vector<nfsd::ExportConfig> ToExportConfigs(const std::vector<ExportSpec>& specs) {
  std::vector<nfsd::ExportConfig> out;
  for (const ExportSpec& s : specs) {
    nfsd::ExportConfig e;
    e.path = s.path;
    e.layers = s.layers;
    e.origin = s.origin;
    e.id = s.id;
    std::string error;
    if (!nfsd::ParseExportOptions(s.options, &e.options, &error)) {
      throw ConfigError(s.origin + ": options: " + error);
    }
    out.push_back(std::move(e));
  }
  return out;
}

void LoadPlugins(const std::vector<std::string>& plugins) {
  for (const auto& p : plugins) {
    std::string error;
    if (!LoadLayerPlugin(p, LayerRegistry::Global(), &error)) throw ConfigError(error);
  }
}

bool EnsureStateDir(const std::string& dir, std::string* error) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    *error = fmt::format("cannot create state directory {}: {} (choose one with --state-dir)", dir,
                         ec.message());
    return false;
  }
  chmod(dir.c_str(), 0700);
  return true;
}

int Serve(const CommandLine& cl) {
  DaemonConfig config;
  RuntimeExports exports(std::make_shared<nfsd::ExportTableHolder>());
  std::shared_ptr<const nfsd::ExportTable> table;
  try {
    config = BuildConfig(cl);
    spdlog::set_level(spdlog::level::from_str(config.log_level));
    LoadPlugins(config.plugins);
    std::string error;
    if (!exports.Reload(ToExportConfigs(config.exports), LayerRegistry::Global(), &error)) {
      throw ConfigError(error);
    }
    table = exports.holder()->Get();
  } catch (const ConfigError& e) {
    fmt::print(stderr, "loopfsd: {}\n", e.what());
    return kExitConfig;
  }

  std::string error;
  if (!EnsureStateDir(config.state_dir, &error)) {
    fmt::print(stderr, "loopfsd: {}\n", error);
    return 1;
  }
  auto key = nfsd::LoadOrCreateHandleKey(config.state_dir, &error);
  if (!key) {
    fmt::print(stderr, "loopfsd: {}\n", error);
    return 1;
  }

  // Loopback NFS: when the kernel writes back our own client's dirty pages
  // under memory pressure, our allocations must not wait for that writeback.
  if (prctl(PR_SET_IO_FLUSHER, 1, 0, 0, 0) != 0) {
    spdlog::debug("PR_SET_IO_FLUSHER: {}", std::strerror(errno));
  }

  nfsd::Nfs3Program nfs(exports.holder(), *key);
  nfsd::MountProgram mount(exports.holder(), *key);
  rpc::Dispatcher dispatcher;
  dispatcher.AddProgram(&nfs);
  dispatcher.AddProgram(&mount);
  rpc::RpcServer server(dispatcher, config.server);
  if (!server.Bind(&error)) {
    fmt::print(stderr, "loopfsd: {}\n", error);
    return 1;
  }

  ControlServer control;
  RegisterStatusCommands(control,
                         StatusSources{&server, &dispatcher, exports.holder().get(), &mount});
  RegisterAttachCommands(control, &exports);
  RegisterAutomountCommands(control, exports.holder().get());
  if (!control.Start(config.control_socket_path(), &error)) {
    fmt::print(stderr, "loopfsd: {}\n", error);
    return 1;
  }
  // NFS clients apply their own umask; the server creates with the exact mode.
  umask(0);

  std::optional<rpc::RpcbindRegistration> rpcbind;
  if (config.rpcbind) {
    rpcbind.emplace(std::vector<rpc::RpcbindEntry>{{nfsd::kNfsProgram, 3, server.nfs_port()},
                                                   {nfsd::kMountProgram, 1, server.mount_port()},
                                                   {nfsd::kMountProgram, 3, server.mount_port()}},
                    config.server.udp);
  }

  // Signals are taken by one thread with sigwait (blocked everywhere else,
  // see main), so handling them may take locks and log.
  std::thread signals([&] {
    sigset_t set;
    sigemptyset(&set);
    for (int s : {SIGTERM, SIGINT, SIGHUP}) sigaddset(&set, s);
    for (;;) {
      int sig = 0;
      if (sigwait(&set, &sig) != 0) continue;
      if (sig == SIGHUP) {
        try {
          DaemonConfig next = BuildConfig(cl);
          LoadPlugins(next.plugins);
          std::string err;
          if (!exports.Reload(ToExportConfigs(next.exports), LayerRegistry::Global(), &err)) {
            throw ConfigError(err);
          }
          // Stacks the reload kept are the old layer instances: their maps reread here.
          ReloadAutomountMaps(*exports.holder()->Get());
          spdlog::info("SIGHUP: reloaded {} exports", exports.holder()->Get()->size());
        } catch (const std::exception& e) {
          spdlog::error("SIGHUP: keeping the old exports: {}", e.what());
        }
        continue;
      }
      spdlog::info("{}: finishing calls in flight, then exiting", strsignal(sig));
      server.Stop();
      return;
    }
  });

  spdlog::info("serving {} exports on nfs port {} and mount port {}", table->size(),
               server.nfs_port(), server.mount_port());
  std::printf("loopfsd ready nfs=%u mount=%u\n", server.nfs_port(), server.mount_port());
  std::fflush(stdout);

  server.Run();
  // Run() returns only after Stop(), which only the signal thread calls.
  signals.join();
  control.Stop();
  rpcbind.reset();
  spdlog::info("exited cleanly");
  return 0;
}

}  // namespace
}  // namespace loopfs::daemon

int main(int argc, char** argv) {
  using loopfs::daemon::CommandLine;
  CommandLine cl;
  CLI::App app{
      "loopfsd: a user-space NFSv3 server for loopback mounts, whose exports are stacks of\n"
      "layers (posix, encrypt, automount, plugins).  Prints 'loopfsd ready nfs=P mount=M'\n"
      "when serving.  See loopfsd(8) and loopfs.toml(5)."};
  app.add_option("-c,--config", cl.config_file, "TOML configuration file (loopfs.toml(5))")
      ->check(CLI::ExistingFile);
  app.add_option("-e,--export", cl.exports,
                 "Serve local directory DIR as export PATH (posix layer); repeatable")
      ->type_name("PATH=DIR");
  app.add_option("-o,--option", cl.options,
                 "Export option for every --export: ro, rw, root_squash, no_root_squash, "
                 "all_squash, anonuid=N, anongid=N, insecure, secure; repeatable")
      ->type_name("OPT");
  app.add_option("-l,--listen", cl.listen, "Address to listen on (default 127.0.0.1 and ::1)")
      ->type_name("ADDR");
  app.add_option("-p,--port", cl.port, "NFS port (default 2049; 0 picks a free one)");
  app.add_option("-m,--mount-port", cl.mount_port,
                 "MOUNT port (default 20048; 0 picks a free one)");
  app.add_option("--state-dir", cl.state_dir,
                 "Directory for the handle key and control socket (default /var/lib/loopfs)");
  app.add_option("--control-socket", cl.control_socket,
                 "Control socket path (default STATE_DIR/control.sock)");
  app.add_option("--log-level", cl.log_level, "trace, debug, info, warn or error")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));
  app.add_option("--max-record", cl.max_record,
                 "Largest RPC record accepted over TCP, in bytes (default 1114112)")
      ->check(CLI::Range(size_t{8192}, size_t{64} << 20));
  app.add_flag("--no-rpcbind", cl.no_rpcbind, "Do not register with rpcbind");
  app.add_flag("--no-udp", cl.no_udp, "Serve TCP only");
  app.set_version_flag("--version", "loopfsd 0.1.0");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }

  // Before any thread starts: every thread inherits this mask, so only the
  // signal thread sees SIGTERM/SIGINT/SIGHUP.
  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGTERM, SIGINT, SIGHUP}) sigaddset(&set, s);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);

  // Logs go to stderr: stdout carries only the ready line.
  auto logger = spdlog::stderr_color_mt("loopfsd");
  logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%l%$ %v");
  spdlog::set_default_logger(logger);
  loopfs::RegisterBuiltinLayers(loopfs::LayerRegistry::Global());
  return loopfs::daemon::Serve(cl);
}
