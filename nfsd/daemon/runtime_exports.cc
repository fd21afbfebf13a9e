#include "nfsd/daemon/runtime_exports.h"

#include <fmt/format.h>

namespace loopfs::daemon {

bool RuntimeExports::Publish(const nfsd::ExportTable& base, std::string* error) {
  std::vector<std::shared_ptr<const nfsd::Export>> extra;
  extra.reserve(attached_.size());
  for (const auto& [path, e] : attached_) extra.push_back(e);
  auto table = nfsd::ExportTable::Merge(base, extra, error);
  if (!table) return false;
  holder_->Swap(std::move(table));
  return true;
}

bool RuntimeExports::Reload(const std::vector<nfsd::ExportConfig>& configs,
                            const LayerRegistry& registry, std::string* error) {
  std::lock_guard lock(mu_);
  auto next = nfsd::ExportTable::Build(configs, registry, error, holder_->Get().get());
  if (!next) return false;
  if (!Publish(*next, error)) {
    *error = "the configuration clashes with an attached export: " + *error +
             " (detach it first with `loopfs detach`)";
    return false;
  }
  configured_ = std::move(next);
  return true;
}

bool RuntimeExports::Attach(const std::string& path, const nfsd::ExportOptions& options,
                            std::unique_ptr<Layer> stack, std::vector<LayerParams> layers,
                            const std::string& origin, std::string* error) {
  if (!nfsd::ValidExportPath(path, error)) return false;
  auto e = std::make_shared<nfsd::Export>();
  e->id = nfsd::ExportIdFromPath(path);
  e->path = path;
  e->options = options;
  e->fsid = nfsd::FsidForExport(e->id);
  e->stack = std::move(stack);
  e->config.path = path;
  e->config.options = options;
  e->config.layers = std::move(layers);
  e->config.origin = origin;
  std::lock_guard lock(mu_);
  if (attached_.count(path) != 0) {
    *error = fmt::format("{} is already attached (detach it first)", path);
    return false;
  }
  attached_.emplace(path, std::move(e));
  if (!Publish(*configured_, error)) {
    attached_.erase(path);
    return false;
  }
  return true;
}

bool RuntimeExports::Detach(const std::string& path, std::string* error) {
  std::lock_guard lock(mu_);
  auto it = attached_.find(path);
  if (it == attached_.end()) {
    bool configured = false;
    for (const nfsd::Export* e : configured_->List()) configured |= e->path == path;
    *error = configured
                 ? fmt::format("{} comes from the configuration, not from `loopfs attach`; "
                               "remove it there and reload (SIGHUP)",
                               path)
                 : fmt::format("nothing is attached at {}", path);
    return false;
  }
  auto kept = std::move(it->second);
  attached_.erase(it);
  if (!Publish(*configured_, error)) {
    attached_.emplace(path, std::move(kept));
    return false;
  }
  return true;
}

}  // namespace loopfs::daemon
