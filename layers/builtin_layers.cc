// The layers compiled into loopfsd.  Kept apart from the registry so that loopfs_layers
// (the API) does not depend on every layer built on it.
#include "layers/automount/automount_layer.h"
#include "layers/encrypt/encrypt_layer.h"
#include "layers/posix/posix_layer.h"
#include "layers/registry.h"

namespace loopfs {

void RegisterBuiltinLayers(LayerRegistry& registry) {
  registry.Register("posix", posix::PosixLayerFactory());
  registry.Register("encrypt", encrypt::EncryptLayerFactory());
  registry.Register("automount", automount::AutomountLayerFactory());
}

}  // namespace loopfs
