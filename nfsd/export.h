// Exports: the configured paths, their options and layer stacks, and the
// table nfsd/ looks them up in.
//
// Typical use by the daemon:
//
//   std::string err;
//   auto table = nfsd::ExportTable::Build(configs, LayerRegistry::Global(), &err);
//   if (!table) { print err; exit 2; }
//   auto holder = std::make_shared<nfsd::ExportTableHolder>(table);
//   ...
//   // SIGHUP: build the new table from the new configs, reusing the stacks of
//   // exports whose configuration did not change, then swap it in.
//   auto next = nfsd::ExportTable::Build(new_configs, LayerRegistry::Global(), &err,
//                                        holder->Get().get());
//   if (next) holder->Swap(next); else log err and keep serving the old table;
//
// A call holds the table it started with (a shared_ptr), so a swap never
// pulls a stack from under a call in flight.  Export ids derive from the
// path, so handles of exports that stay remain valid across reloads and
// restarts.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "layers/layer.h"
#include "layers/registry.h"
#include "nfsd/export_options.h"

namespace loopfs::nfsd {

// One [[export]] of the configuration (or one --export).
struct ExportConfig {
  std::string path;  // what clients mount: "/" or "/a/b"
  ExportOptions options;
  std::vector<LayerParams> layers;  // the stack, top first
  std::string origin;               // "FILE:LINE" or "--export", for errors
  std::optional<uint16_t> id;       // configured export id; else derived from path
};

struct Export {
  uint16_t id = 0;
  std::string path;
  ExportOptions options;
  // Reported in every fattr3 of the export instead of the layer's fsid, so the
  // client sees one file system per export (and a different one per export).
  uint64_t fsid = 0;
  std::unique_ptr<Layer> stack;
  ExportConfig config;  // as built; lets a reload keep an unchanged stack
};

// The export id derived from a path: a 16-bit hash, stable across restarts
// and installations.
uint16_t ExportIdFromPath(std::string_view path);
// The fsid reported for an export.
uint64_t FsidForExport(uint16_t export_id);
// Checks an export path: absolute, no empty, "." or ".." components, no
// trailing '/' (except "/" itself), at most 1024 bytes (MNTPATHLEN).
bool ValidExportPath(std::string_view path, std::string* error);

// Immutable once built; shared by all calls that started while it was current.
class ExportTable {
 public:
  // Builds every export's stack through registry.  On any error (bad path,
  // duplicate path, id collision, a layer refusing its params) returns
  // nullptr and sets *error to a message that starts with the export's
  // origin.  previous: a table whose exports with an identical configuration
  // are shared rather than rebuilt (their layers keep their state).
  static std::shared_ptr<const ExportTable> Build(const std::vector<ExportConfig>& configs,
                                                  const LayerRegistry& registry, std::string* error,
                                                  const ExportTable* previous = nullptr);

  // base plus exports built elsewhere (attached at run time: `loopfs attach`).  nullptr
  // and *error if one's path or id is taken.
  static std::shared_ptr<const ExportTable> Merge(
      const ExportTable& base, const std::vector<std::shared_ptr<const Export>>& extra,
      std::string* error);

  // An empty table (serves nothing).
  ExportTable() = default;

  const Export* FindById(uint16_t id) const;
  // The export whose path is the longest prefix of mount_path (component
  // wise); *rest gets the remaining components.  nullptr if none.
  const Export* FindForMount(std::string_view mount_path, std::vector<std::string>* rest) const;
  // Exports in path order.
  std::vector<const Export*> List() const;
  size_t size() const { return by_id_.size(); }

  // The shared_ptr that owns an export, for callers that must keep it alive
  // past the table (e.g. a reload reusing it).
  std::shared_ptr<const Export> Share(uint16_t id) const;

 private:
  std::map<uint16_t, std::shared_ptr<const Export>> by_id_;
  std::map<std::string, uint16_t, std::less<>> by_path_;
};

// The current table; swapped atomically on reload.
class ExportTableHolder {
 public:
  ExportTableHolder() : table_(std::make_shared<const ExportTable>()) {}
  explicit ExportTableHolder(std::shared_ptr<const ExportTable> table)
      : table_(table ? std::move(table) : std::make_shared<const ExportTable>()) {}

  std::shared_ptr<const ExportTable> Get() const { return table_.load(std::memory_order_acquire); }
  // Ignores nullptr (a failed Build), so the old table keeps serving.
  void Swap(std::shared_ptr<const ExportTable> table) {
    if (table) table_.store(std::move(table), std::memory_order_release);
  }

 private:
  std::atomic<std::shared_ptr<const ExportTable>> table_;
};

// For `loopfs status`: one line per export, e.g.
//   "/data id=4660 fsid=0x6c6f6f7000001234 rw,root_squash,... layers=encrypt,posix"
struct ExportSummary {
  std::string path;
  uint16_t id = 0;
  uint64_t fsid = 0;
  std::string options;
  std::vector<std::string> layer_types;  // top first
};
std::vector<ExportSummary> SummarizeExports(const ExportTable& table);
std::string DescribeExports(const ExportTable& table);

}  // namespace loopfs::nfsd
