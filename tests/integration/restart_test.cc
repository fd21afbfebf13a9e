// After a restart on the same state directory, file handles still name the
// same objects (issue 2 section 3) and the write verifier is new, so clients
// resend unstable writes.
#include <gtest/gtest.h>

#include "tests/support/nfs3_constants.h"
#include "tests/support/server_fixture.h"

namespace loopfs::testing {
namespace {

class RestartTest : public SharedServerTest<RestartTest> {};

TEST_F(RestartTest, HandlesSurviveAndWriteVerifierChanges) {
  CreateRes c = client_->Create(dir_, "kept", GUARDED, {.mode = 0644});
  ASSERT_TRUE(c.ok()) << Why(c);
  WriteRes w = client_->Write(*c.fh, 0, {'k', 'e', 'p', 't'}, UNSTABLE);
  ASSERT_TRUE(w.ok()) << Why(w);
  ASSERT_TRUE(client_->Commit(*c.fh).ok());
  uint64_t fileid = client_->GetAttr(*c.fh).attr.fileid;
  Fh root = client_->root();
  Fh dir = dir_;
  client_.reset();

  if (!server_->Restart()) {
    if (TestServer::IsGanesha()) GTEST_SKIP() << "restart is loopfsd's";
    FAIL() << "restart failed; log:\n" << server_->LogTail();
  }
  auto again = Nfs3Client::Connect(*server_);
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(again->root(), root) << "MNT hands out the same root handle";
  GetAttrRes g = again->GetAttr(*c.fh);
  ASSERT_TRUE(g.ok()) << "handle from before the restart: " << Why(g);
  EXPECT_EQ(g.attr.fileid, fileid);
  ReadRes r = again->Read(*c.fh, 0, 10);
  ASSERT_TRUE(r.ok()) << Why(r);
  EXPECT_EQ(r.data, (Bytes{'k', 'e', 'p', 't'}));
  LookupRes l = again->Lookup(dir, "kept");
  ASSERT_TRUE(l.ok()) << Why(l);
  EXPECT_EQ(l.fh, *c.fh) << "the same object gets the same handle";

  WriteRes w2 = again->Write(*c.fh, 4, {'!'}, UNSTABLE);
  ASSERT_TRUE(w2.ok()) << Why(w2);
  EXPECT_NE(w2.verf, w.verf) << "a new server instance needs a new write verifier";
}

}  // namespace
}  // namespace loopfs::testing
