// The MOUNT protocol's record of who mounted what (what DUMP reports).  It is
// advisory, as in every implementation: clients that crash never UMNT.  Kept
// in memory only and bounded, so a client that loops on MNT cannot grow it.
#pragma once

#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace loopfs::nfsd {

class MountList {
 public:
  static constexpr size_t kDefaultCapacity = 1024;
  explicit MountList(size_t capacity = kDefaultCapacity) : capacity_(capacity) {}

  // Records (host, path); a duplicate is kept once.  When full, the oldest
  // record is dropped.
  void Add(const std::string& host, const std::string& path);
  void Remove(const std::string& host, const std::string& path);
  void RemoveHost(const std::string& host);
  // (host, path) pairs, oldest first.
  std::vector<std::pair<std::string, std::string>> Snapshot() const;

 private:
  const size_t capacity_;
  mutable std::mutex mu_;
  std::vector<std::pair<std::string, std::string>> entries_;
};

}  // namespace loopfs::nfsd
