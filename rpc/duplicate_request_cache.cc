#include "rpc/duplicate_request_cache.h"

#include <netinet/in.h>

#include <algorithm>

namespace loopfs::rpc {
namespace {

constexpr size_t kChecksumPrefix = 256;

// FNV-1a, 64 bit: a checksum against XID collisions, not a defence against
// an adversary (who could simply send a new XID).
uint64_t Fnv1a(const void* data, size_t len, uint64_t h = 0xcbf29ce484222325ull) {
  const auto* p = static_cast<const uint8_t*>(data);
  for (size_t i = 0; i < len; ++i) {
    h ^= p[i];
    h *= 0x100000001b3ull;
  }
  return h;
}

uint64_t HashPeer(const Peer& peer) {
  uint64_t h = Fnv1a(&peer.addr.ss_family, sizeof(peer.addr.ss_family));
  if (peer.addr.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&peer.addr);
    h = Fnv1a(&in->sin_addr, sizeof(in->sin_addr), h);
  } else if (peer.addr.ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&peer.addr);
    h = Fnv1a(&in6->sin6_addr, sizeof(in6->sin6_addr), h);
  }
  return Fnv1a(&peer.port, sizeof(peer.port), h);
}

}  // namespace

DrcKey MakeDrcKey(const CallInfo& call, const Peer& peer, std::span<const uint8_t> args) {
  DrcKey key;
  key.xid = call.xid;
  key.prog = call.prog;
  key.vers = call.vers;
  key.proc = call.proc;
  key.client_hash = HashPeer(peer);
  key.args_length = static_cast<uint32_t>(args.size());
  key.args_checksum = Fnv1a(args.data(), std::min(args.size(), kChecksumPrefix));
  return key;
}

size_t DuplicateRequestCache::KeyHash::operator()(const DrcKey& k) const {
  uint64_t h = k.client_hash ^ (uint64_t{k.xid} * 0x9e3779b97f4a7c15ull);
  h ^= k.args_checksum + (uint64_t{k.proc} << 32) + k.prog + k.vers;
  return static_cast<size_t>(h);
}

DuplicateRequestCache::Outcome DuplicateRequestCache::Begin(const DrcKey& key,
                                                            ByteBuffer* reply) {
  auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mu_);
  auto it = index_.find(key);
  if (it != index_.end()) {
    Entry& e = *it->second;
    if (!e.done) {
      ++counters_.dropped_in_progress;
      return Outcome::kInProgress;
    }
    if (now - e.when <= limits_.max_age) {
      ++counters_.replays;
      *reply = e.reply;
      lru_.splice(lru_.begin(), lru_, it->second);
      return Outcome::kReplay;
    }
    bytes_ -= e.reply.size();
    lru_.erase(it->second);
    index_.erase(it);
  }
  lru_.push_front(Entry{key, false, {}, now});
  index_.emplace(key, lru_.begin());
  EvictLocked(now);
  return Outcome::kNew;
}

void DuplicateRequestCache::Finish(const DrcKey& key, const ByteBuffer& reply) {
  auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mu_);
  auto it = index_.find(key);
  if (it == index_.end()) return;
  Entry& e = *it->second;
  if (!e.done) {
    e.done = true;
    e.reply = reply;
    e.when = now;
    bytes_ += e.reply.size();
  }
  EvictLocked(now);
}

void DuplicateRequestCache::Abandon(const DrcKey& key) {
  std::lock_guard lock(mu_);
  auto it = index_.find(key);
  if (it == index_.end() || it->second->done) return;
  lru_.erase(it->second);
  index_.erase(it);
}

void DuplicateRequestCache::EvictLocked(std::chrono::steady_clock::time_point now) {
  // Walk from the oldest end; calls in progress stay wherever they are.
  auto it = lru_.end();
  while (it != lru_.begin()) {
    --it;
    bool over = index_.size() > limits_.max_entries || bytes_ > limits_.max_bytes;
    bool old = it->done && now - it->when > limits_.max_age;
    if (!over && !old) break;
    if (!it->done) continue;
    bytes_ -= it->reply.size();
    index_.erase(it->key);
    it = lru_.erase(it);
    ++counters_.evictions;
  }
}

DuplicateRequestCache::Counters DuplicateRequestCache::counters() const {
  std::lock_guard lock(mu_);
  Counters c = counters_;
  c.entries = index_.size();
  c.bytes = bytes_;
  return c;
}

}  // namespace loopfs::rpc
