// A bounded, sharded LRU map: the posix layer's caches of open fds, the encrypt layer's
// directory IVs.
//
// Shards (each with its own mutex) keep worker threads that touch different
// handles from serialising on one lock; within a shard the least recently
// used entry goes first when the shard is full.  Values are shared_ptrs, so
// an entry evicted while a call still uses it lives until that call is done.
#pragma once

#include <array>
#include <cstddef>
#include <functional>
#include <list>
#include <mutex>
#include <unordered_map>
#include <utility>

namespace loopfs {

template <typename Key, typename Value, typename Hash = std::hash<Key>, size_t kShards = 16>
class ShardedLruCache {
 public:
  explicit ShardedLruCache(size_t capacity)
      : per_shard_(capacity / kShards > 0 ? capacity / kShards : 1) {}

  // Returns the value (and marks it most recently used), or a default Value.
  Value Find(const Key& key) {
    Shard& s = ShardFor(key);
    std::lock_guard lock(s.mu);
    auto it = s.index.find(key);
    if (it == s.index.end()) return Value();
    s.order.splice(s.order.begin(), s.order, it->second);
    return it->second->second;
  }

  // Inserts or replaces.  The evicted value (if any) is destroyed outside
  // the lock, since destroying an fd closes it.
  void Insert(const Key& key, Value value) {
    Value evicted;
    Shard& s = ShardFor(key);
    {
      std::lock_guard lock(s.mu);
      auto it = s.index.find(key);
      if (it != s.index.end()) {
        evicted = std::exchange(it->second->second, std::move(value));
        s.order.splice(s.order.begin(), s.order, it->second);
        return;
      }
      s.order.emplace_front(key, std::move(value));
      s.index.emplace(key, s.order.begin());
      if (s.order.size() > per_shard_) {
        evicted = std::move(s.order.back().second);
        s.index.erase(s.order.back().first);
        s.order.pop_back();
      }
    }
  }

  // Removes key; returns whether it was there.
  bool Erase(const Key& key) {
    Value evicted;
    Shard& s = ShardFor(key);
    std::lock_guard lock(s.mu);
    auto it = s.index.find(key);
    if (it == s.index.end()) return false;
    evicted = std::move(it->second->second);
    s.order.erase(it->second);
    s.index.erase(it);
    return true;
  }

  size_t Size() {
    size_t n = 0;
    for (Shard& s : shards_) {
      std::lock_guard lock(s.mu);
      n += s.order.size();
    }
    return n;
  }

 private:
  using Entry = std::pair<Key, Value>;
  struct Shard {
    std::mutex mu;
    std::list<Entry> order;  // most recently used first
    std::unordered_map<Key, typename std::list<Entry>::iterator, Hash> index;
  };

  Shard& ShardFor(const Key& key) { return shards_[Hash()(key) % kShards]; }

  size_t per_shard_;
  std::array<Shard, kShards> shards_;
};

}  // namespace loopfs
