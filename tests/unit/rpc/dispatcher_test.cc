#include "rpc/dispatcher.h"

#include <gtest/gtest.h>
#include <netinet/in.h>

#include "rpc/reply_header.h"
#include "tests/unit/rpc/call_builder.h"
#include "tests/unit/rpc/fake_program.h"

namespace loopfs::rpc {
namespace {

using testing::BuildCall;
using testing::CallSpec;
using testing::FakeProgram;
using testing::ParsedReply;
using testing::PutU32;

class DispatcherTest : public ::testing::Test {
 protected:
  DispatcherTest() {
    dispatcher_.AddProgram(&program_);
    auto* in = reinterpret_cast<sockaddr_in*>(&peer_.addr);
    in->sin_family = AF_INET;
    in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    peer_.port = 700;
  }

  CallSpec Spec(uint32_t proc, std::vector<uint8_t> args = {}) {
    CallSpec s;
    s.xid = ++xid_;
    s.prog = FakeProgram::kNumber;
    s.vers = 2;
    s.proc = proc;
    s.args = std::move(args);
    return s;
  }

  // Runs the call; returns the parsed reply (ok=false when no reply).
  ParsedReply Call(const CallSpec& s) {
    ByteBuffer reply;
    auto rec = BuildCall(s);
    if (!dispatcher_.Handle(rec, peer_, &reply)) return {};
    EXPECT_GE(reply.size(), kReplyMarkSize);
    return testing::ParseReply(reply.data() + kReplyMarkSize, reply.size() - kReplyMarkSize);
  }

  static std::vector<uint8_t> U32(uint32_t v) {
    std::vector<uint8_t> out;
    PutU32(&out, v);
    return out;
  }

  FakeProgram program_;
  Dispatcher dispatcher_;
  Peer peer_;
  uint32_t xid_ = 100;
};

TEST_F(DispatcherTest, SuccessCarriesTheResultAndXid) {
  CallSpec s = Spec(1, U32(42));
  ParsedReply r = Call(s);
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.xid, s.xid);
  EXPECT_EQ(r.reply_stat, 0u);
  EXPECT_EQ(r.accept_stat, 0u);
  EXPECT_EQ(r.body, U32(42));
  EXPECT_EQ(program_.last_uid, 1000u);
}

TEST_F(DispatcherTest, BodyEndsAtTheStreamPositionNotTheHighWaterMark) {
  ParsedReply r = Call(Spec(7));
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.body, U32(0xabcd));
}

TEST_F(DispatcherTest, ProgUnavail) {
  CallSpec s = Spec(0);
  s.prog = 123456;
  ParsedReply r = Call(s);
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.accept_stat, 1u);
}

TEST_F(DispatcherTest, ProgMismatchReportsLowAndHigh) {
  CallSpec s = Spec(0);
  s.vers = 3;  // a gap between 2 and 4
  ParsedReply r = Call(s);
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.accept_stat, 2u);
  EXPECT_EQ(r.low, 2u);
  EXPECT_EQ(r.high, 4u);
}

TEST_F(DispatcherTest, ProcUnavailGarbageArgsSystemErr) {
  EXPECT_EQ(Call(Spec(9)).accept_stat, 3u);
  EXPECT_EQ(Call(Spec(1)).accept_stat, 4u);  // no argument
  EXPECT_EQ(Call(Spec(3)).accept_stat, 5u);
}

TEST_F(DispatcherTest, RpcMismatchAndAuthErrors) {
  CallSpec s = Spec(0);
  s.rpcvers = 1;
  ParsedReply r = Call(s);
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.reply_stat, 1u);
  EXPECT_EQ(r.reject_stat, 0u);
  EXPECT_EQ(r.low, 2u);
  EXPECT_EQ(r.high, 2u);

  s = Spec(0);
  s.gids.assign(17, 1);
  r = Call(s);
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.reply_stat, 1u);
  EXPECT_EQ(r.reject_stat, 1u);
  EXPECT_EQ(r.auth_stat, 1u);  // AUTH_BADCRED

  r = Call(Spec(5));
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.reject_stat, 1u);
  EXPECT_EQ(r.auth_stat, 5u);  // AUTH_TOOWEAK
}

TEST_F(DispatcherTest, DropAndUndecodableSendNothing) {
  EXPECT_FALSE(Call(Spec(4)).ok);
  ByteBuffer reply;
  std::vector<uint8_t> junk = {1, 2, 3};
  EXPECT_FALSE(dispatcher_.Handle(junk, peer_, &reply));
  EXPECT_EQ(dispatcher_.undecodable_calls(), 1u);
}

TEST_F(DispatcherTest, RetransmissionOfNonIdempotentCallIsReplayedNotReexecuted) {
  CallSpec s = Spec(2);
  ParsedReply first = Call(s);
  ParsedReply again = Call(s);
  ASSERT_TRUE(first.ok && again.ok);
  EXPECT_EQ(first.body, U32(1));
  EXPECT_EQ(again.body, U32(1));
  EXPECT_EQ(program_.executions, 1u);
  // A new XID is a new call.
  EXPECT_EQ(Call(Spec(2)).body, U32(2));
  // The same XID from another port is another client's call.
  peer_.port = 701;
  EXPECT_EQ(Call(s).body, U32(3));
}

TEST_F(DispatcherTest, IdempotentCallsAreNotCached) {
  CallSpec s = Spec(1, U32(5));
  Call(s);
  Call(s);
  EXPECT_EQ(dispatcher_.drc_counters().entries, 0u);
}

TEST_F(DispatcherTest, StatisticsCountCalls) {
  for (int i = 0; i < 5; ++i) Call(Spec(1, U32(1)));
  bool found = false;
  for (const auto& s : dispatcher_.stats().Summaries()) {
    if (s.proc == 1) {
      EXPECT_EQ(s.calls, 5u);
      found = true;
    }
  }
  EXPECT_TRUE(found);
}

TEST_F(DispatcherTest, EveryTruncationOfACallIsHandledWithoutCrashing) {
  auto rec = BuildCall(Spec(1, U32(7)));
  for (size_t len = 0; len <= rec.size(); ++len) {
    std::vector<uint8_t> cut(rec.begin(), rec.begin() + len);
    ByteBuffer reply;
    dispatcher_.Handle(cut, peer_, &reply);
  }
}

}  // namespace
}  // namespace loopfs::rpc
