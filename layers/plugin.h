// Loading third-party layers from shared objects (config: [server] plugins).
#pragma once

#include <string>

#include "layers/registry.h"

namespace loopfs {

// Loads the plugin at path and lets it register its layer types with
// registry.  Returns false with a message naming the path in *error when the
// file cannot be loaded (dlopen's own message), lacks the entry points, was
// built for another LOOPFS_LAYER_ABI_VERSION (layers/plugin_abi.h), or its
// init fails or registers nothing.  Loading the same path twice is a no-op.
// A loaded plugin is never unloaded: the registry keeps its factories.
// Thread-safe; meant for start-up.
bool LoadLayerPlugin(const std::string& path, LayerRegistry& registry, std::string* error);

}  // namespace loopfs
