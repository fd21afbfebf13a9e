// The call header (RFC 5531 sections 9 and 8.2, appendix A): every error
// class answered correctly, credentials checked against their limits, and
// garbage survived.
#include <gtest/gtest.h>

#include <random>

#include "tests/hostile/hostile_fixture.h"
#include "tests/support/nfs3_constants.h"

namespace loopfs::testing {
namespace {

class CallHeaderTest : public HostileTest<CallHeaderTest> {
 public:
  static constexpr bool kMakeTestDir = false;

 protected:
  // Sends h on a fresh connection of the right port and returns the reply.
  std::optional<RpcReply> Send(const CallHeader& h, const Bytes& args = {},
                               Transport t = Transport::kTcp) {
    auto c = h.prog == kMountProgram ? Mount(t) : Nfs(t);
    if (!c) return std::nullopt;
    return c->Call(h, args);
  }
  CallHeader Call(uint32_t prog, uint32_t vers, uint32_t proc) {
    return {.xid = xid_++, .prog = prog, .vers = vers, .proc = proc, .cred = Credential::Sys(0, 0)};
  }
  uint32_t xid_ = 0x1000;
};

TEST_F(CallHeaderTest, RpcVersionMismatch) {
  CallHeader h = Call(kNfsProgram, kNfsV3, kNfs3Null);
  h.rpcvers = 3;
  auto r = Send(h);
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(r->accepted);
  EXPECT_EQ(r->reject_stat, kRpcMismatch);
  EXPECT_EQ(r->mismatch_low, 2u);
  EXPECT_EQ(r->mismatch_high, 2u);
}

TEST_F(CallHeaderTest, ProgramUnavailable) {
  for (uint32_t prog : {100004u, 100000u, 0u, 0xffffffffu}) {
    auto r = Send(Call(prog, 1, 0));
    ASSERT_TRUE(r.has_value()) << prog;
    ASSERT_TRUE(r->accepted) << DescribeReply(*r);
    EXPECT_EQ(r->accept_stat, kProgUnavail) << prog;
  }
}

TEST_F(CallHeaderTest, ProgramVersionMismatchGivesRange) {
  for (uint32_t vers : {2u, 4u, 0u, 1000u}) {
    auto r = Send(Call(kNfsProgram, vers, 0));
    ASSERT_TRUE(r.has_value());
    ASSERT_TRUE(r->accepted) << DescribeReply(*r);
    EXPECT_EQ(r->accept_stat, kProgMismatch) << "NFS v" << vers;
    EXPECT_EQ(r->mismatch_low, 3u);
    EXPECT_EQ(r->mismatch_high, 3u);
  }
  for (uint32_t vers : {2u, 4u, 0u}) {
    auto r = Send(Call(kMountProgram, vers, 0));
    ASSERT_TRUE(r.has_value());
    ASSERT_TRUE(r->accepted) << DescribeReply(*r);
    EXPECT_EQ(r->accept_stat, kProgMismatch) << "MOUNT v" << vers;
    EXPECT_EQ(r->mismatch_low, 1u);
    EXPECT_EQ(r->mismatch_high, 3u);
  }
}

TEST_F(CallHeaderTest, ProcedureUnavailable) {
  for (uint32_t proc : {22u, 23u, 1000u, 0xffffffffu}) {
    auto r = Send(Call(kNfsProgram, kNfsV3, proc));
    ASSERT_TRUE(r.has_value());
    ASSERT_TRUE(r->accepted) << DescribeReply(*r);
    EXPECT_EQ(r->accept_stat, kProcUnavail) << "NFS proc " << proc;
  }
  auto m = Send(Call(kMountProgram, kMountV3, 6));
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->accept_stat, kProcUnavail);
}

TEST_F(CallHeaderTest, GarbageArguments) {
  struct Case {
    uint32_t proc;
    Bytes args;
  };
  XdrEncoder overlong_fh;
  overlong_fh.U32(65).Fixed(Bytes(65, 1));
  XdrEncoder name_past_end;
  PutFh(name_past_end, client_->root()).U32(1000).Raw(Bytes{'a', 'b', 'c', 'd'});
  XdrEncoder bad_create_mode;
  PutFh(bad_create_mode, client_->root()).String("x").U32(7);
  XdrEncoder bad_bool;  // sattr3 set_mode discriminant 5
  PutFh(bad_bool, client_->root()).U32(5).U32(0644);
  std::vector<Case> cases = {
      {kNfs3GetAttr, {}},
      {kNfs3GetAttr, Bytes{0, 0}},
      {kNfs3GetAttr, XdrEncoder().U32(0x7fffffff).Take()},
      {kNfs3GetAttr, overlong_fh.Take()},
      {kNfs3Lookup, name_past_end.Take()},
      {kNfs3Create, bad_create_mode.Take()},
      {kNfs3SetAttr, bad_bool.Take()},
      {kNfs3Read, GetAttrArgs(client_->root())},  // offset and count missing
  };
  for (const auto& c : cases) {
    auto r = Send(Call(kNfsProgram, kNfsV3, c.proc), c.args);
    ASSERT_TRUE(r.has_value()) << "proc " << c.proc;
    ASSERT_TRUE(r->accepted) << DescribeReply(*r);
    EXPECT_EQ(r->accept_stat, kGarbageArgs) << "proc " << c.proc << " args " << c.args.size();
  }
  auto m = Send(Call(kMountProgram, kMountV3, kMountMnt), XdrEncoder().U32(5000).Take());
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->accept_stat, kGarbageArgs);
}

TEST_F(CallHeaderTest, UnknownAuthFlavorIsAuthError) {
  for (uint32_t flavor : {2u, 3u, 6u, 7u, 390003u, 0xffffffffu}) {
    CallHeader h = Call(kNfsProgram, kNfsV3, kNfs3GetAttr);
    h.cred.flavor = flavor;
    h.cred.body = Bytes(20, 0x11);
    auto r = Send(h, GetAttrArgs(client_->root()));
    ASSERT_TRUE(r.has_value()) << "flavor " << flavor;
    EXPECT_FALSE(r->accepted) << DescribeReply(*r);
    EXPECT_EQ(r->reject_stat, kAuthError) << "flavor " << flavor;
    EXPECT_NE(r->auth_stat, kAuthOk);
  }
}

TEST_F(CallHeaderTest, AuthSysLimits) {
  auto call_with = [&](Credential cred) {
    CallHeader h = Call(kNfsProgram, kNfsV3, kNfs3GetAttr);
    h.cred = std::move(cred);
    return Send(h, GetAttrArgs(client_->root()));
  };
  auto ok255 = call_with(Credential::Sys(0, 0, {}, std::string(255, 'm')));
  ASSERT_TRUE(ok255.has_value());
  EXPECT_TRUE(ok255->Success()) << "255-byte machine name is legal: " << DescribeReply(*ok255);

  auto bad256 = call_with(Credential::Sys(0, 0, {}, std::string(256, 'm')));
  ASSERT_TRUE(bad256.has_value());
  EXPECT_FALSE(bad256->accepted) << DescribeReply(*bad256);
  EXPECT_EQ(bad256->reject_stat, kAuthError);
  EXPECT_EQ(bad256->auth_stat, kAuthBadCred);

  std::vector<uint32_t> gids16(16, 100), gids17(17, 100);
  auto ok16 = call_with(Credential::Sys(0, 0, gids16));
  ASSERT_TRUE(ok16.has_value());
  EXPECT_TRUE(ok16->Success()) << DescribeReply(*ok16);

  auto bad17 = call_with(Credential::Sys(0, 0, gids17));
  ASSERT_TRUE(bad17.has_value());
  EXPECT_FALSE(bad17->accepted) << DescribeReply(*bad17);
  EXPECT_EQ(bad17->reject_stat, kAuthError);
  EXPECT_EQ(bad17->auth_stat, kAuthBadCred);
}

TEST_F(CallHeaderTest, AuthSysBodyThatDoesNotParse) {
  // Credential body lengths that disagree with their contents.
  std::vector<Bytes> bodies = {
      {},                                             // empty
      Bytes(3, 0),                                    // shorter than a stamp
      XdrEncoder().U32(0).U32(1000).Take(),           // machine name past the end
      XdrEncoder().U32(0).String("m").U32(0).Take(),  // gid and gids missing
      XdrEncoder().U32(0).String("m").U32(0).U32(0).U32(0xffffffff).Take(),
  };
  for (const auto& body : bodies) {
    CallHeader h = Call(kNfsProgram, kNfsV3, kNfs3GetAttr);
    h.cred.flavor = 1;
    h.cred.body = body;
    // EncodeCall writes flavor-1 bodies itself, so build the message here.
    XdrEncoder e;
    e.U32(h.xid).U32(0).U32(2).U32(h.prog).U32(h.vers).U32(h.proc);
    e.U32(1).Opaque(body).U32(0).U32(0);
    Bytes args = GetAttrArgs(client_->root());
    e.Raw(args);
    auto c = Nfs();
    ASSERT_NE(c, nullptr);
    ASSERT_TRUE(c->SendRaw(RecordMark(e.bytes())));
    auto r = c->ReadReply(milliseconds(5000));
    if (!r) continue;  // dropping such a call is acceptable
    EXPECT_FALSE(r->Success()) << "a malformed credential was accepted";
    if (!r->accepted) {
      EXPECT_EQ(r->reject_stat, kAuthError);
    }
  }
}

TEST_F(CallHeaderTest, OversizedCredentialOrVerifier) {
  // RFC 5531: opaque_auth bodies are at most 400 bytes.
  for (bool verifier : {false, true}) {
    XdrEncoder e;
    e.U32(xid_++).U32(0).U32(2).U32(kNfsProgram).U32(kNfsV3).U32(kNfs3Null);
    if (verifier) {
      e.U32(0).U32(0).U32(0).Opaque(Bytes(401, 0));
    } else {
      e.U32(1).Opaque(Bytes(401, 0)).U32(0).U32(0);
    }
    auto c = Nfs();
    ASSERT_NE(c, nullptr);
    ASSERT_TRUE(c->SendRaw(RecordMark(e.bytes())));
    auto r = c->ReadReply(milliseconds(5000));
    if (r) {
      EXPECT_FALSE(r->Success()) << DescribeReply(*r);
    }
  }
}

TEST_F(CallHeaderTest, ReplyMessagesAndGarbageAreSurvived) {
  std::mt19937 rng(1234);
  for (int i = 0; i < 200; ++i) {
    auto c = Nfs();
    ASSERT_NE(c, nullptr);
    Bytes junk(rng() % 200);
    for (auto& b : junk) b = static_cast<uint8_t>(rng());
    // Half of them keep a plausible start (xid, CALL, rpcvers 2).
    if (i % 2 == 0 && junk.size() >= 12) {
      XdrEncoder head;
      head.U32(static_cast<uint32_t>(i)).U32(0).U32(2);
      std::copy(head.bytes().begin(), head.bytes().end(), junk.begin());
    }
    ASSERT_TRUE(c->SendRaw(RecordMark(junk)) || junk.empty());
    c->ReadReply(milliseconds(20));  // whatever comes back, if anything
  }
  // A REPLY message sent to the server is not a call: no answer.
  auto c = Nfs();
  ASSERT_NE(c, nullptr);
  ASSERT_TRUE(c->SendRaw(RecordMark(XdrEncoder().U32(1).U32(1).U32(0).Take())));
  EXPECT_FALSE(c->ReadReply(milliseconds(500)).has_value());
}

TEST_F(CallHeaderTest, UdpFromAnUnreservedPortCannotVouchForAuthSys) {
  // Even on an insecure export: nobody can be asked who owns a UDP socket.
  auto c = RawRpcClient::Connect({.port = server_->nfs_port(), .transport = Transport::kUdp});
  ASSERT_NE(c, nullptr);
  auto r = c->Call(Call(kNfsProgram, kNfsV3, kNfs3GetAttr), {});
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(r->accepted);
  EXPECT_EQ(r->auth_stat, kAuthTooWeak);
}

TEST_F(CallHeaderTest, ErrorClassesOverUdp) {
  auto r = Send(Call(kNfsProgram, 4, 0), {}, Transport::kUdp);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->accept_stat, kProgMismatch);
  auto p = Send(Call(kNfsProgram, kNfsV3, 99), {}, Transport::kUdp);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->accept_stat, kProcUnavail);
  auto g = Send(Call(kNfsProgram, kNfsV3, kNfs3GetAttr), Bytes{1}, Transport::kUdp);
  ASSERT_TRUE(g.has_value());
  EXPECT_EQ(g->accept_stat, kGarbageArgs);
}

}  // namespace
}  // namespace loopfs::testing
