#include "layers/automount/map_watcher.h"

#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <filesystem>
#include <system_error>

namespace loopfs::automount {

namespace {
constexpr uint32_t kDirEvents =
    IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE | IN_ATTRIB;
}

MapWatcher::MapWatcher(std::function<void()> on_change, std::chrono::milliseconds quiet)
    : on_change_(std::move(on_change)), quiet_(quiet) {
  inotify_fd_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  stop_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (inotify_fd_ < 0 || stop_fd_ < 0) {
    spdlog::warn("automount: inotify unavailable ({}); maps reload only on SIGHUP",
                 std::generic_category().message(errno));
    return;
  }
  thread_ = std::thread(&MapWatcher::Run, this);
}

MapWatcher::~MapWatcher() {
  if (thread_.joinable()) {
    uint64_t one = 1;
    [[maybe_unused]] ssize_t n = ::write(stop_fd_, &one, sizeof(one));
    thread_.join();
  }
  if (inotify_fd_ >= 0) ::close(inotify_fd_);
  if (stop_fd_ >= 0) ::close(stop_fd_);
}

bool MapWatcher::Watch(const std::vector<std::string>& files) {
  if (inotify_fd_ < 0) return false;
  std::lock_guard lock(mutex_);
  for (int wd : watches_) inotify_rm_watch(inotify_fd_, wd);
  watches_.clear();
  files_ = {files.begin(), files.end()};
  std::set<std::string> dirs;
  for (const std::string& f : files) dirs.insert(std::filesystem::path(f).parent_path());
  bool ok = true;
  for (const std::string& d : dirs) {
    int wd = inotify_add_watch(inotify_fd_, d.c_str(), kDirEvents);
    if (wd < 0) {
      spdlog::warn("automount: cannot watch {} for map changes: {}", d,
                   std::generic_category().message(errno));
      ok = false;
      continue;
    }
    watches_.push_back(wd);
  }
  return ok;
}

void MapWatcher::Run() {
  std::array<pollfd, 2> fds{pollfd{inotify_fd_, POLLIN, 0}, pollfd{stop_fd_, POLLIN, 0}};
  bool pending = false;
  alignas(inotify_event) std::array<char, 8192> buf;
  for (;;) {
    int timeout = pending ? static_cast<int>(quiet_.count()) : -1;
    int n = poll(fds.data(), fds.size(), timeout);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      spdlog::error("automount: map watcher stops: poll: {}",
                    std::generic_category().message(errno));
      return;
    }
    if (fds[1].revents != 0) return;
    if (n == 0) {  // quiet period over
      pending = false;
      on_change_();
      continue;
    }
    ssize_t len;
    while ((len = ::read(inotify_fd_, buf.data(), buf.size())) > 0) {
      std::lock_guard lock(mutex_);
      for (ssize_t off = 0; off < len;) {
        const auto* ev = reinterpret_cast<const inotify_event*>(buf.data() + off);
        off += static_cast<ssize_t>(sizeof(inotify_event) + ev->len);
        if (ev->len == 0) continue;
        // Which directory: match by name against every watched file; a name that is one of
        // them in any watched directory is close enough (a spurious reload is harmless).
        std::string_view name(ev->name);
        for (const std::string& f : files_) {
          if (std::filesystem::path(f).filename() == name) pending = true;
        }
      }
    }
  }
}

}  // namespace loopfs::automount
