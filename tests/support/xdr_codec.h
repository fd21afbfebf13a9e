// A minimal hand-written XDR (RFC 4506) encoder and decoder for tests.
//
// Tests build calls byte by byte so they can also build wrong ones (bad
// lengths, truncated bodies, unknown flavours); libtirpc's XDR routines would
// refuse to produce them.  Nothing here depends on the server's code.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace loopfs::testing {

using Bytes = std::vector<uint8_t>;

class XdrEncoder {
 public:
  XdrEncoder& U32(uint32_t v);
  XdrEncoder& U64(uint64_t v);
  XdrEncoder& Bool(bool v) { return U32(v ? 1 : 0); }
  // opaque<> / string<>: length word, bytes, zero padding to 4.
  XdrEncoder& Opaque(std::span<const uint8_t> data);
  XdrEncoder& String(std::string_view s);
  // opaque[n]: bytes and padding, no length word.
  XdrEncoder& Fixed(std::span<const uint8_t> data);
  // Raw bytes appended as they are (for deliberately malformed bodies).
  XdrEncoder& Raw(std::span<const uint8_t> data);

  const Bytes& bytes() const { return buf_; }
  Bytes Take() { return std::move(buf_); }

 private:
  Bytes buf_;
};

// Every getter returns false once the input runs out (and stays false), so a
// test can decode a whole structure and check ok() once.
class XdrDecoder {
 public:
  explicit XdrDecoder(std::span<const uint8_t> data) : data_(data) {}

  bool U32(uint32_t* v);
  bool U64(uint64_t* v);
  bool Opaque(Bytes* out, uint32_t max = UINT32_MAX);
  bool String(std::string* out, uint32_t max = UINT32_MAX);
  bool Fixed(size_t n, Bytes* out);
  bool Skip(size_t n);

  bool ok() const { return ok_; }
  size_t remaining() const { return data_.size() - pos_; }
  std::span<const uint8_t> rest() const { return data_.subspan(pos_); }

 private:
  std::span<const uint8_t> data_;
  size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace loopfs::testing
