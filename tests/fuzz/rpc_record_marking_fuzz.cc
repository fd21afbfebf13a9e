// Feeds arbitrary bytes, cut into arbitrary reads, to the TCP record reader
// and checks its invariants: it never accepts a record over the limit, and
// records come out whole.
#include <cstdint>
#include <cstdlib>
#include <span>

#include "rpc/record_marking.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  // The first byte picks the read size (1..256), the second the limit.
  size_t chunk = size_t{data[0]} + 1;
  size_t limit = (size_t{data[1]} + 1) * 64;
  loopfs::rpc::RecordReader reader(limit);
  std::span<const uint8_t> rest(data + 2, size - 2);
  loopfs::rpc::ByteBuffer record;
  while (!rest.empty()) {
    if (auto direct = reader.DirectSpan(1); !direct.empty() && (data[0] & 1)) {
      size_t n = std::min(direct.size(), std::min(rest.size(), chunk));
      std::copy(rest.begin(), rest.begin() + n, direct.begin());
      reader.CommitDirect(n);
      rest = rest.subspan(n);
    } else {
      size_t n = std::min(rest.size(), chunk);
      size_t used = reader.Feed(rest.first(n));
      if (reader.state() != loopfs::rpc::RecordReader::State::kOk) break;
      if (used != n) abort();
      rest = rest.subspan(n);
    }
    while (reader.TakeRecord(&record)) {
      if (record.size() > limit) abort();
    }
  }
  return 0;
}
