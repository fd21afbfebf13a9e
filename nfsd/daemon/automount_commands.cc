#include "nfsd/daemon/automount_commands.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "layers/automount/automount_layer.h"

namespace loopfs::daemon {
namespace {

using nlohmann::json;

// The automount layer at the top of an export's stack, if that is what it is.
automount::AutomountLayer* AutomountOf(const nfsd::Export& e) {
  return dynamic_cast<automount::AutomountLayer*>(e.stack.get());
}

json Time(const std::optional<std::chrono::system_clock::time_point>& t) {
  if (!t) return nullptr;
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", std::chrono::floor<std::chrono::seconds>(*t));
}

json Status(const nfsd::ExportTableHolder* exports) {
  json out = json::array();
  auto table = exports->Get();
  for (const nfsd::Export* e : table->List()) {
    automount::AutomountLayer* layer = AutomountOf(*e);
    if (layer == nullptr) continue;
    json entries = json::array();
    for (const automount::EntryStatus& s : layer->Status()) {
      entries.push_back({{"key", s.key},
                         {"state", std::string(automount::EntryStateName(s.state))},
                         {"fstype", s.fstype},
                         {"attach_time", Time(s.attach_time)},
                         {"last_use", Time(s.last_use)},
                         {"last_error", s.last_error},
                         {"attaches", s.attaches},
                         {"in_flight", s.in_flight}});
    }
    out.push_back({{"export", e->path}, {"map", layer->options().map}, {"entries", entries}});
  }
  return {{"ok", true}, {"automounts", out}};
}

}  // namespace

void RegisterAutomountCommands(ControlServer& control, const nfsd::ExportTableHolder* exports) {
  control.Register("automount-status", [exports](const json&) { return Status(exports); });
}

void ReloadAutomountMaps(const nfsd::ExportTable& table) {
  for (const nfsd::Export* e : table.List()) {
    if (automount::AutomountLayer* layer = AutomountOf(*e)) (void)layer->Reload();
  }
}

}  // namespace loopfs::daemon
