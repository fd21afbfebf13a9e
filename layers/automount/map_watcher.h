// MapWatcher: calls back when one of a map's files changes, through inotify.
//
// The directories holding the files are watched, not the files: editors and configuration
// tools replace a file by renaming a new one over it, which a watch on the old inode would
// miss.  Events for other names in those directories are ignored.  A burst of events (an
// editor writing a file in several steps) yields one callback, after a short quiet period.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace loopfs::automount {

class MapWatcher {
 public:
  // `on_change` runs on the watcher's thread.
  explicit MapWatcher(std::function<void()> on_change,
                      std::chrono::milliseconds quiet = std::chrono::milliseconds(100));
  ~MapWatcher();
  MapWatcher(const MapWatcher&) = delete;
  MapWatcher& operator=(const MapWatcher&) = delete;

  // Watches exactly these files from now on (absolute paths).  False (logged) if inotify is
  // unavailable; the map then reloads only through Reload().
  bool Watch(const std::vector<std::string>& files);

 private:
  void Run();

  std::function<void()> on_change_;
  const std::chrono::milliseconds quiet_;
  int inotify_fd_ = -1;
  int stop_fd_ = -1;  // eventfd that ends Run()
  std::mutex mutex_;
  std::set<std::string> files_;  // guarded by mutex_
  std::vector<int> watches_;     // guarded by mutex_
  std::thread thread_;
};

}  // namespace loopfs::automount
