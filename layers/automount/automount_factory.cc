// { type = "automount", ... }: the layer's config keys.
#include <fmt/format.h>

#include <charconv>

#include "layers/automount/automount_layer.h"

namespace loopfs::automount {

bool ParseDuration(std::string_view text, std::chrono::milliseconds* out) {
  uint64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end == text.data()) return false;
  std::string_view unit(end, text.data() + text.size() - end);
  uint64_t factor;
  if (unit.empty() || unit == "s") {
    factor = 1000;
  } else if (unit == "ms") {
    factor = 1;
  } else if (unit == "m") {
    factor = 60'000;
  } else if (unit == "h") {
    factor = 3'600'000;
  } else {
    return false;
  }
  if (n > UINT64_MAX / 3'600'000 / 1000) return false;  // absurd, and would overflow
  *out = std::chrono::milliseconds(static_cast<int64_t>(n * factor));
  return true;
}

LayerFactory AutomountLayerFactory() {
  return [](const LayerParams& params, std::unique_ptr<Layer> lower,
            std::string* error) -> std::unique_ptr<Layer> {
    if (lower) {
      *error =
          "automount must be the only layer of its export (its entries bring their own "
          "stacks): remove the layers listed after it";
      return nullptr;
    }
    AutomountOptions options;
    for (const auto& [key, value] : params.values()) {
      if (key == "map") {
        options.map = value;
      } else if (key == "state") {
        options.state = value;
      } else if (key == "browse") {
        if (value != "true" && value != "false") {
          *error = fmt::format("key \"browse\": \"{}\" is not true or false", value);
          return nullptr;
        }
        options.browse = value == "true";
      } else if (key == "idle" || key == "attach_timeout") {
        std::chrono::milliseconds d;
        if (!ParseDuration(value, &d) || d.count() == 0) {
          *error = fmt::format(
              "key \"{}\": \"{}\" is not a duration such as \"500ms\", \"30s\", \"5m\", \"1h\"",
              key, value);
          return nullptr;
        }
        (key == "idle" ? options.idle : options.table.attach_timeout) = d;
      } else {
        *error = fmt::format(
            "unknown key \"{}\" (automount takes: map, idle, browse, state, attach_timeout)", key);
        return nullptr;
      }
    }
    return AutomountLayer::Open(std::move(options), error);
  };
}

}  // namespace loopfs::automount
