#include "layers/automount/known_keys.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <system_error>

namespace loopfs::automount {

KnownKeys::KnownKeys(std::string file) : file_(std::move(file)) {
  std::ifstream in(file_);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) keys_.insert(line);
  }
}

std::set<std::string> KnownKeys::Keys() const {
  std::lock_guard lock(mutex_);
  return {keys_.begin(), keys_.end()};
}

void KnownKeys::Add(std::string_view key) {
  std::lock_guard lock(mutex_);
  if (keys_.contains(key)) return;
  keys_.emplace(key);
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(file_).parent_path(), ec);
  // O_APPEND keeps each line whole even if two layers ever shared the file.
  int fd = ::open(file_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  std::string line = std::string(key) + "\n";
  bool ok = fd >= 0 && ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  int err = errno;
  if (fd >= 0) ::close(fd);
  if (!ok && !warned_) {
    warned_ = true;
    spdlog::warn(
        "automount: cannot record key \"{}\" in {}: {}; handles of keys the map does not list "
        "will go stale on restart (set state = \"DIR\" to a writable directory)",
        key, file_, std::generic_category().message(err));
  }
}

}  // namespace loopfs::automount
