// Program maps: an executable map file is run for each lookup, as autofs runs program maps.
//
// The program gets the key as argv[1] and prints the entry without the key, in the map
// format ("-fstype=nfs server:/export/&"), which is parsed and substituted like a line of a
// map file.  Exit status nonzero or empty output means "no such key".
//
// How it is run, and why:
//   - posix_spawn(), never fork(): loopfsd is multithreaded, and only the spawn path is safe
//     there (glibc runs the child on a vfork-style stack, without malloc or locks).
//   - In a process group of its own, so a timeout kills everything it started (SIGTERM to the
//     group, then SIGKILL after a grace period).  When the program itself exits, whatever it
//     left running in its group is killed too: a lookup leaves no processes behind.
//   - stdin is /dev/null; stdout and stderr are pipes read with poll() until a deadline; other
//     descriptors are closed; signal mask and dispositions are reset.
//   - Environment: only PATH=/usr/sbin:/usr/bin:/sbin:/bin, LC_ALL=C, HOME=/, and
//     LOOPFS_MAP (the map's path), LOOPFS_KEY, LOOPFS_UID, LOOPFS_GID, LOOPFS_USER,
//     LOOPFS_GROUP, LOOPFS_HOME, LOOPFS_HOST (the lookup's context, as the ${...} variables).
//   - Output beyond max_output bytes is an error ("output too large"), not truncated.
//   - The exit status is collected with waitpid(pid): a server that ignores SIGCHLD or reaps
//     every child elsewhere makes every lookup fail, with a message saying so.
//
// Results are cached per (key, context): failures (not found and errors) for failure_ttl so a
// missing key costs one run per interval, successes for success_ttl (default: not cached,
// the layer keeps attached entries itself).  Concurrent lookups of one key may each run the
// program; the layer attaches a key once and so asks once.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "layers/automount/map_source.h"

namespace loopfs::automount {

struct ProgramMapOptions {
  std::chrono::milliseconds timeout{10'000};
  std::chrono::milliseconds kill_grace{500};  // between SIGTERM and SIGKILL
  size_t max_output = 64 * 1024;
  std::chrono::milliseconds failure_ttl{10'000};
  std::chrono::milliseconds success_ttl{0};  // 0: successes are not cached
  size_t max_cache_entries = 4096;
};

// The outcome of running a program once.
struct ProgramRun {
  enum class Outcome { kExited, kSignaled, kTimedOut, kOutputTooLarge, kFailed };
  Outcome outcome = Outcome::kFailed;
  int exit_status = 0;  // kExited
  int signal = 0;       // kSignaled
  std::string output;   // stdout (up to max_output bytes)
  std::string errors;   // the start of stderr, for messages
  std::string failure;  // kFailed: why it could not be run
};

// Runs `program` with `args` (argv[1...]) and exactly `environment` ("NAME=value" each), as
// described above.  Blocks the caller for at most timeout + kill_grace (plus the time the
// kernel takes to deliver SIGKILL).
ProgramRun RunMapProgram(const std::string& program, const std::vector<std::string>& args,
                         const std::vector<std::string>& environment,
                         const ProgramMapOptions& options);

class ProgramMap final : public MapSource {
 public:
  // `path` is the resolved path of the executable.
  ProgramMap(std::string path, ProgramMapOptions options);

  LookupResult Lookup(std::string_view key, const LookupContext& context) const override;
  std::vector<std::string> List() const override { return {}; }
  const std::string& path() const override { return path_; }
  const std::vector<std::string>& files() const override { return files_; }

 private:
  LookupResult Run(std::string_view key, const LookupContext& context) const;

  struct Cached {
    LookupResult result;
    std::chrono::steady_clock::time_point expires;
  };

  const std::string path_;
  const std::vector<std::string> files_;
  const ProgramMapOptions options_;
  mutable std::mutex mutex_;
  mutable std::unordered_map<std::string, Cached> cache_;  // guarded by mutex_
};

}  // namespace loopfs::automount
