// A pool of byte buffers for call records and replies.
//
// A 1 MiB READ reply or WRITE record allocated fresh per call costs an mmap,
// a page fault per 4 KiB and an munmap (malloc hands allocations this large
// to mmap): the profile of the first benchmark showed that as much time as
// the copies themselves.  Buffers return here after use and keep their
// capacity.  Bounded in count and in the capacity kept, so a burst of large
// calls does not pin memory forever.
#pragma once

#include <mutex>
#include <vector>

#include "rpc/byte_buffer.h"

namespace loopfs::rpc {

class BufferPool {
 public:
  explicit BufferPool(size_t max_buffers = 16, size_t max_capacity = 2u << 20)
      : max_buffers_(max_buffers), max_capacity_(max_capacity) {}

  // An empty buffer, with capacity left from earlier use when there is one.
  ByteBuffer Take() {
    std::lock_guard lock(mu_);
    if (free_.empty()) return {};
    ByteBuffer b = std::move(free_.back());
    free_.pop_back();
    return b;
  }

  void Give(ByteBuffer&& b) {
    if (b.capacity() == 0 || b.capacity() > max_capacity_) return;
    b.clear();
    std::lock_guard lock(mu_);
    if (free_.size() < max_buffers_) free_.push_back(std::move(b));
  }

  size_t size() const {
    std::lock_guard lock(mu_);
    return free_.size();
  }

 private:
  const size_t max_buffers_;
  const size_t max_capacity_;
  mutable std::mutex mu_;
  std::vector<ByteBuffer> free_;
};

}  // namespace loopfs::rpc
