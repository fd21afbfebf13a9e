#include "tests/support/xdr_codec.h"

namespace loopfs::testing {
namespace {

size_t Pad4(size_t n) { return (4 - (n % 4)) % 4; }

}  // namespace

XdrEncoder& XdrEncoder::U32(uint32_t v) {
  buf_.push_back(static_cast<uint8_t>(v >> 24));
  buf_.push_back(static_cast<uint8_t>(v >> 16));
  buf_.push_back(static_cast<uint8_t>(v >> 8));
  buf_.push_back(static_cast<uint8_t>(v));
  return *this;
}

XdrEncoder& XdrEncoder::U64(uint64_t v) {
  U32(static_cast<uint32_t>(v >> 32));
  return U32(static_cast<uint32_t>(v));
}

XdrEncoder& XdrEncoder::Opaque(std::span<const uint8_t> data) {
  U32(static_cast<uint32_t>(data.size()));
  return Fixed(data);
}

XdrEncoder& XdrEncoder::String(std::string_view s) {
  return Opaque({reinterpret_cast<const uint8_t*>(s.data()), s.size()});
}

XdrEncoder& XdrEncoder::Fixed(std::span<const uint8_t> data) {
  buf_.insert(buf_.end(), data.begin(), data.end());
  buf_.insert(buf_.end(), Pad4(data.size()), 0);
  return *this;
}

XdrEncoder& XdrEncoder::Raw(std::span<const uint8_t> data) {
  buf_.insert(buf_.end(), data.begin(), data.end());
  return *this;
}

bool XdrDecoder::U32(uint32_t* v) {
  if (!ok_ || remaining() < 4) return ok_ = false;
  const uint8_t* p = data_.data() + pos_;
  *v = (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
  pos_ += 4;
  return true;
}

bool XdrDecoder::U64(uint64_t* v) {
  uint32_t hi = 0, lo = 0;
  if (!U32(&hi) || !U32(&lo)) return false;
  *v = (uint64_t{hi} << 32) | lo;
  return true;
}

bool XdrDecoder::Fixed(size_t n, Bytes* out) {
  if (!ok_ || remaining() < n + Pad4(n)) return ok_ = false;
  out->assign(data_.begin() + static_cast<ptrdiff_t>(pos_),
              data_.begin() + static_cast<ptrdiff_t>(pos_ + n));
  pos_ += n + Pad4(n);
  return true;
}

bool XdrDecoder::Opaque(Bytes* out, uint32_t max) {
  uint32_t n = 0;
  if (!U32(&n)) return false;
  if (n > max) return ok_ = false;
  return Fixed(n, out);
}

bool XdrDecoder::String(std::string* out, uint32_t max) {
  Bytes b;
  if (!Opaque(&b, max)) return false;
  out->assign(b.begin(), b.end());
  return true;
}

bool XdrDecoder::Skip(size_t n) {
  if (!ok_ || remaining() < n) return ok_ = false;
  pos_ += n;
  return true;
}

}  // namespace loopfs::testing
