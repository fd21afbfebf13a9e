#include "nfsd/export.h"

#include <fmt/format.h>

namespace loopfs::nfsd {
namespace {

bool SameLayers(const std::vector<LayerParams>& a, const std::vector<LayerParams>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    // origin is left out: editing another part of the file moves line numbers.
    if (a[i].type() != b[i].type() || a[i].values() != b[i].values()) return false;
  }
  return true;
}

bool SameConfig(const ExportConfig& a, const ExportConfig& b) {
  return a.path == b.path && a.options == b.options && a.id == b.id &&
         SameLayers(a.layers, b.layers);
}

std::string Origin(const ExportConfig& c) {
  return c.origin.empty() ? std::string("export") : c.origin;
}

}  // namespace

uint16_t ExportIdFromPath(std::string_view path) {
  // FNV-1a (32 bit) folded to 16 bits: deterministic everywhere, which is all
  // an id needs; collisions are detected at build time.
  uint32_t h = 2166136261u;
  for (unsigned char c : path) {
    h ^= c;
    h *= 16777619u;
  }
  return static_cast<uint16_t>((h >> 16) ^ (h & 0xffff));
}

uint64_t FsidForExport(uint16_t export_id) {
  // "loop" in the high bytes keeps our fsids apart from the small numbers
  // local file systems report, should a client compare them.
  return 0x6c6f6f7000000000ULL | export_id;
}

bool ValidExportPath(std::string_view path, std::string* error) {
  if (path.empty() || path[0] != '/') {
    *error = fmt::format("export path '{}' must be absolute, e.g. \"/\" or \"/data\"", path);
    return false;
  }
  if (path.size() > 1024) {
    *error = "export path is longer than 1024 bytes (MNTPATHLEN)";
    return false;
  }
  if (path == "/") return true;
  if (path.back() == '/') {
    *error = fmt::format("export path '{}' must not end in '/'", path);
    return false;
  }
  size_t pos = 1;
  while (pos <= path.size()) {
    size_t next = path.find('/', pos);
    if (next == std::string_view::npos) next = path.size();
    std::string_view comp = path.substr(pos, next - pos);
    if (comp.empty() || comp == "." || comp == "..") {
      *error = fmt::format("export path '{}' has an empty, '.' or '..' component", path);
      return false;
    }
    if (comp.find('\0') != std::string_view::npos) {
      *error = "export path contains a NUL byte";
      return false;
    }
    pos = next + 1;
  }
  return true;
}

std::shared_ptr<const ExportTable> ExportTable::Build(const std::vector<ExportConfig>& configs,
                                                      const LayerRegistry& registry,
                                                      std::string* error,
                                                      const ExportTable* previous) {
  auto table = std::make_shared<ExportTable>();
  for (const ExportConfig& c : configs) {
    if (!ValidExportPath(c.path, error)) {
      *error = Origin(c) + ": " + *error;
      return nullptr;
    }
    if (table->by_path_.count(c.path) != 0) {
      *error = fmt::format("{}: export path '{}' is listed twice", Origin(c), c.path);
      return nullptr;
    }
    const uint16_t id = c.id ? *c.id : ExportIdFromPath(c.path);
    if (auto it = table->by_id_.find(id); it != table->by_id_.end()) {
      uint16_t free_id = 1;
      while (table->by_id_.count(free_id) != 0) ++free_id;
      *error = fmt::format(
          "{}: export '{}' gets id {}, which export '{}' already has; set another id for one of "
          "them, e.g. id = {}",
          Origin(c), c.path, id, it->second->path, free_id);
      return nullptr;
    }
    if (c.layers.empty()) {
      *error = fmt::format(
          "{}: export '{}' has no layers (e.g. layers = [ {{ type = \"posix\", "
          "root = \"/srv/data\" }} ])",
          Origin(c), c.path);
      return nullptr;
    }

    std::shared_ptr<const Export> reused;
    if (previous != nullptr) {
      auto old = previous->Share(id);
      if (old && SameConfig(old->config, c)) reused = std::move(old);
    }
    if (!reused) {
      std::string layer_error;
      std::unique_ptr<Layer> stack = registry.BuildStack(c.layers, &layer_error);
      if (!stack) {
        *error = fmt::format("{}: export '{}': {}", Origin(c), c.path, layer_error);
        return nullptr;
      }
      auto e = std::make_shared<Export>();
      e->id = id;
      e->path = c.path;
      e->options = c.options;
      e->fsid = FsidForExport(id);
      e->stack = std::move(stack);
      e->config = c;
      reused = std::move(e);
    }
    table->by_path_.emplace(c.path, id);
    table->by_id_.emplace(id, std::move(reused));
  }
  return table;
}

std::shared_ptr<const ExportTable> ExportTable::Merge(
    const ExportTable& base, const std::vector<std::shared_ptr<const Export>>& extra,
    std::string* error) {
  auto table = std::make_shared<ExportTable>(base);
  for (const auto& e : extra) {
    if (table->by_path_.count(e->path) != 0) {
      *error = fmt::format("export path '{}' is already served", e->path);
      return nullptr;
    }
    if (auto it = table->by_id_.find(e->id); it != table->by_id_.end()) {
      *error = fmt::format("export '{}' gets id {}, which export '{}' already has", e->path, e->id,
                           it->second->path);
      return nullptr;
    }
    table->by_path_.emplace(e->path, e->id);
    table->by_id_.emplace(e->id, e);
  }
  return table;
}

const Export* ExportTable::FindById(uint16_t id) const {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : it->second.get();
}

std::shared_ptr<const Export> ExportTable::Share(uint16_t id) const {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : it->second;
}

const Export* ExportTable::FindForMount(std::string_view mount_path,
                                        std::vector<std::string>* rest) const {
  // Split into components; "//a/./b/" is "/a/b", but ".." is kept so the
  // caller refuses it (it must not climb out of an export).
  std::vector<std::string_view> comps;
  size_t pos = 0;
  while (pos < mount_path.size()) {
    size_t next = mount_path.find('/', pos);
    if (next == std::string_view::npos) next = mount_path.size();
    std::string_view comp = mount_path.substr(pos, next - pos);
    if (!comp.empty() && comp != ".") comps.push_back(comp);
    pos = next + 1;
  }
  if (mount_path.empty() || mount_path[0] != '/') return nullptr;

  // Longest prefix first.
  for (size_t n = comps.size() + 1; n-- > 0;) {
    std::string prefix;
    for (size_t i = 0; i < n; ++i) {
      prefix += '/';
      prefix += comps[i];
    }
    if (prefix.empty()) prefix = "/";
    auto it = by_path_.find(prefix);
    if (it == by_path_.end()) continue;
    if (rest != nullptr) {
      rest->clear();
      for (size_t i = n; i < comps.size(); ++i) rest->emplace_back(comps[i]);
    }
    return FindById(it->second);
  }
  return nullptr;
}

std::vector<const Export*> ExportTable::List() const {
  std::vector<const Export*> out;
  for (const auto& [path, id] : by_path_) out.push_back(FindById(id));
  return out;
}

std::vector<ExportSummary> SummarizeExports(const ExportTable& table) {
  std::vector<ExportSummary> out;
  for (const Export* e : table.List()) {
    ExportSummary s;
    s.path = e->path;
    s.id = e->id;
    s.fsid = e->fsid;
    s.options = FormatExportOptions(e->options);
    for (const LayerParams& p : e->config.layers) s.layer_types.push_back(p.type());
    out.push_back(std::move(s));
  }
  return out;
}

std::string DescribeExports(const ExportTable& table) {
  std::string out;
  for (const ExportSummary& s : SummarizeExports(table)) {
    out += fmt::format("{} id={} fsid={:#018x} {} layers={}\n", s.path, s.id, s.fsid, s.options,
                       fmt::join(s.layer_types, ","));
  }
  return out;
}

}  // namespace loopfs::nfsd
