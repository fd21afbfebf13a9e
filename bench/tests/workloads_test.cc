// Replies a server might send, fed straight to the workloads: the generator must count a
// bad reply as an error and never loop or crash on it.
#include <cstring>
#include <vector>

#include <gtest/gtest.h>

#include "bench/file_handle.h"
#include "bench/workloads.h"

namespace loopfs::bench {
namespace {

READDIRPLUS3res ListingReply(entryplus3* entries, bool eof) {
  READDIRPLUS3res res{};
  res.status = NFS3_OK;
  res.READDIRPLUS3res_u.resok.reply.entries = entries;
  res.READDIRPLUS3res_u.resok.reply.eof = eof ? 1 : 0;
  return res;
}

// A chain of entries named by `names`, with cookies 1, 2, ...
std::vector<entryplus3> Chain(std::vector<char*> names) {
  std::vector<entryplus3> chain(names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    chain[i].name = names[i];
    chain[i].cookie = i + 1;
    chain[i].nextentry = i + 1 < names.size() ? &chain[i + 1] : nullptr;
  }
  return chain;
}

TEST(WorkloadsTest, ReaddirplusCountsListingsAndSkipsDotEntries) {
  auto workload = MakeReaddirplusWorkload(FileHandle{}, 8192, 65536);
  workload->Prepare(1, 1);
  workload->BeginRun();
  char dot[] = ".", dotdot[] = "..", a[] = "a", b[] = "b";
  auto first = Chain({dot, dotdot, a});
  auto res = ListingReply(first.data(), /*eof=*/false);
  CallOutcome outcome = workload->Complete(0, &res);
  EXPECT_TRUE(outcome.ok);
  EXPECT_EQ(outcome.units, 0u);
  auto second = Chain({b});
  res = ListingReply(second.data(), /*eof=*/true);
  outcome = workload->Complete(0, &res);
  EXPECT_TRUE(outcome.ok);
  EXPECT_EQ(outcome.units, 1u);
  ASSERT_NE(workload->UnitLatency(), nullptr);
  EXPECT_EQ(workload->UnitLatency()->Count(), 1u);

  // The next listing sees three entries instead of two: the server is inconsistent.
  char c[] = "c";
  auto third = Chain({a, b, c});
  res = ListingReply(third.data(), /*eof=*/true);
  outcome = workload->Complete(0, &res);
  EXPECT_FALSE(outcome.ok);
}

TEST(WorkloadsTest, ReaddirplusHostileRepliesAreErrors) {
  auto workload = MakeReaddirplusWorkload(FileHandle{}, 8192, 65536);
  workload->Prepare(1, 1);
  // Neither entries nor EOF: following it would loop forever.
  auto res = ListingReply(nullptr, /*eof=*/false);
  EXPECT_FALSE(workload->Complete(0, &res).ok);
  // An error status.
  READDIRPLUS3res failed{};
  failed.status = NFS3ERR_IO;
  EXPECT_FALSE(workload->Complete(0, &failed).ok);
  // An entry without a name.
  auto unnamed = Chain({nullptr});
  res = ListingReply(unnamed.data(), /*eof=*/true);
  EXPECT_EQ(workload->Complete(0, &res).units, 1u);
}

TEST(WorkloadsTest, CreateRemoveAlternatesAndCountsPairs) {
  auto workload = MakeCreateRemoveWorkload(FileHandle{}, "cr");
  workload->Prepare(1, 1);
  CREATE3res created{};
  created.status = NFS3_OK;
  CallOutcome outcome = workload->Complete(0, &created);
  EXPECT_EQ(outcome.call_kind, 0u);
  EXPECT_EQ(outcome.units, 0u);
  REMOVE3res removed{};
  removed.status = NFS3_OK;
  outcome = workload->Complete(0, &removed);
  EXPECT_EQ(outcome.call_kind, 1u);
  EXPECT_EQ(outcome.units, 1u);
  // A failed CREATE is an error and the slot tries a CREATE again.
  created.status = NFS3ERR_NOSPC;
  outcome = workload->Complete(0, &created);
  EXPECT_FALSE(outcome.ok);
  EXPECT_EQ(outcome.call_kind, 0u);
  created.status = NFS3_OK;
  EXPECT_EQ(workload->Complete(0, &created).call_kind, 0u);
}

TEST(WorkloadsTest, ShortWriteIsAnError) {
  auto workload = MakeWriteWorkload({FileHandle{}}, 4096, 1 << 20, 0);
  workload->Prepare(1, 1);
  WRITE3res res{};
  res.status = NFS3_OK;
  res.WRITE3res_u.resok.count = 4096;
  EXPECT_TRUE(workload->Complete(0, &res).ok);
  EXPECT_EQ(workload->Complete(0, &res).bytes, 4096u);
  res.WRITE3res_u.resok.count = 100;
  EXPECT_FALSE(workload->Complete(0, &res).ok);
  res.status = NFS3ERR_ROFS;
  EXPECT_FALSE(workload->Complete(0, &res).ok);
}

TEST(WorkloadsTest, MetadataErrorsAreCounted) {
  GETATTR3res getattr{};
  getattr.status = NFS3ERR_STALE;
  EXPECT_FALSE(MakeGetattrWorkload({FileHandle{}})->Complete(0, &getattr).ok);
  LOOKUP3res lookup{};
  lookup.status = NFS3ERR_NOENT;
  EXPECT_FALSE(MakeLookupWorkload(FileHandle{}, {"x"})->Complete(0, &lookup).ok);
  ACCESS3res access{};
  access.status = NFS3_OK;
  EXPECT_TRUE(MakeAccessWorkload({FileHandle{}})->Complete(0, &access).ok);
}

TEST(FileHandleTest, RejectsOversizedAndNullHandles) {
  FileHandle fh;
  char bytes[kMaxFileHandleSize + 1] = {1, 2, 3};
  EXPECT_TRUE(fh.Assign(bytes, 3));
  EXPECT_EQ(fh.size, 3u);
  EXPECT_FALSE(fh.Assign(bytes, kMaxFileHandleSize + 1));
  EXPECT_FALSE(fh.Assign(nullptr, 4));
  EXPECT_TRUE(fh.Assign(nullptr, 0));
  const nfs_fh3 arg = fh.AsArgument();
  EXPECT_EQ(arg.data.data_len, 0u);
}

}  // namespace
}  // namespace loopfs::bench
