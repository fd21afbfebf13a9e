// Garbage arguments: every procedure refuses every truncation of a valid
// encoding with GARBAGE_ARGS, and random bytes never crash it.
#include <random>

#include "tests/unit/nfsd/nfs3_test_fixture.h"
#include "tests/unit/nfsd/sample_args.h"

namespace loopfs::nfsd {
namespace {

class Nfs3GarbageTest : public testing::Nfs3Fixture {};

TEST_P(Nfs3GarbageTest, EveryTruncationOfEveryProcedure) {
  for (uint32_t proc = 1; proc <= 21; ++proc) {
    SCOPED_TRACE(std::string(s().nfs().ProcName(3, proc)));
    std::vector<uint8_t> args = testing::SampleNfs3Args(proc, root_);
    ASSERT_FALSE(args.empty());
    // The full encoding is served (whatever the file system says).
    EXPECT_EQ(s().CallRaw(s().nfs(), 3, proc, args).status, rpc::DispatchStatus::kSuccess);
    for (size_t len = 0; len < args.size(); ++len) {
      std::vector<uint8_t> cut(args.begin(), args.begin() + static_cast<std::ptrdiff_t>(len));
      EXPECT_EQ(s().CallRaw(s().nfs(), 3, proc, cut).status, rpc::DispatchStatus::kGarbageArgs)
          << "truncated to " << len << " of " << args.size();
    }
  }
}

TEST_P(Nfs3GarbageTest, RandomBytesNeverCrash) {
  // Into a root-squashed export: mutated MKNODs must not make device nodes.
  std::vector<uint8_t> squashed = s().Mount("/squash");
  ASSERT_FALSE(squashed.empty());
  std::mt19937 rng(1813);
  for (int round = 0; round < 3000; ++round) {
    const uint32_t proc = 1 + rng() % 21;
    std::vector<uint8_t> args = testing::SampleNfs3Args(proc, squashed);
    // Mutate a valid encoding so that decoding gets past the first fields.
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int i = 0; i < flips; ++i) args[rng() % args.size()] = static_cast<uint8_t>(rng());
    if (rng() % 3 == 0) args.resize(rng() % (args.size() + 8), 0xff);
    auto r = s().CallRaw(s().nfs(), 3, proc, args);
    EXPECT_TRUE(r.status == rpc::DispatchStatus::kSuccess ||
                r.status == rpc::DispatchStatus::kGarbageArgs)
        << static_cast<int>(r.status);
  }
  // The server still serves after all that.
  EXPECT_EQ(GetAttr(root_), NFS3_OK);
}

LOOPFS_NFSD_INSTANTIATE(Nfs3GarbageTest);

}  // namespace
}  // namespace loopfs::nfsd
