#include "nfsd/write_verifier.h"

#include <sys/random.h>

#include <chrono>

namespace loopfs::nfsd {
namespace {

uint64_t RandomValue() {
  uint64_t v = 0;
  if (getrandom(&v, sizeof v, GRND_NONBLOCK) != static_cast<ssize_t>(sizeof v)) {
    // Without entropy yet, the start time still differs between starts,
    // which is all a verifier must do.
    v = static_cast<uint64_t>(std::chrono::system_clock::now().time_since_epoch().count());
  }
  return v;
}

}  // namespace

WriteVerifier::WriteVerifier() : value_(RandomValue()) {}

WriteVerf WriteVerifier::Get() const {
  const uint64_t v = value_.load(std::memory_order_relaxed);
  WriteVerf out;
  for (int i = 0; i < 8; ++i) out[i] = static_cast<uint8_t>(v >> (56 - 8 * i));
  return out;
}

void WriteVerifier::Change() {
  // Adding an odd constant walks through all 2^64 values before repeating.
  value_.fetch_add(0x9e3779b97f4a7c15ULL, std::memory_order_relaxed);
}

}  // namespace loopfs::nfsd
