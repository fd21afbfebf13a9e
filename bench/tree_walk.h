// A full walk of an exported tree, as a client that lists and stats everything would do it:
// READDIRPLUS of every directory, then LOOKUP and GETATTR of every entry, with many calls in
// flight.  The memory benchmark uses it to make a server touch every object it exports.
#ifndef LOOPFS_BENCH_TREE_WALK_H_
#define LOOPFS_BENCH_TREE_WALK_H_

#include <cstdint>
#include <string>

#include "bench/file_handle.h"
#include "bench/nfs_session.h"

namespace loopfs::bench {

struct WalkStats {
  uint64_t directories = 0;  // directories listed to EOF
  uint64_t entries = 0;      // entries seen in listings, without "." and ".."
  uint64_t calls = 0;
  uint64_t errors = 0;       // replies other than NFS3_OK
  double seconds = 0;
};

struct WalkOptions {
  int depth = 16;  // calls in flight per connection
  Clock::duration time_limit = std::chrono::minutes(10);
  uint32_t dircount = 8192;
  uint32_t maxcount = 65536;
};

// Walks everything below `top`.  Returns false and sets *error on a transport failure or
// when the time limit passes.
bool WalkTree(NfsSession& session, const FileHandle& top, const WalkOptions& options,
              WalkStats* stats, std::string* error);

}  // namespace loopfs::bench

#endif  // LOOPFS_BENCH_TREE_WALK_H_
