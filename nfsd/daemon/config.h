// loopfsd's configuration: the TOML file (man/loopfs.toml.5) and the command
// line that overrides it.
//
// Parsing runs once at start-up and on SIGHUP, off the request path, so it
// reports errors as exceptions: ConfigError carries a message that names the
// file, line and key, which loopfsd prints before exiting with status 2.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "layers/registry.h"
#include "rpc/server.h"

namespace loopfs::daemon {

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// One [[export]] table, still as text: nfsd/ gives the options their meaning.
struct ExportSpec {
  std::string path;                  // "/" or "/a/b": what clients mount
  std::vector<std::string> options;  // "rw", "root_squash", "anonuid=65534", ...
  std::vector<LayerParams> layers;   // top first
  std::optional<uint16_t> id;        // stable export id, else derived from path
  std::string origin;                // "FILE:LINE" or "--export"
};

struct DaemonConfig {
  rpc::ServerOptions server;
  bool rpcbind = true;
  std::string state_dir = "/var/lib/loopfs";
  std::string control_socket;        // empty: <state_dir>/control.sock
  std::vector<std::string> plugins;  // shared objects with more layer types
  std::string log_level = "info";
  std::vector<ExportSpec> exports;
  std::string config_file;           // where it came from, for reloads

  std::string control_socket_path() const {
    return control_socket.empty() ? state_dir + "/control.sock" : control_socket;
  }
};

// Reads a TOML config file into *config (keys absent from the file keep
// their current values).  Unknown keys are errors: a typo must not silently
// fall back to a default.
void LoadConfigFile(const std::string& path, DaemonConfig* config);

// Parses a command-line export "PATH=DIR" into a posix export with the given
// options.
ExportSpec ParseExportArgument(const std::string& arg, const std::vector<std::string>& options);

}  // namespace loopfs::daemon
