// Trees the benchmarks run against, written straight to a local directory (normally a fresh
// tmpfs) so that every server under test gets a byte-identical copy.
//
// Host fixture:   small/f000..f999      empty files for GETATTR, LOOKUP, ACCESS
//                 dir10k/e00000..       10,000 empty files for READDIRPLUS
//                 read4k.dat, read1m.dat   data files for the READ tests
//                 scratch/              where WRITE and CREATE+REMOVE work
// Walk tree:      dNNNN/fNNNN           dirs × files empty files for the memory benchmark
#ifndef LOOPFS_BENCH_FIXTURE_TREE_H_
#define LOOPFS_BENCH_FIXTURE_TREE_H_

#include <cstdint>
#include <string>

namespace loopfs::bench {

inline constexpr char kFixtureSmallDir[] = "small";
inline constexpr int kFixtureSmallFiles = 1000;
inline constexpr char kFixtureBigDir[] = "dir10k";
inline constexpr char kFixtureScratchDir[] = "scratch";
inline constexpr char kFixtureSmallReadFile[] = "read4k.dat";
inline constexpr char kFixtureLargeReadFile[] = "read1m.dat";

std::string FixtureSmallName(int index);

struct HostFixtureOptions {
  uint64_t small_read_bytes = 64ULL << 20;
  uint64_t large_read_bytes = 256ULL << 20;
  int big_dir_entries = 10000;
};

// Creates the host fixture in `dir` (created if missing; existing entries are reused).
bool MakeHostFixture(const std::string& dir, const HostFixtureOptions& options,
                     std::string* error);

struct WalkTreeOptions {
  int dirs = 1000;
  int files_per_dir = 1000;
};

// Creates the walk tree in `dir`; *entries receives the number of directories plus files.
bool MakeWalkTree(const std::string& dir, const WalkTreeOptions& options, uint64_t* entries,
                  std::string* error);

}  // namespace loopfs::bench

#endif  // LOOPFS_BENCH_FIXTURE_TREE_H_
