// LoadMap(): reads an automount map, with its includes, into a MapSource.
//
// A map is loaded whole and never changes: on reload (inotify, SIGHUP) the layer calls
// LoadMap() again and, if that succeeds, swaps its std::shared_ptr<const MapSource>
// atomically; if it fails, it keeps the old map and logs the errors.  Lookups in flight keep
// the map they started with alive through their own shared_ptr copy.
//
// Two kinds of map, told apart by the file's mode:
//   - a map file (no execute bit): parsed once at load, with its includes (map_parser.h).
//     Includes are resolved relative to the directory of the including map as it was named
//     (not of its symlink target).  When a key is defined twice, in one file that is an
//     error; across includes the first definition wins (so local entries written before
//     "+auto.shared" override it) and a warning says so.  The same holds for '*'.
//   - a program map (any execute bit): run per lookup with the key as argv[1]
//     (program_map.h).  Program maps cannot be included.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "layers/automount/map_source.h"
#include "layers/automount/program_map.h"

namespace loopfs::automount {

struct MapError {
  enum class Kind {
    kInvalid,  // the map's text is wrong: message starts "FILE:LINE: "
    kLoop,     // include or nested-map cycle, or includes nested too deep (ELOOP)
    kRefused,  // the map lies under a loopfs mount point
    kIo,       // the file could not be read
  };
  Kind kind = Kind::kInvalid;
  std::string message;
};

// Includes nest at most this deep; at most this many files are read per load (a map that
// includes the same file twice reads it twice, so this bounds diamond-shaped include trees).
inline constexpr int kMaxIncludeDepth = 8;
inline constexpr size_t kMaxIncludedFiles = 256;

struct LoadOptions {
  // Mount points of loopfs itself (ReadLoopbackNfsMountPoints(), mount_guard.h): maps,
  // includes and map programs at or under them are refused.
  std::vector<std::string> loopfs_mount_points;
  // Resolved paths of the maps that contain this one through -fstype=auto entries, outermost
  // first: loading one of them again is a nested-map cycle (kLoop).
  std::vector<std::string> enclosing_maps;
  ProgramMapOptions program;
};

struct LoadResult {
  std::shared_ptr<const MapSource> map;  // null when errors is not empty
  std::vector<MapError> errors;          // every error found, not only the first
  std::vector<std::string> warnings;     // e.g. a key defined again in an included map
  // The resolved paths of every map file read, also when the load failed, so the layer can
  // watch them for the fix.
  std::vector<std::string> files;

  bool ok() const { return map != nullptr; }
};

// Loads the map at `path`.  A map file with any error yields no map at all, so a half-valid
// map is never served.
LoadResult LoadMap(std::string_view path, const LoadOptions& options);

}  // namespace loopfs::automount
