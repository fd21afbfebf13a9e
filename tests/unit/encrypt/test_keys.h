// Shared fixtures for the encrypt unit tests: keys from fixed bytes (deterministic tests) and
// hex helpers.
#pragma once

#include <gtest/gtest.h>

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "layers/encrypt/openssl_backend.h"

namespace loopfs::encrypt::testing {

inline std::vector<uint8_t> Unhex(std::string_view hex) {
  std::vector<uint8_t> out;
  int nibble = -1;
  for (char c : hex) {
    int v;
    if (c >= '0' && c <= '9') {
      v = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      v = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      v = c - 'A' + 10;
    } else {
      continue;  // whitespace and newlines in pasted vectors
    }
    if (nibble < 0) {
      nibble = v;
    } else {
      out.push_back(static_cast<uint8_t>(nibble << 4 | v));
      nibble = -1;
    }
  }
  return out;
}

inline std::string Hex(const uint8_t* p, size_t len) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < len; i++) {
    out += kDigits[p[i] >> 4];
    out += kDigits[p[i] & 15];
  }
  return out;
}

// A key whose bytes are `fill`, fill+1, ...
inline std::unique_ptr<Aes256Key> KeyFrom(uint8_t fill) {
  std::array<uint8_t, 32> raw;
  for (size_t i = 0; i < raw.size(); i++) raw[i] = static_cast<uint8_t>(fill + i);
  auto key = Aes256Key::Create(raw);
  EXPECT_NE(key, nullptr);
  return key;
}

inline std::unique_ptr<Aes256Key> KeyFromBytes(const std::vector<uint8_t>& raw) {
  EXPECT_EQ(raw.size(), 32u);
  auto key = Aes256Key::Create(std::span<const uint8_t, 32>(raw.data(), 32));
  EXPECT_NE(key, nullptr);
  return key;
}

}  // namespace loopfs::encrypt::testing
