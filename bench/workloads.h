// The measured workloads of the host benchmark, one factory per kind of traffic.
#ifndef LOOPFS_BENCH_WORKLOADS_H_
#define LOOPFS_BENCH_WORKLOADS_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bench/file_handle.h"
#include "bench/workload.h"

namespace loopfs::bench {

// GETATTR of the objects in turn.
std::unique_ptr<Workload> MakeGetattrWorkload(std::vector<FileHandle> objects);
// LOOKUP of the names in `dir` in turn.
std::unique_ptr<Workload> MakeLookupWorkload(FileHandle dir, std::vector<std::string> names);
// ACCESS (all six bits of RFC 1813 §3.3.4) of the objects in turn.
std::unique_ptr<Workload> MakeAccessWorkload(std::vector<FileHandle> objects);

// READ of `count` bytes at block-aligned offsets of a file of `file_size` bytes: uniformly
// random offsets, or one sequential cursor shared by all slots that wraps at the end.
std::unique_ptr<Workload> MakeReadWorkload(FileHandle file, uint64_t file_size, uint32_t count,
                                           bool random_offsets);
// UNSTABLE WRITE of `count` bytes, sequentially through `region` bytes of one file per
// connection, with a COMMIT of that file after every `commit_every` bytes and at the end.
std::unique_ptr<Workload> MakeWriteWorkload(std::vector<FileHandle> files, uint32_t count,
                                            uint64_t region, uint64_t commit_every);

// CREATE of a fresh name in `dir`, then REMOVE of it; a unit is the pair.
std::unique_ptr<Workload> MakeCreateRemoveWorkload(FileHandle dir, std::string prefix);
// Full listings of `dir` with chained READDIRPLUS calls; a unit is one listing.
std::unique_ptr<Workload> MakeReaddirplusWorkload(FileHandle dir, uint32_t dircount,
                                                  uint32_t maxcount);

}  // namespace loopfs::bench

#endif  // LOOPFS_BENCH_WORKLOADS_H_
