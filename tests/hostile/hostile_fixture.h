// The fixture of the hostile suites: one server per suite (insecure, so raw
// clients need no reserved port), raw-client helpers, and the check that
// ends every test: a well-behaved client is still served.
#pragma once

#include <gtest/gtest.h>

#include "tests/support/nfs3_wire.h"
#include "tests/support/raw_rpc_client.h"
#include "tests/support/server_fixture.h"
#include "tests/support/serving_check.h"

namespace loopfs::testing {

template <class Derived>
class HostileTest : public SharedServerTest<Derived> {
 public:
  static ServerConfig Config() { return ServerWith({"insecure", "no_root_squash"}); }

 protected:
  using Base = SharedServerTest<Derived>;

  void TearDown() override {
    if (Base::server_) {
      EXPECT_TRUE(StillServing(*Base::server_));
    }
  }

  // UDP callers use a reserved port: over UDP the server cannot look up who
  // owns the client's socket, so only a reserved port vouches for AUTH_SYS.
  std::unique_ptr<RawRpcClient> Nfs(Transport t = Transport::kTcp) {
    auto c = RawRpcClient::Connect({.port = Base::server_->nfs_port(),
                                    .transport = t,
                                    .reserved_port = t == Transport::kUdp});
    EXPECT_NE(c, nullptr);
    return c;
  }
  std::unique_ptr<RawRpcClient> Mount(Transport t = Transport::kTcp) {
    auto c = RawRpcClient::Connect({.port = Base::server_->mount_port(),
                                    .transport = t,
                                    .reserved_port = t == Transport::kUdp});
    EXPECT_NE(c, nullptr);
    return c;
  }
  static CallHeader Nfs3Call(RawRpcClient& c, uint32_t proc) {
    return {.xid = c.NextXid(),
            .prog = kNfsProgram,
            .vers = kNfsV3,
            .proc = proc,
            .cred = Credential::Sys(0, 0)};
  }
};

}  // namespace loopfs::testing
