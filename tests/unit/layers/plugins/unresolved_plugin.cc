// Needs a symbol no loopfsd provides: dlopen(RTLD_NOW) must fail.
#include "layers/plugin_abi.h"

extern "C" int loopfs_symbol_that_does_not_exist(int);

LOOPFS_LAYER_PLUGIN_ABI();

extern "C" __attribute__((visibility("default"))) int loopfs_layer_plugin_init(
    uint32_t v, loopfs::LayerRegistry*) {
  return loopfs_symbol_that_does_not_exist(static_cast<int>(v));
}
