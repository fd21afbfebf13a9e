// Its init fails without registering anything.
#include "layers/plugin_abi.h"

LOOPFS_LAYER_PLUGIN_ABI();

extern "C" __attribute__((visibility("default"))) int loopfs_layer_plugin_init(
    uint32_t, loopfs::LayerRegistry*) {
  return 7;
}
