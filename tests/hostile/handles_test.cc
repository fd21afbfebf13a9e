// Forged, corrupted and truncated file handles of every length: refused as
// BADHANDLE or STALE (or GARBAGE_ARGS beyond 64 bytes), never served, never
// a crash or SERVERFAULT.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <random>

#include "tests/hostile/hostile_fixture.h"
#include "tests/support/nfs3_constants.h"

namespace loopfs::testing {
namespace {

class HandlesTest : public HostileTest<HandlesTest> {
 public:
  static constexpr bool kMakeTestDir = false;

 protected:
  void SetUp() override {
    HostileTest::SetUp();
    if (HasFatalFailure()) return;
    raw_ = Nfs();
    ASSERT_NE(raw_, nullptr);
  }

  // GETATTR (and a few other procedures) with fh; the nfsstat3, or
  // UINT32_MAX - accept_stat when the call was not accepted as SUCCESS.
  uint32_t StatusOf(uint32_t proc, const Bytes& args) {
    auto r = raw_->Call(Nfs3Call(*raw_, proc), args);
    if (!r) return UINT32_MAX;
    if (!r->Success()) return UINT32_MAX - 1 - r->accept_stat;
    return ResultStatus(r->body);
  }
  static bool Refused(uint32_t status) {
    return status == NFS3ERR_BADHANDLE || status == NFS3ERR_STALE;
  }

  std::unique_ptr<RawRpcClient> raw_;
};

TEST_F(HandlesTest, RandomHandlesOfEveryLength) {
  std::mt19937 rng(7);
  for (size_t len = 0; len <= 64; ++len) {
    for (int round = 0; round < 3; ++round) {
      Bytes fh(len);
      for (auto& b : fh) b = static_cast<uint8_t>(rng());
      if (round == 1) std::fill(fh.begin(), fh.end(), 0);
      uint32_t s = StatusOf(kNfs3GetAttr, GetAttrArgs(fh));
      EXPECT_TRUE(Refused(s)) << "length " << len << " round " << round << " status " << s;
    }
  }
}

TEST_F(HandlesTest, HandlesLongerThan64BytesAreGarbage) {
  for (size_t len : {65u, 100u, 1024u}) {
    XdrEncoder e;
    e.Opaque(Bytes(len, 0x42));
    uint32_t s = StatusOf(kNfs3GetAttr, e.bytes());
    EXPECT_TRUE(s == UINT32_MAX - 1 - kGarbageArgs || s == NFS3ERR_BADHANDLE)
        << "length " << len << " status " << s;
  }
}

TEST_F(HandlesTest, EveryCorruptionOfARealHandleIsRefused) {
  const Fh& root = client_->root();
  ASSERT_EQ(StatusOf(kNfs3GetAttr, GetAttrArgs(root)), NFS3_OK);
  for (size_t i = 0; i < root.size(); ++i) {
    for (uint8_t flip : {0x01, 0x80, 0xff}) {
      Fh bad = root;
      bad[i] ^= flip;
      uint32_t s = StatusOf(kNfs3GetAttr, GetAttrArgs(bad));
      EXPECT_TRUE(Refused(s)) << "byte " << i << " ^ " << int{flip} << " status " << s;
    }
  }
  for (size_t n = 0; n < root.size(); ++n) {
    Fh prefix(root.begin(), root.begin() + static_cast<ptrdiff_t>(n));
    EXPECT_TRUE(Refused(StatusOf(kNfs3GetAttr, GetAttrArgs(prefix)))) << "prefix " << n;
  }
  if (root.size() < 64) {
    Fh longer = root;
    longer.push_back(0);
    EXPECT_TRUE(Refused(StatusOf(kNfs3GetAttr, GetAttrArgs(longer))));
  }
}

TEST_F(HandlesTest, ForgedHandlesInEveryArgumentPosition) {
  Fh forged(32, 0x5a);
  const Fh& root = client_->root();
  EXPECT_TRUE(Refused(StatusOf(kNfs3Lookup, DirOpArgs(forged, "x"))));
  EXPECT_TRUE(Refused(StatusOf(kNfs3Remove, DirOpArgs(forged, "x"))));
  EXPECT_TRUE(Refused(StatusOf(kNfs3Create, CreateGuardedArgs(forged, "x"))));
  EXPECT_TRUE(Refused(StatusOf(kNfs3MkDir, MkDirArgs(forged, "x"))));
  EXPECT_TRUE(Refused(StatusOf(kNfs3Rename, RenameArgs(root, "x", forged, "y"))));
  EXPECT_TRUE(Refused(StatusOf(kNfs3Rename, RenameArgs(forged, "x", root, "y"))));
  XdrEncoder link;  // LINK3args: file, then diropargs
  PutFh(link, forged);
  PutFh(link, root).String("l");
  EXPECT_TRUE(Refused(StatusOf(kNfs3Link, link.bytes())));
  XdrEncoder read;
  PutFh(read, forged).U64(0).U32(100);
  EXPECT_TRUE(Refused(StatusOf(kNfs3Read, read.bytes())));
  XdrEncoder write;
  PutFh(write, forged).U64(0).U32(1).U32(2).Opaque(Bytes{'x'});
  EXPECT_TRUE(Refused(StatusOf(kNfs3Write, write.bytes())));
  XdrEncoder readdir;
  PutFh(readdir, forged).U64(0).U64(0).U32(4096);
  EXPECT_TRUE(Refused(StatusOf(kNfs3ReadDir, readdir.bytes())));
  for (uint32_t proc : {kNfs3FsStat, kNfs3FsInfo, kNfs3PathConf, kNfs3ReadLink}) {
    EXPECT_TRUE(Refused(StatusOf(proc, GetAttrArgs(forged)))) << "proc " << proc;
  }
  EXPECT_FALSE(std::filesystem::exists(server_->export_dir() / "x"));
}

TEST_F(HandlesTest, HandleOfOneExportDoesNotOpenAnother) {
  // A real handle with the export bytes of another (nonexistent) export:
  // covered by corruption above; here the same handle over MOUNT UMNT and
  // a different NFS connection still works, so the checks are per handle,
  // not per connection state.
  auto other = Nfs();
  ASSERT_NE(other, nullptr);
  auto r = other->Call(Nfs3Call(*other, kNfs3GetAttr), GetAttrArgs(client_->root()));
  ASSERT_TRUE(r && r->Success());
  EXPECT_EQ(ResultStatus(r->body), NFS3_OK);
}

}  // namespace
}  // namespace loopfs::testing
