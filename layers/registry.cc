// The layer registry: type name → factory, and stack building from config.
#include "layers/registry.h"

#include <fmt/format.h>


namespace loopfs {

LayerRegistry& LayerRegistry::Global() {
  // Leaked on purpose: factories may live in plugins that are never
  // unloaded, and nothing must run them after static destruction began.
  static auto* registry = new LayerRegistry();
  return *registry;
}

bool LayerRegistry::Register(const std::string& type, LayerFactory factory) {
  if (type.empty() || !factory) return false;
  std::lock_guard lock(mu_);
  return factories_.emplace(type, std::move(factory)).second;
}

bool LayerRegistry::Has(const std::string& type) const {
  std::lock_guard lock(mu_);
  return factories_.count(type) != 0;
}

std::vector<std::string> LayerRegistry::Types() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> types;
  types.reserve(factories_.size());
  for (const auto& [name, factory] : factories_) types.push_back(name);
  return types;
}

std::unique_ptr<Layer> LayerRegistry::BuildStack(const std::vector<LayerParams>& top_first,
                                                 std::string* error) const {
  if (top_first.empty()) {
    *error = "an export needs at least one layer (e.g. { type = \"posix\", root = \"/srv\" })";
    return nullptr;
  }
  // Copy the factories out so a factory may take its time (open a root,
  // attach a mount) without holding the registry lock.
  std::vector<LayerFactory> factories;
  {
    std::lock_guard lock(mu_);
    for (const LayerParams& params : top_first) {
      auto it = factories_.find(params.type());
      if (it == factories_.end()) {
        std::string known;
        for (const auto& [name, factory] : factories_) {
          known += known.empty() ? name : ", " + name;
        }
        *error = fmt::format("{}: unknown layer type \"{}\" (known types: {})", params.origin(),
                             params.type(), known.empty() ? "none" : known);
        return nullptr;
      }
      factories.push_back(it->second);
    }
  }
  // Built bottom up: each layer takes ownership of the one below it.
  std::unique_ptr<Layer> lower;
  for (size_t i = top_first.size(); i-- > 0;) {
    const LayerParams& params = top_first[i];
    std::string why;
    std::unique_ptr<Layer> layer = factories[i](params, std::move(lower), &why);
    if (!layer) {
      *error = fmt::format("{}: layer \"{}\": {}", params.origin(), params.type(),
                           why.empty() ? "could not be built" : why);
      return nullptr;
    }
    lower = std::move(layer);
  }
  return lower;
}

}  // namespace loopfs
