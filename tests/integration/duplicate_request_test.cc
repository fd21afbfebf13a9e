// The duplicate request cache (issue 2 section 2): a retransmission of a
// non-idempotent call (same XID, same client address and port, same
// arguments) gets the original reply byte for byte and is not executed again.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "tests/support/nfs3_constants.h"
#include "tests/support/nfs3_wire.h"
#include "tests/support/raw_rpc_client.h"
#include "tests/support/server_fixture.h"

namespace loopfs::testing {
namespace {

class DuplicateRequestTest : public SharedServerTest<DuplicateRequestTest> {
 protected:
  std::unique_ptr<RawRpcClient> Raw(uint16_t source_port = 0) {
    return RawRpcClient::Connect(
        {.port = server_->nfs_port(), .reserved_port = true, .source_port = source_port});
  }
  CallHeader Header(RawRpcClient& c, uint32_t proc, uint32_t xid = 0) {
    return {.xid = xid != 0 ? xid : c.NextXid(), .proc = proc, .cred = Credential::Sys(0, 0)};
  }
};

TEST_F(DuplicateRequestTest, CreateGuardedReplayGetsOriginalReply) {
  auto raw = Raw();
  ASSERT_NE(raw, nullptr);
  CallHeader h = Header(*raw, kNfs3Create);
  Bytes args = CreateGuardedArgs(dir_, "once");
  auto first = raw->Call(h, args);
  ASSERT_TRUE(first && first->Success()) << (first ? DescribeReply(*first) : "no reply");
  ASSERT_EQ(ResultStatus(first->body), NFS3_OK);

  auto replay = raw->Call(h, args, milliseconds(5000));
  if (!replay && TestServer::IsGanesha()) GTEST_SKIP() << "ganesha drops this retransmission";
  ASSERT_TRUE(replay.has_value()) << "no reply to the retransmission";
  EXPECT_EQ(ResultStatus(replay->body), NFS3_OK) << "a replay must not be executed again (EXIST)";
  EXPECT_EQ(replay->raw, first->raw) << "the cached reply, byte for byte";

  // A new XID is a new call: now the name exists.
  auto fresh = raw->Call(Header(*raw, kNfs3Create), args);
  ASSERT_TRUE(fresh && fresh->Success());
  EXPECT_EQ(ResultStatus(fresh->body), NFS3ERR_EXIST);
}

TEST_F(DuplicateRequestTest, RemoveReplayGetsOriginalReply) {
  ASSERT_TRUE(client_->Create(dir_, "victim", UNCHECKED).ok());
  auto raw = Raw();
  ASSERT_NE(raw, nullptr);
  CallHeader h = Header(*raw, kNfs3Remove);
  Bytes args = DirOpArgs(dir_, "victim");
  auto first = raw->Call(h, args);
  ASSERT_TRUE(first && first->Success());
  ASSERT_EQ(ResultStatus(first->body), NFS3_OK);
  auto replay = raw->Call(h, args);
  ASSERT_TRUE(replay.has_value());
  EXPECT_EQ(ResultStatus(replay->body), NFS3_OK) << "not NOENT from a second execution";
  EXPECT_EQ(replay->raw, first->raw);
}

TEST_F(DuplicateRequestTest, ReplayAfterReconnectFromSamePort) {
  // What a client does after a lost connection: reconnect from the same
  // port and retransmit.
  auto raw = Raw();
  ASSERT_NE(raw, nullptr);
  uint16_t port = raw->local_port();
  CallHeader h = Header(*raw, kNfs3MkDir);
  Bytes args = MkDirArgs(dir_, "d");
  auto first = raw->Call(h, args);
  ASSERT_TRUE(first && first->Success());
  ASSERT_EQ(ResultStatus(first->body), NFS3_OK);
  raw->Abort();

  std::unique_ptr<RawRpcClient> again;
  for (int i = 0; i < 50 && !again; ++i) {
    again = Raw(port);
    if (!again) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_NE(again, nullptr) << "could not rebind port " << port;
  auto replay = again->Call(h, args, milliseconds(5000));
  if (!replay && TestServer::IsGanesha()) GTEST_SKIP() << "ganesha's DRC is per connection";
  ASSERT_TRUE(replay.has_value()) << "no reply to the retransmission";
  EXPECT_EQ(ResultStatus(replay->body), NFS3_OK);
  EXPECT_EQ(replay->raw, first->raw);
}

TEST_F(DuplicateRequestTest, SameXidOtherArgumentsIsANewCall) {
  auto raw = Raw();
  ASSERT_NE(raw, nullptr);
  CallHeader h = Header(*raw, kNfs3Create);
  auto a = raw->Call(h, CreateGuardedArgs(dir_, "a"));
  ASSERT_TRUE(a && a->Success());
  EXPECT_EQ(ResultStatus(a->body), NFS3_OK);
  // Same XID, different arguments: the checksum differs, so it executes.
  auto b = raw->Call(h, CreateGuardedArgs(dir_, "b"));
  ASSERT_TRUE(b && b->Success());
  EXPECT_EQ(ResultStatus(b->body), NFS3_OK);
  EXPECT_TRUE(client_->Lookup(dir_, "b").ok()) << "b must have been created";
}

TEST_F(DuplicateRequestTest, OtherSourcePortIsANewCall) {
  auto one = Raw();
  auto two = Raw();
  ASSERT_TRUE(one && two);
  uint32_t xid = one->NextXid();
  Bytes args = CreateGuardedArgs(dir_, "c");
  auto a = one->Call(Header(*one, kNfs3Create, xid), args);
  ASSERT_TRUE(a && a->Success());
  EXPECT_EQ(ResultStatus(a->body), NFS3_OK);
  auto b = two->Call(Header(*two, kNfs3Create, xid), args);
  ASSERT_TRUE(b && b->Success());
  EXPECT_EQ(ResultStatus(b->body), NFS3ERR_EXIST) << "another client's call is executed";
}

}  // namespace
}  // namespace loopfs::testing
