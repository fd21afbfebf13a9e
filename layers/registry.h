// Layer types by name, and how a stack is built from an export's config.
//
// Built-in layers register themselves at start-up (RegisterBuiltinLayers);
// third-party layers come from shared objects (layers/plugin.h).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "layers/layer.h"

namespace loopfs {

// The settings of one layer, e.g. { type = "posix", root = "/srv/data" }:
// scalar values as text, with the place they came from for error messages.
class LayerParams {
 public:
  LayerParams() = default;
  LayerParams(std::string type, std::map<std::string, std::string> values, std::string origin)
      : type_(std::move(type)), values_(std::move(values)), origin_(std::move(origin)) {}

  const std::string& type() const { return type_; }
  // "FILE:LINE" of the layer's table, or "--export" for command-line exports.
  const std::string& origin() const { return origin_; }
  const std::map<std::string, std::string>& values() const { return values_; }
  const std::string* Find(const std::string& key) const {
    auto it = values_.find(key);
    return it == values_.end() ? nullptr : &it->second;
  }

 private:
  std::string type_;
  std::map<std::string, std::string> values_;
  std::string origin_;
};

// Builds one layer.  lower is the layer below (nullptr for a base layer such
// as posix, which must then refuse to be stacked on anything, and vice
// versa).  On bad params it returns nullptr and sets *error to a message that
// names the key and says what is expected.
using LayerFactory = std::function<std::unique_ptr<Layer>(
    const LayerParams& params, std::unique_ptr<Layer> lower, std::string* error)>;

class LayerRegistry {
 public:
  static LayerRegistry& Global();

  // Returns false if the name is taken.
  bool Register(const std::string& type, LayerFactory factory);
  bool Has(const std::string& type) const;
  std::vector<std::string> Types() const;

  // Builds a stack from params listed top first.  nullptr and *error on
  // failure (unknown type, bad params).
  std::unique_ptr<Layer> BuildStack(const std::vector<LayerParams>& top_first,
                                    std::string* error) const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, LayerFactory> factories_;
};

// Registers posix and the other layers compiled into loopfsd (layers/builtin_layers.cc,
// library loopfs_builtin_layers).
void RegisterBuiltinLayers(LayerRegistry& registry);

}  // namespace loopfs
