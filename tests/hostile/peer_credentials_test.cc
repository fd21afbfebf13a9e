// AUTH_SYS is a claim, not a proof.  For a TCP peer on loopback loopfsd looks
// up which uid owns the client's socket and refuses credentials claiming
// another uid unless that owner is root (issue 2 section 2).
#include <grp.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "tests/hostile/hostile_fixture.h"
#include "tests/support/nfs3_constants.h"

namespace loopfs::testing {
namespace {

class PeerCredentialsTest : public HostileTest<PeerCredentialsTest> {
 public:
  static constexpr bool kMakeTestDir = false;

 protected:
  // Runs one GETATTR as local uid 1000 claiming AUTH_SYS uid claimed, in a
  // child process; returns 0 if served, 1 if refused with AUTH_ERROR, 2 for
  // anything else.
  int CallAsUser(uint32_t claimed) {
    pid_t pid = fork();
    if (pid == 0) {
      gid_t none[1] = {1000};
      if (setgroups(1, none) != 0 || setresgid(1000, 1000, 1000) != 0 ||
          setresuid(1000, 1000, 1000) != 0) {
        _exit(3);
      }
      auto c = RawRpcClient::Connect({.port = server_->nfs_port()});
      if (!c) _exit(4);
      CallHeader h{
          .xid = c->NextXid(), .proc = kNfs3GetAttr, .cred = Credential::Sys(claimed, claimed)};
      auto r = c->Call(h, GetAttrArgs(client_->root()));
      if (!r) _exit(5);
      if (r->Success() && ResultStatus(r->body) == NFS3_OK) _exit(0);
      if (!r->accepted && r->reject_stat == kAuthError) _exit(1);
      _exit(2);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
};

TEST_F(PeerCredentialsTest, UnprivilegedSocketCannotClaimAnotherUid) {
  if (TestServer::IsGanesha()) GTEST_SKIP() << "socket owner checks are loopfsd's";
  EXPECT_EQ(CallAsUser(1000), 0) << "its own uid is served";
  EXPECT_EQ(CallAsUser(0), 1) << "claiming root from a uid-1000 socket";
  EXPECT_EQ(CallAsUser(1001), 1) << "claiming another user";
}

}  // namespace
}  // namespace loopfs::testing
