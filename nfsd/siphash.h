// SipHash-2-4 (Aumasson and Bernstein, "SipHash: a fast short-input PRF",
// 2012): the integrity tag of loopfs file handles (nfsd/file_handle.h).
#pragma once

#include <array>
#include <cstdint>
#include <span>

namespace loopfs::nfsd {

using SipHashKey = std::array<uint8_t, 16>;

// The 64-bit SipHash-2-4 of data under key, as the paper defines it (the
// key and the result read as little-endian words).
uint64_t SipHash24(const SipHashKey& key, std::span<const uint8_t> data);

}  // namespace loopfs::nfsd
