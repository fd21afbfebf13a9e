// A plugin built for a future ABI: the loader must refuse it without
// running its init.
#include <cstdint>
#include <cstdlib>

namespace loopfs {
class LayerRegistry;
}

extern "C" __attribute__((visibility("default"))) uint32_t loopfs_layer_plugin_abi_version() {
  return 999;
}

extern "C" __attribute__((visibility("default"))) int loopfs_layer_plugin_init(
    uint32_t, loopfs::LayerRegistry*) {
  abort();  // must never run
}
