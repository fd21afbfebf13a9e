// The exports loopfsd serves: those of its configuration, rebuilt on SIGHUP, plus those
// attached at run time over the control socket (`loopfs attach`, CFS's cattach), which a
// reload keeps.  Every change builds a new table and swaps it in whole, so calls in flight
// finish on the table they started with, and a detached export's layers (and keys) go
// away when its last call does.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "layers/registry.h"
#include "nfsd/export.h"

namespace loopfs::daemon {

class RuntimeExports {
 public:
  explicit RuntimeExports(std::shared_ptr<nfsd::ExportTableHolder> holder)
      : holder_(std::move(holder)) {}

  std::shared_ptr<nfsd::ExportTableHolder> holder() const { return holder_; }

  // Replaces the configured exports (start-up and SIGHUP), keeping unchanged stacks and
  // every attached export.  False and *error leave the current table serving.
  bool Reload(const std::vector<nfsd::ExportConfig>& configs, const LayerRegistry& registry,
              std::string* error);

  // Serves `stack` as export `path` with `options`; `layers` describes the stack for
  // `loopfs status` (no secrets in it).  False if the path is invalid or taken.
  bool Attach(const std::string& path, const nfsd::ExportOptions& options,
              std::unique_ptr<Layer> stack, std::vector<LayerParams> layers,
              const std::string& origin, std::string* error);
  // Stops serving an attached export.  Configured exports cannot be detached (edit the
  // configuration and reload instead).
  bool Detach(const std::string& path, std::string* error);

 private:
  // Builds base + attached and swaps it in; mu_ held.
  bool Publish(const nfsd::ExportTable& base, std::string* error);

  std::mutex mu_;
  std::shared_ptr<nfsd::ExportTableHolder> holder_;
  std::shared_ptr<const nfsd::ExportTable> configured_ = std::make_shared<nfsd::ExportTable>();
  std::map<std::string, std::shared_ptr<const nfsd::Export>> attached_;
};

}  // namespace loopfs::daemon
