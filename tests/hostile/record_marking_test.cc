// TCP record marking (RFC 5531 section 11): fragments reassembled, records
// cut short, fragment lengths beyond the maximum record size.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "tests/hostile/hostile_fixture.h"
#include "tests/support/nfs3_constants.h"

namespace loopfs::testing {
namespace {

class RecordMarkingTest : public HostileTest<RecordMarkingTest> {
 public:
  static constexpr bool kMakeTestDir = false;
};

Bytes Mark(uint32_t word) { return XdrEncoder().U32(word).Take(); }

TEST_F(RecordMarkingTest, MultiFragmentRecordsAreReassembled) {
  auto c = Nfs();
  ASSERT_NE(c, nullptr);
  for (size_t frag : {1u, 3u, 4u, 7u, 64u}) {
    CallHeader h = Nfs3Call(*c, kNfs3GetAttr);
    ASSERT_TRUE(c->SendCall(h, GetAttrArgs(client_->root()), frag));
    auto r = c->ReadReply();
    ASSERT_TRUE(r.has_value()) << "fragment size " << frag;
    EXPECT_EQ(r->xid, h.xid);
    ASSERT_TRUE(r->Success()) << DescribeReply(*r);
    EXPECT_EQ(ResultStatus(r->body), NFS3_OK);
  }
}

TEST_F(RecordMarkingTest, EmptyFragmentsAreAllowed) {
  auto c = Nfs();
  ASSERT_NE(c, nullptr);
  CallHeader h = Nfs3Call(*c, kNfs3Null);
  Bytes msg = EncodeCall(h, {});
  Bytes wire = Mark(0);  // an empty, non-last fragment
  Bytes rest = RecordMark(msg);
  wire.insert(wire.end(), rest.begin(), rest.end());
  ASSERT_TRUE(c->SendRaw(wire));
  auto r = c->ReadReply();
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->Success()) << DescribeReply(*r);
}

TEST_F(RecordMarkingTest, PipelinedRecordsInOneWrite) {
  auto c = Nfs();
  ASSERT_NE(c, nullptr);
  Bytes wire;
  std::set<uint32_t> xids;
  for (int i = 0; i < 10; ++i) {
    CallHeader h = Nfs3Call(*c, kNfs3Null);
    xids.insert(h.xid);
    Bytes rec = RecordMark(EncodeCall(h, {}));
    wire.insert(wire.end(), rec.begin(), rec.end());
  }
  ASSERT_TRUE(c->SendRaw(wire));
  for (int i = 0; i < 10; ++i) {
    auto r = c->ReadReply();
    ASSERT_TRUE(r.has_value()) << i;
    EXPECT_EQ(xids.erase(r->xid), 1u) << "unexpected or repeated xid";
  }
}

TEST_F(RecordMarkingTest, TruncatedRecordThenClose) {
  for (size_t cut : {1u, 2u, 3u, 4u, 10u, 40u}) {
    auto c = Nfs();
    ASSERT_NE(c, nullptr);
    Bytes rec = RecordMark(EncodeCall(Nfs3Call(*c, kNfs3GetAttr), GetAttrArgs(client_->root())));
    rec.resize(std::min(cut, rec.size() - 1));
    ASSERT_TRUE(c->SendRaw(rec));
  }
  // Each connection closes with its record unfinished; nothing to answer.
}

TEST_F(RecordMarkingTest, RecordTooShortForACallHeader) {
  auto c = Nfs();
  ASSERT_NE(c, nullptr);
  // Complete records whose contents stop inside the call header.
  Bytes msg = EncodeCall(Nfs3Call(*c, kNfs3Null), {});
  for (size_t n : {0u, 3u, 4u, 8u, 20u, 30u}) {
    Bytes part(msg.begin(), msg.begin() + static_cast<ptrdiff_t>(std::min(n, msg.size() - 1)));
    ASSERT_TRUE(c->SendRaw(RecordMark(part)) || n == 0);
  }
  // Whatever the server did with those (dropped them, GARBAGE_ARGS, closed
  // the connection), a fresh connection is served.
  auto fresh = Nfs();
  ASSERT_NE(fresh, nullptr);
  auto r = fresh->Call(Nfs3Call(*fresh, kNfs3Null), {});
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->Success());
}

TEST_F(RecordMarkingTest, HugeFragmentLengthClosesConnection) {
  for (uint32_t word : {0xffffffffu, 0x7fffffffu, 0x80000000u | (64u << 20)}) {
    auto c = Nfs();
    ASSERT_NE(c, nullptr);
    ASSERT_TRUE(c->SendRaw(Mark(word)));
    // Send a little of the promised body: the server must not wait for (or
    // allocate) the rest.
    ASSERT_TRUE(c->SendRaw(Bytes(1000, 0xab)));
    EXPECT_TRUE(c->WaitClosed(milliseconds(10000))) << "fragment length " << std::hex << word;
  }
}

TEST_F(RecordMarkingTest, ManyFragmentsBeyondMaxRecordCloseConnection) {
  auto c = Nfs();
  ASSERT_NE(c, nullptr);
  // Non-last fragments of 256 KiB each; the default maximum record is a
  // little over 1 MiB, so the fifth one crosses it.
  Bytes frag = Mark(256 * 1024);
  frag.resize(4 + 256 * 1024, 0);
  bool closed = false;
  for (int i = 0; i < 8 && !closed; ++i) {
    if (!c->SendRaw(frag)) closed = true;
  }
  EXPECT_TRUE(closed || c->WaitClosed(milliseconds(10000)));
}

TEST_F(RecordMarkingTest, OtherClientsAreServedWhileOneSendsHugeRecords) {
  auto bad = Nfs();
  ASSERT_NE(bad, nullptr);
  ASSERT_TRUE(bad->SendRaw(Mark(0x7fffffff)));
  EXPECT_TRUE(StillServing(*server_));
}

// With --max-record set, the limit is exact: a record within it is served,
// one beyond it closes the connection.
class MaxRecordTest : public HostileTest<MaxRecordTest> {
 public:
  static ServerConfig Config() { return ServerWith({"insecure", "no_root_squash"}, {"/"}, 65536); }
};

TEST_F(MaxRecordTest, RecordWithinLimitServedBeyondLimitClosed) {
  if (TestServer::IsGanesha()) GTEST_SKIP() << "loopfsd's --max-record";
  CreateRes f = client_->Create(dir_, "f", UNCHECKED);
  ASSERT_TRUE(f.ok()) << Why(f);
  auto write_args = [&](size_t n) {
    XdrEncoder e;
    PutFh(e, *f.fh).U64(0).U32(static_cast<uint32_t>(n)).U32(2);
    e.Opaque(Bytes(n, 'w'));
    return e.Take();
  };
  auto c = Nfs();
  ASSERT_NE(c, nullptr);
  auto ok = c->Call(Nfs3Call(*c, kNfs3Write), write_args(60000));
  ASSERT_TRUE(ok.has_value());
  ASSERT_TRUE(ok->Success()) << DescribeReply(*ok);
  EXPECT_EQ(ResultStatus(ok->body), NFS3_OK);

  ASSERT_TRUE(c->SendCall(Nfs3Call(*c, kNfs3Write), write_args(70000), 16384));
  EXPECT_TRUE(c->WaitClosed(milliseconds(10000)));
  EXPECT_EQ(client_->GetAttr(*f.fh).attr.size, 60000u) << "the oversized write must not apply";
}

}  // namespace
}  // namespace loopfs::testing
