#include "nfsd/daemon/config.h"

#include <fmt/format.h>

#include <set>
#include <toml++/toml.h>

namespace loopfs::daemon {
namespace {

std::string Where(const std::string& file, const toml::node& node) {
  return fmt::format("{}:{}", file, node.source().begin.line);
}

[[noreturn]] void Fail(const std::string& file, const toml::node& node, const std::string& key,
                       const std::string& what) {
  throw ConfigError(fmt::format("{}: {}: {}", Where(file, node), key, what));
}

void CheckKeys(const std::string& file, const toml::table& table, const std::string& section,
               const std::set<std::string>& allowed) {
  for (const auto& [key, node] : table) {
    if (!allowed.contains(std::string(key.str()))) {
      std::string list;
      for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
      Fail(file, node, section + std::string(key.str()), "unknown key (known: " + list + ")");
    }
  }
}

std::string GetString(const std::string& file, const toml::node& node, const std::string& key) {
  if (auto v = node.value<std::string>(); v && node.is_string()) return *v;
  Fail(file, node, key, "expected a string");
}

int64_t GetInt(const std::string& file, const toml::node& node, const std::string& key,
               int64_t lo, int64_t hi) {
  if (!node.is_integer()) Fail(file, node, key, "expected an integer");
  int64_t v = *node.value<int64_t>();
  if (v < lo || v > hi) Fail(file, node, key, fmt::format("must be between {} and {}", lo, hi));
  return v;
}

bool GetBool(const std::string& file, const toml::node& node, const std::string& key) {
  if (!node.is_boolean()) Fail(file, node, key, "expected true or false");
  return *node.value<bool>();
}

std::vector<std::string> GetStrings(const std::string& file, const toml::node& node,
                                    const std::string& key) {
  const toml::array* arr = node.as_array();
  if (arr == nullptr) Fail(file, node, key, "expected an array of strings");
  std::vector<std::string> out;
  for (const auto& item : *arr) out.push_back(GetString(file, item, key + "[]"));
  return out;
}

void LoadServer(const std::string& file, const toml::table& t, DaemonConfig* c) {
  CheckKeys(file, t, "server.",
            {"listen", "nfs_port", "mount_port", "udp", "rpcbind", "workers", "max_record",
             "max_in_flight", "max_connections", "state_dir", "control_socket", "plugins",
             "log_level"});
  for (const auto& [k, node] : t) {
    std::string key = "server." + std::string(k.str());
    std::string_view name = k.str();
    if (name == "listen") {
      c->server.listen = GetStrings(file, node, key);
      if (c->server.listen.empty()) Fail(file, node, key, "needs at least one address");
    } else if (name == "nfs_port") {
      c->server.nfs_port = static_cast<uint16_t>(GetInt(file, node, key, 0, 65535));
    } else if (name == "mount_port") {
      c->server.mount_port = static_cast<uint16_t>(GetInt(file, node, key, 0, 65535));
    } else if (name == "udp") {
      c->server.udp = GetBool(file, node, key);
    } else if (name == "rpcbind") {
      c->rpcbind = GetBool(file, node, key);
    } else if (name == "workers") {
      c->server.workers = static_cast<size_t>(GetInt(file, node, key, 0, 1024));
    } else if (name == "max_record") {
      c->server.max_record = static_cast<size_t>(GetInt(file, node, key, 8192, 64 << 20));
    } else if (name == "max_in_flight") {
      c->server.max_in_flight = static_cast<size_t>(GetInt(file, node, key, 1, 65536));
    } else if (name == "max_connections") {
      c->server.max_connections = static_cast<size_t>(GetInt(file, node, key, 1, 1 << 20));
    } else if (name == "state_dir") {
      c->state_dir = GetString(file, node, key);
    } else if (name == "control_socket") {
      c->control_socket = GetString(file, node, key);
    } else if (name == "plugins") {
      c->plugins = GetStrings(file, node, key);
    } else if (name == "log_level") {
      c->log_level = GetString(file, node, key);
      static const std::set<std::string> levels = {"trace", "debug", "info", "warn", "error"};
      if (!levels.contains(c->log_level)) {
        Fail(file, node, key, "expected one of trace, debug, info, warn, error");
      }
    }
  }
}

LayerParams LoadLayer(const std::string& file, const toml::node& node, const std::string& key) {
  const toml::table* t = node.as_table();
  if (t == nullptr) Fail(file, node, key, "expected a table like { type = \"posix\", root = \"/srv\" }");
  std::string type;
  std::map<std::string, std::string> values;
  for (const auto& [k, v] : *t) {
    std::string name(k.str());
    std::string vkey = key + "." + name;
    if (name == "type") {
      type = GetString(file, v, vkey);
    } else if (v.is_string()) {
      values[name] = *v.value<std::string>();
    } else if (v.is_integer()) {
      values[name] = std::to_string(*v.value<int64_t>());
    } else if (v.is_boolean()) {
      values[name] = *v.value<bool>() ? "true" : "false";
    } else {
      Fail(file, v, vkey, "expected a string, integer or boolean");
    }
  }
  if (type.empty()) Fail(file, node, key + ".type", "missing: every layer needs a type");
  return LayerParams(type, std::move(values), Where(file, node));
}

ExportSpec LoadExport(const std::string& file, const toml::table& t, size_t index) {
  std::string prefix = fmt::format("export[{}].", index);
  CheckKeys(file, t, prefix, {"path", "options", "layers", "id"});
  ExportSpec e;
  e.origin = Where(file, t);
  const toml::node* path = t.get("path");
  if (path == nullptr) Fail(file, t, prefix + "path", "missing (e.g. path = \"/\")");
  e.path = GetString(file, *path, prefix + "path");
  if (e.path.empty() || e.path[0] != '/') {
    Fail(file, *path, prefix + "path", "must be absolute, e.g. \"/\" or \"/data\"");
  }
  if (const toml::node* o = t.get("options")) e.options = GetStrings(file, *o, prefix + "options");
  if (const toml::node* id = t.get("id")) {
    e.id = static_cast<uint16_t>(GetInt(file, *id, prefix + "id", 1, 65535));
  }
  const toml::node* layers = t.get("layers");
  if (layers == nullptr || layers->as_array() == nullptr || layers->as_array()->empty()) {
    Fail(file, layers ? *layers : static_cast<const toml::node&>(t), prefix + "layers",
         "missing: e.g. layers = [ { type = \"posix\", root = \"/srv/data\" } ]");
  }
  size_t i = 0;
  for (const auto& l : *layers->as_array()) {
    e.layers.push_back(LoadLayer(file, l, fmt::format("{}layers[{}]", prefix, i++)));
  }
  return e;
}

}  // namespace

void LoadConfigFile(const std::string& path, DaemonConfig* config) {
  toml::table root;
  try {
    root = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    throw ConfigError(fmt::format("{}:{}:{}: {}", path, where.line, where.column,
                                  std::string(e.description())));
  }
  CheckKeys(path, root, "", {"server", "export"});
  if (const toml::node* s = root.get("server")) {
    if (!s->is_table()) Fail(path, *s, "server", "expected a [server] table");
    LoadServer(path, *s->as_table(), config);
  }
  if (const toml::node* ex = root.get("export")) {
    const toml::array* arr = ex->as_array();
    if (arr == nullptr) Fail(path, *ex, "export", "expected [[export]] tables");
    config->exports.clear();
    size_t i = 0;
    for (const auto& item : *arr) {
      if (!item.is_table()) Fail(path, item, "export", "expected [[export]] tables");
      config->exports.push_back(LoadExport(path, *item.as_table(), i++));
    }
  }
  config->config_file = path;
}

ExportSpec ParseExportArgument(const std::string& arg, const std::vector<std::string>& options) {
  auto eq = arg.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == arg.size()) {
    throw ConfigError(fmt::format(
        "--export '{}': expected PATH=DIR, e.g. --export /=/srv/data", arg));
  }
  ExportSpec e;
  e.path = arg.substr(0, eq);
  if (e.path[0] != '/') {
    throw ConfigError(fmt::format("--export '{}': the export path must start with '/'", arg));
  }
  e.options = options;
  e.layers.emplace_back("posix", std::map<std::string, std::string>{{"root", arg.substr(eq + 1)}},
                        "--export");
  e.origin = "--export " + arg;
  return e;
}

}  // namespace loopfs::daemon
