// The plugin loader: dlopen, check the ABI version, call init.
#include "layers/plugin.h"

#include <dlfcn.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iterator>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <map>
#include <set>
#include <vector>

#include "layers/plugin_abi.h"

namespace loopfs {
namespace {

std::mutex loaded_mu;
// The layer types each loaded plugin (by real path) registered.  A repeat
// load into a registry that has them all (a config reload) is a no-op; into
// a fresh registry, init runs again.
std::map<std::string, std::vector<std::string>>& Loaded() {
  static auto* loaded = new std::map<std::string, std::vector<std::string>>();
  return *loaded;
}

std::string DlError() {
  const char* e = dlerror();
  return e != nullptr ? e : "unknown dlopen error";
}

}  // namespace

bool LoadLayerPlugin(const std::string& path, LayerRegistry& registry, std::string* error) {
  if (path.empty()) {
    *error = "plugin path is empty";
    return false;
  }
  // A bare name would make dlopen search LD_LIBRARY_PATH and the system
  // directories; a plugin is configured by its file, so insist on a path.
  if (path.find('/') == std::string::npos) {
    *error = fmt::format("plugin \"{}\": give a path to the shared object (e.g. ./{})", path, path);
    return false;
  }
  std::unique_ptr<char, decltype(&free)> real(realpath(path.c_str(), nullptr), &free);
  if (!real) {
    *error = fmt::format("plugin \"{}\": {}", path, std::strerror(errno));
    return false;
  }
  std::string key = real.get();

  std::lock_guard lock(loaded_mu);
  if (auto it = Loaded().find(key); it != Loaded().end()) {
    if (std::all_of(it->second.begin(), it->second.end(),
                    [&](const std::string& type) { return registry.Has(type); })) {
      return true;
    }
  }

  // RTLD_NOW: an unresolved symbol fails here, with dlopen's message, and
  // not later on a request.  RTLD_LOCAL: two plugins may use the same
  // internal names.
  void* dl = dlopen(key.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (dl == nullptr) {
    *error = fmt::format("plugin \"{}\": cannot load: {}", path, DlError());
    return false;
  }
  auto fail = [&](std::string message) {
    *error = std::move(message);
    dlclose(dl);
    return false;
  };

  dlerror();
  auto abi = reinterpret_cast<LoopfsLayerPluginAbiVersionFn>(
      dlsym(dl, LOOPFS_LAYER_PLUGIN_ABI_SYMBOL));
  if (abi == nullptr) {
    return fail(fmt::format(
        "plugin \"{}\": not a loopfs layer plugin: no symbol {} (define it with "
        "LOOPFS_LAYER_PLUGIN_ABI() from layers/plugin_abi.h)",
        path, LOOPFS_LAYER_PLUGIN_ABI_SYMBOL));
  }
  auto init =
      reinterpret_cast<LoopfsLayerPluginInitFn>(dlsym(dl, LOOPFS_LAYER_PLUGIN_INIT_SYMBOL));
  if (init == nullptr) {
    return fail(fmt::format("plugin \"{}\": not a loopfs layer plugin: no symbol {}", path,
                            LOOPFS_LAYER_PLUGIN_INIT_SYMBOL));
  }
  uint32_t plugin_abi = abi();
  if (plugin_abi != LOOPFS_LAYER_ABI_VERSION) {
    return fail(fmt::format(
        "plugin \"{}\" was built for layer ABI version {}, but this loopfsd provides version {}; "
        "rebuild the plugin against this loopfsd's headers",
        path, plugin_abi, LOOPFS_LAYER_ABI_VERSION));
  }

  std::vector<std::string> before = registry.Types();
  int rc = init(LOOPFS_LAYER_ABI_VERSION, &registry);
  std::vector<std::string> after = registry.Types();
  std::vector<std::string> added;
  std::set_difference(after.begin(), after.end(), before.begin(), before.end(),
                      std::back_inserter(added));
  if (rc != 0) {
    // Factories it managed to register point into the object: keep it
    // loaded rather than leave dangling functions behind.
    if (!added.empty()) Loaded()[key] = added;
    *error = fmt::format(
        "plugin \"{}\": {} returned {} (a layer type it registers may already exist)", path,
        LOOPFS_LAYER_PLUGIN_INIT_SYMBOL, rc);
    if (added.empty()) dlclose(dl);
    return false;
  }
  if (added.empty()) {
    return fail(fmt::format("plugin \"{}\": registered no layer type", path));
  }
  Loaded()[key] = added;
  spdlog::info("loaded layer plugin {} (layer types: {})", key, fmt::join(added, ", "));
  return true;
}

}  // namespace loopfs
