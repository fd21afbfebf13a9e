// Default export options are like knfsd's "secure": calls from source ports
// of 1024 and up are refused with AUTH_ERROR/AUTH_TOOWEAK; `insecure` lifts
// that.
#include <gtest/gtest.h>

#include "tests/support/nfs3_constants.h"
#include "tests/support/nfs3_wire.h"
#include "tests/support/raw_rpc_client.h"
#include "tests/support/server_fixture.h"

namespace loopfs::testing {
namespace {

class SecureDefaultTest : public SharedServerTest<SecureDefaultTest> {
 public:
  static ServerConfig Config() { return ServerWith({"no_root_squash"}); }
  static constexpr bool kMakeTestDir = false;
};

TEST_F(SecureDefaultTest, UnreservedPortIsTooWeak) {
  auto raw = RawRpcClient::Connect({.port = server_->nfs_port(), .reserved_port = false});
  ASSERT_NE(raw, nullptr);
  ASSERT_GE(raw->local_port(), 1024);
  CallHeader h{.xid = raw->NextXid(), .proc = kNfs3GetAttr, .cred = Credential::Sys(0, 0)};
  auto r = raw->Call(h, GetAttrArgs(client_->root()));
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(r->accepted) << DescribeReply(*r);
  EXPECT_EQ(r->reject_stat, kAuthError);
  EXPECT_EQ(r->auth_stat, kAuthTooWeak);
}

TEST_F(SecureDefaultTest, ReservedPortIsServed) {
  auto raw = RawRpcClient::Connect({.port = server_->nfs_port(), .reserved_port = true});
  ASSERT_NE(raw, nullptr);
  ASSERT_LT(raw->local_port(), 1024);
  CallHeader h{.xid = raw->NextXid(), .proc = kNfs3GetAttr, .cred = Credential::Sys(0, 0)};
  auto r = raw->Call(h, GetAttrArgs(client_->root()));
  ASSERT_TRUE(r && r->Success()) << (r ? DescribeReply(*r) : "no reply");
  EXPECT_EQ(ResultStatus(r->body), NFS3_OK);
}

class InsecureTest : public SharedServerTest<InsecureTest> {
 public:
  static ServerConfig Config() { return ServerWith({"insecure", "no_root_squash"}); }
  static constexpr bool kMakeTestDir = false;
};

TEST_F(InsecureTest, UnreservedPortIsServed) {
  auto raw = RawRpcClient::Connect({.port = server_->nfs_port(), .reserved_port = false});
  ASSERT_NE(raw, nullptr);
  CallHeader h{.xid = raw->NextXid(), .proc = kNfs3GetAttr, .cred = Credential::Sys(0, 0)};
  auto r = raw->Call(h, GetAttrArgs(client_->root()));
  ASSERT_TRUE(r && r->Success()) << (r ? DescribeReply(*r) : "no reply");
  EXPECT_EQ(ResultStatus(r->body), NFS3_OK);
}

}  // namespace
}  // namespace loopfs::testing
