// Iterating over the entries of a decoded READDIRPLUS reply.
//
// libnfs 4.0 decodes the entry list into a byte arena inside the reply without aligning
// each entryplus3 (UBSan reports the 4-byte-aligned structs), so entries are copied into an
// aligned local before any field is read.
#ifndef LOOPFS_BENCH_READDIRPLUS_ENTRIES_H_
#define LOOPFS_BENCH_READDIRPLUS_ENTRIES_H_

#include <nfsc/libnfs.h>
#include <nfsc/libnfs-raw.h>
#include <nfsc/libnfs-raw-nfs.h>

#include <cstring>

namespace loopfs::bench {

// Calls visit(const entryplus3&) for every entry, in order.
template <typename Visit>
void ForEachEntry(const entryplus3* first, Visit&& visit) {
  const void* next = first;
  while (next != nullptr) {
    entryplus3 entry;
    std::memcpy(&entry, next, sizeof(entry));
    visit(static_cast<const entryplus3&>(entry));
    next = entry.nextentry;
  }
}

}  // namespace loopfs::bench

#endif  // LOOPFS_BENCH_READDIRPLUS_ENTRIES_H_
