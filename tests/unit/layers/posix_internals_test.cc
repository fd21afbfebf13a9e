// The posix layer's building blocks: handle encoding and the fd caches.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <memory>
#include <random>
#include <string>

#include "layers/posix/handle_codec.h"
#include "layers/lru_cache.h"
#include "layers/posix/scoped_fd.h"

namespace loopfs::posix {
namespace {

TEST(HandleCodec, RoundTripsAndRefusesWhatDoesNotFit) {
  KernelHandle kh;
  kh.header.handle_type = 0x81;
  kh.header.handle_bytes = 12;
  for (int i = 0; i < 12; ++i) kh.storage[i] = static_cast<unsigned char>(i * 7);
  NodeHandle h;
  ASSERT_TRUE(EncodeHandle(kh, &h));
  EXPECT_EQ(h.size, 14u);
  KernelHandle back;
  ASSERT_TRUE(DecodeHandle(h, &back));
  EXPECT_EQ(back.header.handle_type, 0x81);
  ASSERT_EQ(back.header.handle_bytes, 12u);
  EXPECT_EQ(std::memcmp(back.storage, kh.storage, 12), 0);

  kh.header.handle_bytes = kMaxKernelHandleBytes;
  EXPECT_TRUE(EncodeHandle(kh, &h));
  EXPECT_EQ(h.size, kMaxLayerHandle);
  kh.header.handle_bytes = kMaxKernelHandleBytes + 1;
  EXPECT_FALSE(EncodeHandle(kh, &h));
  kh.header.handle_bytes = 8;
  kh.header.handle_type = 256;
  EXPECT_FALSE(EncodeHandle(kh, &h));
  kh.header.handle_type = -1;
  EXPECT_FALSE(EncodeHandle(kh, &h));
}

TEST(HandleCodec, GarbageBytesDecodeOnlyWithTheRightFormat) {
  std::mt19937 rng(7);
  for (int i = 0; i < 10000; ++i) {
    NodeHandle h;
    h.size = static_cast<uint8_t>(rng() % 256);  // even sizes nfsd would never pass
    for (auto& b : h.data) b = static_cast<uint8_t>(rng());
    KernelHandle kh;
    bool ok = DecodeHandle(h, &kh);
    EXPECT_EQ(ok, h.size >= 3 && h.size <= kMaxLayerHandle && h.data[0] == kKernelHandleFormat);
    if (ok) {
      EXPECT_EQ(kh.header.handle_bytes, h.size - 2u);
    }
  }
}

TEST(ShardedLruCache, EvictsLeastRecentlyUsedPerShard) {
  // One shard of three, to make the order observable.
  ShardedLruCache<int, std::shared_ptr<int>, std::hash<int>, 1> cache(3);
  for (int i = 0; i < 3; ++i) cache.Insert(i, std::make_shared<int>(i));
  ASSERT_TRUE(cache.Find(0));  // 0 is now the most recent
  cache.Insert(3, std::make_shared<int>(3));
  EXPECT_FALSE(cache.Find(1));
  EXPECT_TRUE(cache.Find(0));
  EXPECT_TRUE(cache.Find(2));
  EXPECT_TRUE(cache.Find(3));
  EXPECT_EQ(cache.Size(), 3u);
  cache.Insert(2, std::make_shared<int>(20));
  EXPECT_EQ(*cache.Find(2), 20);
  EXPECT_TRUE(cache.Erase(2));
  EXPECT_FALSE(cache.Erase(2));
  EXPECT_EQ(cache.Size(), 2u);
}

TEST(ShardedLruCache, AnEvictedFdStaysOpenWhileInUse) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  close(fds[1]);
  ShardedLruCache<int, SharedFd, std::hash<int>, 1> cache(1);
  cache.Insert(1, MakeSharedFd(fds[0]));
  SharedFd in_use = cache.Find(1);
  cache.Insert(2, MakeSharedFd(-1));  // evicts 1
  EXPECT_FALSE(cache.Find(1));
  EXPECT_GE(fcntl(in_use->get(), F_GETFD), 0);  // still open
  in_use.reset();
  EXPECT_EQ(fcntl(fds[0], F_GETFD), -1);  // closed with its last user
}

}  // namespace
}  // namespace loopfs::posix
