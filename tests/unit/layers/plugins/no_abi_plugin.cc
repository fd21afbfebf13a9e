// Has an init but does not say which ABI it was built for.
#include <cstdint>
#include <cstdlib>

namespace loopfs {
class LayerRegistry;
}

extern "C" __attribute__((visibility("default"))) int loopfs_layer_plugin_init(
    uint32_t, loopfs::LayerRegistry*) {
  abort();  // must never run
}
