// ByteBuffer: a std::vector of bytes whose resize() does not zero the new
// bytes.  Record bodies and replies are resized and then immediately filled
// by read(2) or an XDR encoder, so zeroing them first would only burn memory
// bandwidth (a megabyte per WRITE or READ).
#pragma once

#include <cstdint>
#include <memory>
#include <new>
#include <vector>

namespace loopfs::rpc {

template <typename T>
class DefaultInitAllocator : public std::allocator<T> {
 public:
  template <typename U>
  struct rebind {
    using other = DefaultInitAllocator<U>;
  };
  using std::allocator<T>::allocator;

  template <typename U>
  void construct(U* p) noexcept {
    ::new (static_cast<void*>(p)) U;  // default-init: no zeroing for bytes
  }
  template <typename U, typename... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};

using ByteBuffer = std::vector<uint8_t, DefaultInitAllocator<uint8_t>>;

}  // namespace loopfs::rpc
