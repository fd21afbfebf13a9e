#include "rpc/duplicate_request_cache.h"

#include <gtest/gtest.h>
#include <netinet/in.h>

#include <cstring>

namespace loopfs::rpc {
namespace {

Peer PeerAt(uint16_t port) {
  Peer p;
  auto* in = reinterpret_cast<sockaddr_in*>(&p.addr);
  in->sin_family = AF_INET;
  in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  p.port = port;
  return p;
}

DrcKey Key(uint32_t xid, uint16_t port = 800, std::vector<uint8_t> args = {1, 2, 3, 4}) {
  CallInfo call;
  call.xid = xid;
  call.prog = 100003;
  call.vers = 3;
  call.proc = 12;
  return MakeDrcKey(call, PeerAt(port), args);
}

ByteBuffer Reply(uint8_t fill, size_t n = 64) { return ByteBuffer(n, fill); }

TEST(DuplicateRequestCache, ReplaysTheOriginalReply) {
  DuplicateRequestCache drc;
  ByteBuffer out;
  ASSERT_EQ(drc.Begin(Key(1), &out), DuplicateRequestCache::Outcome::kNew);
  EXPECT_EQ(drc.Begin(Key(1), &out), DuplicateRequestCache::Outcome::kInProgress);
  drc.Finish(Key(1), Reply(7));
  ASSERT_EQ(drc.Begin(Key(1), &out), DuplicateRequestCache::Outcome::kReplay);
  EXPECT_EQ(out, Reply(7));
  EXPECT_EQ(drc.counters().replays, 1u);
  EXPECT_EQ(drc.counters().dropped_in_progress, 1u);
}

TEST(DuplicateRequestCache, DistinguishesClientPortAndArguments) {
  DuplicateRequestCache drc;
  ByteBuffer out;
  ASSERT_EQ(drc.Begin(Key(1), &out), DuplicateRequestCache::Outcome::kNew);
  drc.Finish(Key(1), Reply(1));
  EXPECT_EQ(drc.Begin(Key(1, 801), &out), DuplicateRequestCache::Outcome::kNew);
  EXPECT_EQ(drc.Begin(Key(1, 800, {9, 9, 9, 9}), &out), DuplicateRequestCache::Outcome::kNew);
  EXPECT_EQ(drc.Begin(Key(2), &out), DuplicateRequestCache::Outcome::kNew);
}

TEST(DuplicateRequestCache, AbandonForgetsACallInProgress) {
  DuplicateRequestCache drc;
  ByteBuffer out;
  ASSERT_EQ(drc.Begin(Key(1), &out), DuplicateRequestCache::Outcome::kNew);
  drc.Abandon(Key(1));
  EXPECT_EQ(drc.Begin(Key(1), &out), DuplicateRequestCache::Outcome::kNew);
}

TEST(DuplicateRequestCache, BoundedByEntriesAndBytes) {
  DuplicateRequestCache::Limits limits;
  limits.max_entries = 100;
  limits.max_bytes = 100 * 64;
  DuplicateRequestCache drc(limits);
  ByteBuffer out;
  for (uint32_t x = 0; x < 1000; ++x) {
    ASSERT_EQ(drc.Begin(Key(x), &out), DuplicateRequestCache::Outcome::kNew);
    drc.Finish(Key(x), Reply(static_cast<uint8_t>(x)));
  }
  auto c = drc.counters();
  EXPECT_LE(c.entries, 100u);
  EXPECT_LE(c.bytes, 100u * 64);
  EXPECT_GT(c.evictions, 0u);
  // The newest are still there, the oldest are gone.
  EXPECT_EQ(drc.Begin(Key(999), &out), DuplicateRequestCache::Outcome::kReplay);
  EXPECT_EQ(drc.Begin(Key(0), &out), DuplicateRequestCache::Outcome::kNew);
}

TEST(DuplicateRequestCache, CallsInProgressAreNeverEvicted) {
  DuplicateRequestCache::Limits limits;
  limits.max_entries = 10;
  DuplicateRequestCache drc(limits);
  ByteBuffer out;
  ASSERT_EQ(drc.Begin(Key(12345), &out), DuplicateRequestCache::Outcome::kNew);
  for (uint32_t x = 0; x < 100; ++x) {
    drc.Begin(Key(x), &out);
    drc.Finish(Key(x), Reply(1));
  }
  EXPECT_EQ(drc.Begin(Key(12345), &out), DuplicateRequestCache::Outcome::kInProgress);
}

TEST(DuplicateRequestCache, ChecksumCoversOnlyAPrefixButLengthAlways) {
  std::vector<uint8_t> a(4096, 1), b(4096, 1), c(4100, 1);
  b[4000] = 2;  // beyond the checksummed prefix
  EXPECT_EQ(Key(1, 800, a), Key(1, 800, b));
  EXPECT_FALSE(Key(1, 800, a) == Key(1, 800, c));
}

}  // namespace
}  // namespace loopfs::rpc
