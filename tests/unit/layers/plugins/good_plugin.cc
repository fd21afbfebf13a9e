// A plugin registering two layer types, for the loader's tests.
#include "layers/forwarding_layer.h"
#include "layers/plugin_abi.h"

namespace {

class Tagged : public loopfs::ForwardingLayer {
 public:
  Tagged(std::unique_ptr<loopfs::Layer> lower, std::string_view type)
      : ForwardingLayer(std::move(lower)), type_(type) {}
  std::string_view type() const override { return type_; }

 private:
  std::string_view type_;
};

loopfs::LayerFactory Factory(std::string_view type) {
  return [type](const loopfs::LayerParams&, std::unique_ptr<loopfs::Layer> lower,
                std::string* error) -> std::unique_ptr<loopfs::Layer> {
    if (!lower) {
      *error = "needs a lower layer";
      return nullptr;
    }
    return std::make_unique<Tagged>(std::move(lower), type);
  };
}

}  // namespace

LOOPFS_LAYER_PLUGIN_ABI();

extern "C" __attribute__((visibility("default"))) int loopfs_layer_plugin_init(
    uint32_t abi_version, loopfs::LayerRegistry* registry) {
  bool ok = registry->Register("test_alpha", Factory("test_alpha"));
  ok = registry->Register("test_beta", Factory("test_beta")) && ok;
  return ok ? 0 : 1;
}
