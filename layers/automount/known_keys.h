// KnownKeys: the keys an automount layer has answered that its map does not list (wildcard
// matches, program-map keys), kept in a small file so that a handle naming such a key can be
// traced back to the key after a restart (handles carry only a hash of the key).
//
// The file holds one key per line (keys never contain control characters); it only grows,
// and is appended to at most once per key.  Losing it costs ESTALE for handles of unlisted keys
// issued before the loss, nothing else.
#pragma once

#include <mutex>
#include <set>
#include <string>
#include <string_view>

namespace loopfs::automount {

class KnownKeys {
 public:
  // `file` may not exist yet; its directory is created on the first Add().
  explicit KnownKeys(std::string file);

  // The keys in the file (read at construction and since added).
  std::set<std::string> Keys() const;
  // Appends `key` unless already known.  A write failure is logged once and otherwise
  // ignored: the entry still works, only its handles will not survive a restart.
  void Add(std::string_view key);

  const std::string& file() const { return file_; }

 private:
  const std::string file_;
  mutable std::mutex mutex_;
  std::set<std::string, std::less<>> keys_;  // guarded by mutex_
  bool warned_ = false;                      // guarded by mutex_
};

}  // namespace loopfs::automount
