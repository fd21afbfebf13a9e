// Declares the ABI but has no init entry point.
#include "layers/plugin_abi.h"

LOOPFS_LAYER_PLUGIN_ABI();
