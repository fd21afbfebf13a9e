// The entry points a layer plugin (a shared object loaded by loopfsd)
// exports.  This is the only header a plugin needs beyond the layer API
// (layers/layer.h, layers/forwarding_layer.h, layers/registry.h).
//
// A plugin is C++ compiled against the same loopfs headers as the daemon
// that loads it, and the layer API is a C++ ABI (vtables, std::string,
// std::function).  LOOPFS_LAYER_ABI_VERSION names one revision of that ABI;
// it is bumped whenever a change to those headers would break a compiled
// plugin (a new virtual method, a changed struct).  The loader reads the
// version the plugin was built for before running any of its code and
// refuses a mismatch, so an old plugin fails with a message at start-up
// instead of crashing on its first request.
//
// A plugin source file does:
//
//   #include "layers/plugin_abi.h"
//   LOOPFS_LAYER_PLUGIN_ABI();
//   extern "C" int loopfs_layer_plugin_init(uint32_t abi_version,
//                                           loopfs::LayerRegistry* registry) {
//     return registry->Register("trace", MakeTraceLayer) ? 0 : 1;
//   }
//
// The plugin resolves loopfs symbols (LayerRegistry::Register, StatusName)
// against the loading executable, which is linked with --export-dynamic.
#pragma once

#include <cstdint>

#include "layers/registry.h"

#define LOOPFS_LAYER_ABI_VERSION 1

// Names of the two entry points, for dlsym.
#define LOOPFS_LAYER_PLUGIN_ABI_SYMBOL "loopfs_layer_plugin_abi_version"
#define LOOPFS_LAYER_PLUGIN_INIT_SYMBOL "loopfs_layer_plugin_init"

extern "C" {
// Returns the LOOPFS_LAYER_ABI_VERSION the plugin was compiled with.  Defined
// by LOOPFS_LAYER_PLUGIN_ABI() so it always tells the truth.
using LoopfsLayerPluginAbiVersionFn = uint32_t (*)();

// Registers the plugin's layer types (one or more) with registry.  abi_version
// is the loader's LOOPFS_LAYER_ABI_VERSION (already checked to be equal to the
// plugin's).  Returns 0 on success; anything else makes the loader refuse the
// plugin.  Called once per process for each plugin path.
using LoopfsLayerPluginInitFn = int (*)(uint32_t abi_version, loopfs::LayerRegistry* registry);
}

#define LOOPFS_LAYER_PLUGIN_ABI()                                                  \
  extern "C" __attribute__((visibility("default"))) uint32_t                       \
  loopfs_layer_plugin_abi_version() {                                              \
    return LOOPFS_LAYER_ABI_VERSION;                                               \
  }                                                                                \
  static_assert(true, "require a semicolon after LOOPFS_LAYER_PLUGIN_ABI()")
