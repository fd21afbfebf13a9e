#include "tests/support/serving_check.h"

#include "tests/support/nfs3_client.h"

namespace loopfs::testing {

::testing::AssertionResult StillServing(TestServer& server) {
  if (!server.Alive()) {
    return ::testing::AssertionFailure() << "server process is gone; log:\n" << server.LogTail();
  }
  auto client = Nfs3Client::Connect(server);
  if (!client) {
    return ::testing::AssertionFailure() << "well-behaved client could not mount/connect; log:\n"
                                         << server.LogTail();
  }
  Res3 n = client->Null();
  if (!n.ok()) return ::testing::AssertionFailure() << "NFS NULL failed: " << n.error;
  GetAttrRes g = client->GetAttr(client->root());
  if (!g.ok()) {
    return ::testing::AssertionFailure()
           << "GETATTR of the root failed: status " << g.status << " " << g.error;
  }
  if (g.attr.type != 2) {
    return ::testing::AssertionFailure() << "root is not a directory: type " << g.attr.type;
  }
  return ::testing::AssertionSuccess();
}

}  // namespace loopfs::testing
