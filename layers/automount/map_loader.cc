#include "layers/automount/map_loader.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <system_error>
#include <unordered_map>

#include "layers/automount/mount_guard.h"

namespace loopfs::automount {

LookupResult LookupResult::Found(MapEntry entry) {
  LookupResult result;
  result.kind_ = Kind::kFound;
  result.entry_ = std::move(entry);
  return result;
}

LookupResult LookupResult::NotFound(std::string reason) {
  LookupResult result;
  result.kind_ = Kind::kNotFound;
  result.message_ = std::move(reason);
  return result;
}

LookupResult LookupResult::Error(std::string message) {
  LookupResult result;
  result.kind_ = Kind::kError;
  result.message_ = std::move(message);
  return result;
}

namespace {

std::string DirName(std::string_view path) {
  size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) return ".";
  if (slash == 0) return "/";
  return std::string(path.substr(0, slash));
}

// A parsed map file: exact keys in a hash table, the wildcard apart.
class FileMap final : public MapSource {
 public:
  FileMap(std::string path, std::vector<std::string> files, std::vector<RawEntry> entries)
      : path_(std::move(path)), files_(std::move(files)), entries_(std::move(entries)) {
    for (size_t i = 0; i < entries_.size(); ++i) {
      if (entries_[i].key == "*") {
        wildcard_ = i;
      } else {
        index_.emplace(entries_[i].key, i);
      }
    }
  }

  LookupResult Lookup(std::string_view key, const LookupContext& context) const override {
    if (!KeyProblem(key).empty()) return LookupResult::NotFound("not a valid key");
    const RawEntry* raw = nullptr;
    if (auto it = index_.find(std::string(key)); it != index_.end()) {
      raw = &entries_[it->second];
    } else if (wildcard_ != kNone) {
      raw = &entries_[wildcard_];
    } else {
      return LookupResult::NotFound();
    }
    MapEntry entry;
    std::string error;
    if (!ResolveEntry(*raw, key, context, DirName(raw->file), &entry, &error)) {
      return LookupResult::Error(error);
    }
    return LookupResult::Found(std::move(entry));
  }

  std::vector<std::string> List() const override {
    std::vector<std::string> keys;
    keys.reserve(index_.size());
    for (const auto& [key, index] : index_) keys.push_back(key);
    std::sort(keys.begin(), keys.end());
    return keys;
  }

  const std::string& path() const override { return path_; }
  const std::vector<std::string>& files() const override { return files_; }

 private:
  static constexpr size_t kNone = static_cast<size_t>(-1);
  const std::string path_;
  const std::vector<std::string> files_;
  const std::vector<RawEntry> entries_;  // first definitions only
  std::unordered_map<std::string, size_t> index_;
  size_t wildcard_ = kNone;
};

bool IsExecutable(const struct stat& st) { return (st.st_mode & 0111) != 0; }

MapError::Kind ErrorKind(PathCheck check) {
  switch (check) {
    case PathCheck::kUnderMount:
      return MapError::Kind::kRefused;
    case PathCheck::kLoop:
      return MapError::Kind::kLoop;
    case PathCheck::kOk:
    case PathCheck::kError:
      break;
  }
  return MapError::Kind::kIo;
}

// One load: the state shared by the recursive reads of a map and its includes.
class Loader {
 public:
  explicit Loader(const LoadOptions& options) : options_(options) {}

  // Reads `path` (named so in messages) and its includes; `chain` holds the resolved paths of
  // the files including it.  `via` is "FILE:LINE: " of the include line, or empty.
  std::vector<RawEntry> ReadFile(const std::string& path, std::vector<std::string>* chain,
                                 const std::string& via) {
    std::string resolved;
    std::string error;
    if (PathCheck check =
            ResolveOutsideMounts(path, options_.loopfs_mount_points, &resolved, &error);
        check != PathCheck::kOk) {
      Fail(ErrorKind(check), via + error);
      return {};
    }
    if (std::find(chain->begin(), chain->end(), resolved) != chain->end()) {
      std::string cycle;
      for (const std::string& file : *chain) cycle += file + " -> ";
      Fail(MapError::Kind::kLoop,
           fmt::format("{}include cycle (ELOOP): {}{}", via, cycle, resolved));
      return {};
    }
    if (chain->size() > static_cast<size_t>(kMaxIncludeDepth)) {
      Fail(MapError::Kind::kLoop,
           fmt::format("{}includes nested more than {} deep (ELOOP)", via, kMaxIncludeDepth));
      return {};
    }
    if (++files_read_ > kMaxIncludedFiles) {
      if (files_read_ == kMaxIncludedFiles + 1) {
        Fail(MapError::Kind::kInvalid,
             fmt::format("{}more than {} map files in one map: include fewer", via,
                         kMaxIncludedFiles));
      }
      return {};
    }
    std::string text;
    if (!ReadText(path, resolved, &text, via)) return {};
    if (std::find(files_.begin(), files_.end(), resolved) == files_.end()) {
      files_.push_back(resolved);
    }

    ParsedMapFile parsed = ParseMapText(text, path);
    for (std::string& message : parsed.errors) Fail(MapError::Kind::kInvalid, std::move(message));
    std::vector<RawEntry> entries;
    chain->push_back(resolved);
    for (auto& item : parsed.items) {
      if (auto* entry = std::get_if<RawEntry>(&item)) {
        entries.push_back(std::move(*entry));
        continue;
      }
      const auto& include = std::get<IncludeLine>(item);
      std::string target =
          include.path.starts_with('/') ? include.path : DirName(path) + "/" + include.path;
      std::vector<RawEntry> included = ReadFile(
          target, chain,
          fmt::format("{}:{}: cannot include {}: ", include.file, include.line, include.path));
      std::move(included.begin(), included.end(), std::back_inserter(entries));
    }
    chain->pop_back();
    ApplyDefaults(parsed.defaults, &entries);
    return entries;
  }

  void Fail(MapError::Kind kind, std::string message) {
    errors_.push_back(MapError{kind, std::move(message)});
  }

  std::vector<MapError>& errors() { return errors_; }
  std::vector<std::string>& files() { return files_; }

 private:
  bool ReadText(const std::string& path, const std::string& resolved, std::string* text,
                const std::string& via) {
    // O_NONBLOCK: a FIFO put where a map belongs must not hang the load.
    int fd = open(resolved.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW);
    if (fd < 0) {
      Fail(MapError::Kind::kIo,
           fmt::format("{}{}: {}", via, path, std::generic_category().message(errno)));
      return false;
    }
    struct stat st {};
    bool ok = fstat(fd, &st) == 0;
    if (ok && !S_ISREG(st.st_mode)) {
      Fail(MapError::Kind::kIo, fmt::format("{}{}: not a regular file", via, path));
      ok = false;
    } else if (ok && !via.empty() && IsExecutable(st)) {
      Fail(MapError::Kind::kInvalid,
           fmt::format("{}{} is executable: program maps cannot be included (chmod a-x it if "
                       "it is a map file)",
                       via, path));
      ok = false;
    } else if (ok && static_cast<uint64_t>(st.st_size) > kMaxMapFileBytes) {
      Fail(MapError::Kind::kInvalid, fmt::format("{}{}: {} bytes, at most {} are allowed", via,
                                                 path, st.st_size, kMaxMapFileBytes));
      ok = false;
    }
    char buffer[65536];
    while (ok) {
      ssize_t n = read(fd, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        Fail(MapError::Kind::kIo,
             fmt::format("{}{}: {}", via, path, std::generic_category().message(errno)));
        ok = false;
      } else if (n == 0) {
        break;
      } else if (text->size() + static_cast<size_t>(n) > kMaxMapFileBytes) {
        // It grew while we read.
        Fail(MapError::Kind::kInvalid,
             fmt::format("{}{}: more than {} bytes", via, path, kMaxMapFileBytes));
        ok = false;
      } else {
        text->append(buffer, static_cast<size_t>(n));
      }
    }
    close(fd);
    return ok;
  }

  const LoadOptions& options_;
  std::vector<MapError> errors_;
  std::vector<std::string> files_;
  size_t files_read_ = 0;
};

}  // namespace

LoadResult LoadMap(std::string_view path_view, const LoadOptions& options) {
  LoadResult result;
  const std::string path(path_view);
  std::string resolved;
  std::string error;
  if (PathCheck check = ResolveOutsideMounts(path, options.loopfs_mount_points, &resolved, &error);
      check != PathCheck::kOk) {
    result.errors.push_back(MapError{ErrorKind(check), error});
    return result;
  }
  if (std::find(options.enclosing_maps.begin(), options.enclosing_maps.end(), resolved) !=
      options.enclosing_maps.end()) {
    std::string cycle;
    for (const std::string& map : options.enclosing_maps) cycle += map + " -> ";
    result.errors.push_back(MapError{
        MapError::Kind::kLoop, fmt::format("nested map cycle (ELOOP): {}{}", cycle, resolved)});
    return result;
  }
  struct stat st {};
  if (stat(resolved.c_str(), &st) != 0) {
    result.errors.push_back(MapError{
        MapError::Kind::kIo, fmt::format("{}: {}", path, std::generic_category().message(errno))});
    return result;
  }
  if (S_ISREG(st.st_mode) && IsExecutable(st)) {
    result.files = {resolved};
    result.map = std::make_shared<ProgramMap>(resolved, options.program);
    return result;
  }

  Loader loader(options);
  std::vector<std::string> chain;
  std::vector<RawEntry> entries = loader.ReadFile(path, &chain, "");

  // First definition wins across files; within one file a repeat is a mistake.
  std::vector<RawEntry> kept;
  std::unordered_map<std::string, size_t> seen;
  for (RawEntry& entry : entries) {
    auto [it, inserted] = seen.emplace(entry.key, kept.size());
    if (!inserted) {
      const RawEntry& first = kept[it->second];
      if (first.file == entry.file) {
        loader.Fail(MapError::Kind::kInvalid,
                    fmt::format("{}: key '{}' is already defined at line {}: remove one",
                                entry.Origin(), entry.key, first.line));
      } else {
        result.warnings.push_back(fmt::format("{}: key '{}' ignored: {} defines it first",
                                              entry.Origin(), entry.key, first.Origin()));
      }
      continue;
    }
    if (kept.size() >= kMaxMapEntries) {
      loader.Fail(MapError::Kind::kInvalid,
                  fmt::format("{}: more than {} entries in the map and its includes",
                              entry.Origin(), kMaxMapEntries));
      break;
    }
    kept.push_back(std::move(entry));
  }
  for (const RawEntry& entry : kept) {
    if (loader.errors().size() > kMaxReportedErrors) break;
    if (!ValidateEntry(entry, DirName(entry.file), &error)) {
      loader.Fail(MapError::Kind::kInvalid, error);
    }
  }
  result.files = loader.files();
  if (!loader.errors().empty()) {
    result.errors = std::move(loader.errors());
    return result;
  }
  result.map = std::make_shared<FileMap>(resolved, std::move(loader.files()), std::move(kept));
  return result;
}

}  // namespace loopfs::automount
