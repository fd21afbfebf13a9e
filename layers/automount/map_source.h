// MapSource: what the automount layer asks a map.  Maps come from LoadMap() (map_loader.h).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "layers/automount/map_entry.h"
#include "layers/automount/map_parser.h"

namespace loopfs::automount {

// The answer to one lookup.
class LookupResult {
 public:
  enum class Kind {
    kFound,     // entry() is the key's entry
    kNotFound,  // no such key (NFS3ERR_NOENT); message() may say why, for logs
    kError,     // the map could not answer (a program map that hung, printed garbage, ...):
                // message() says what, for logs and `loopfs automount status`
  };
  static LookupResult Found(MapEntry entry);
  static LookupResult NotFound(std::string reason = "");
  static LookupResult Error(std::string message);

  Kind kind() const { return kind_; }
  bool found() const { return kind_ == Kind::kFound; }
  const MapEntry& entry() const { return entry_; }
  const std::string& message() const { return message_; }

 private:
  Kind kind_ = Kind::kNotFound;
  MapEntry entry_;
  std::string message_;
};

class MapSource {
 public:
  virtual ~MapSource() = default;

  // The entry for `key`, with `context` substituted into ${...} variables.  Ignored names
  // (IsIgnoredKey()) and invalid keys are kNotFound without consulting the map.  Thread-safe;
  // a program map blocks only the calling thread, for at most its timeout plus a short grace.
  virtual LookupResult Lookup(std::string_view key, const LookupContext& context) const = 0;

  // The keys to show when the automount directory is listed (browse), sorted, without the
  // wildcard.  A program map lists nothing: its keys are unknown until asked.
  virtual std::vector<std::string> List() const = 0;

  // The map's path with symlinks resolved.
  virtual const std::string& path() const = 0;

  // Every file the map was read from (the map and its includes, resolved), for the layer to
  // watch for changes.
  virtual const std::vector<std::string>& files() const = 0;
};

}  // namespace loopfs::automount
