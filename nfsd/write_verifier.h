// The NFSv3 write verifier (RFC 1813 section 3.3.7): random per server start,
// and changed whenever data a client was told is "unstable but received"
// may have been lost (a failed COMMIT or synchronous write), so that the
// client compares verifiers, sees the change and sends its writes again.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

namespace loopfs::nfsd {

using WriteVerf = std::array<uint8_t, 8>;

class WriteVerifier {
 public:
  WriteVerifier();  // random, from getrandom(2)

  WriteVerf Get() const;
  // A new value, different from every value handed out before.
  void Change();

 private:
  std::atomic<uint64_t> value_;
};

}  // namespace loopfs::nfsd
