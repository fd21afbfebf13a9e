// XDR helpers for the nfsd tests: encode to bytes, decode from bytes, and
// the round-trip check (encode, decode, encode again: same bytes; every
// strict prefix refused).
#pragma once

#include <gtest/gtest.h>
#include <rpc/xdr.h>

#include <cstdint>
#include <cstring>
#include <vector>

namespace loopfs::nfsd::testing {

template <typename T>
std::vector<uint8_t> XdrEncode(bool_t (*fn)(XDR*, T*), T* value, size_t room = 1 << 16) {
  std::vector<uint8_t> buf(room);
  XDR x;
  xdrmem_create(&x, reinterpret_cast<char*>(buf.data()), static_cast<u_int>(buf.size()),
                XDR_ENCODE);
  if (!fn(&x, value))
    buf.clear();
  else
    buf.resize(xdr_getpos(&x));
  xdr_destroy(&x);
  return buf;
}

// Decodes bytes into *out (which the caller frees with XdrFree); returns
// false unless decoding succeeded and used every byte.
template <typename T>
bool XdrDecode(bool_t (*fn)(XDR*, T*), const std::vector<uint8_t>& bytes, T* out,
               size_t len = SIZE_MAX) {
  if (len > bytes.size()) len = bytes.size();
  XDR x;
  xdrmem_create(&x, reinterpret_cast<char*>(const_cast<uint8_t*>(bytes.data())),
                static_cast<u_int>(len), XDR_DECODE);
  bool ok = fn(&x, out) && xdr_getpos(&x) == len;
  xdr_destroy(&x);
  return ok;
}

// Stores any 32-bit value in an rpcgen enum field, as a hostile peer's
// bytes would decode; assigning an out-of-range value through the C++ enum
// type would be undefined behaviour.
template <typename E>
void SetRawEnum(E* field, uint32_t value) {
  static_assert(sizeof(E) == sizeof(uint32_t));
  std::memcpy(field, &value, sizeof value);
}

template <typename T>
void XdrFree(bool_t (*fn)(XDR*, T*), T* value) {
  xdr_free(reinterpret_cast<xdrproc_t>(fn), reinterpret_cast<char*>(value));
}

template <typename T>
void ExpectRoundTrip(bool_t (*fn)(XDR*, T*), T* value, const char* what) {
  SCOPED_TRACE(what);
  std::vector<uint8_t> first = XdrEncode(fn, value);
  ASSERT_FALSE(first.empty()) << "did not encode";
  ASSERT_EQ(first.size() % 4, 0u);
  T decoded{};
  ASSERT_TRUE(XdrDecode(fn, first, &decoded)) << "did not decode";
  std::vector<uint8_t> second = XdrEncode(fn, &decoded);
  XdrFree(fn, &decoded);
  EXPECT_EQ(first, second) << "decode then encode changed the bytes";
  for (size_t len = 0; len < first.size(); ++len) {
    T partial{};
    XDR x;
    xdrmem_create(&x, reinterpret_cast<char*>(first.data()), static_cast<u_int>(len), XDR_DECODE);
    EXPECT_FALSE(fn(&x, &partial)) << "a prefix of " << len << " bytes decoded";
    xdr_destroy(&x);
    XdrFree(fn, &partial);
  }
}

}  // namespace loopfs::nfsd::testing
