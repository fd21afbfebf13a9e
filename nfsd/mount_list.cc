#include "nfsd/mount_list.h"

#include <algorithm>

namespace loopfs::nfsd {

void MountList::Add(const std::string& host, const std::string& path) {
  std::lock_guard lock(mu_);
  auto entry = std::make_pair(host, path);
  if (std::find(entries_.begin(), entries_.end(), entry) != entries_.end()) return;
  if (capacity_ == 0) return;
  if (entries_.size() >= capacity_) entries_.erase(entries_.begin());
  entries_.push_back(std::move(entry));
}

void MountList::Remove(const std::string& host, const std::string& path) {
  std::lock_guard lock(mu_);
  std::erase(entries_, std::make_pair(host, path));
}

void MountList::RemoveHost(const std::string& host) {
  std::lock_guard lock(mu_);
  std::erase_if(entries_, [&](const auto& e) { return e.first == host; });
}

std::vector<std::pair<std::string, std::string>> MountList::Snapshot() const {
  std::lock_guard lock(mu_);
  return entries_;
}

}  // namespace loopfs::nfsd
