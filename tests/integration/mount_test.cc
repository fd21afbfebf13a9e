// MOUNT v3 (RFC 1813 section 5) and MNT of v1: NULL, MNT, DUMP, UMNT,
// UMNTALL, EXPORT, with their error paths.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "tests/support/nfs3_constants.h"
#include "tests/support/server_fixture.h"

namespace loopfs::testing {
namespace {

class MountTest : public SharedServerTest<MountTest> {
 public:
  static ServerConfig Config() { return ServerWith({"no_root_squash"}, {"/", "/other"}); }
  static constexpr bool kMakeTestDir = false;
};

TEST_F(MountTest, Null) { EXPECT_TRUE(client_->MountNull().ok()); }

TEST_F(MountTest, MntGivesRootHandleAndAuthSys) {
  MntRes m = client_->Mnt("/");
  ASSERT_TRUE(m.ok()) << Why(m);
  EXPECT_GT(m.fh.size(), 0u);
  EXPECT_LE(m.fh.size(), 64u);
  EXPECT_NE(std::find(m.flavors.begin(), m.flavors.end(), 1), m.flavors.end())
      << "AUTH_SYS must be offered";
  EXPECT_EQ(m.fh, client_->root()) << "handles are stable";
  GetAttrRes g = client_->GetAttr(m.fh);
  ASSERT_TRUE(g.ok()) << Why(g);
  EXPECT_EQ(g.attr.type, NF3DIR);
}

TEST_F(MountTest, SecondExportIsItsOwnTree) {
  MntRes a = client_->Mnt("/");
  MntRes b = client_->Mnt("/other");
  ASSERT_TRUE(a.ok()) << Why(a);
  ASSERT_TRUE(b.ok()) << Why(b);
  EXPECT_NE(a.fh, b.fh);
  std::ofstream(server_->export_dir(1) / "only-in-other") << "x";
  auto other = Nfs3Client::Connect(*server_, {.export_index = 1});
  ASSERT_NE(other, nullptr);
  EXPECT_TRUE(other->Lookup(other->root(), "only-in-other").ok());
  EXPECT_EQ(client_->Lookup(client_->root(), "only-in-other").status, NFS3ERR_NOENT);
  if (!TestServer::IsGanesha()) {
    // ganesha takes the fsid of the file system under both exports.
    EXPECT_NE(other->GetAttr(other->root()).attr.fsid, client_->GetAttr(client_->root()).attr.fsid)
        << "one fsid per export";
  }
}

TEST_F(MountTest, MntOfUnknownPathFails) {
  MntRes m = client_->Mnt("/no/such/export");
  ASSERT_TRUE(m.rpc_ok) << m.error;
  EXPECT_TRUE(m.status == MNT3ERR_NOENT || m.status == MNT3ERR_ACCES) << m.status;
}

TEST_F(MountTest, MntVersion1) {
  if (TestServer::IsGanesha()) GTEST_SKIP() << "ganesha serves MOUNT v1 without MNT";
  MntRes m = client_->Mnt1("/");
  ASSERT_TRUE(m.rpc_ok) << m.error;
  // A v1 handle is 32 bytes; servers whose handles do not fit answer an
  // error rather than a truncated handle.  Either way there is a reply.
  if (m.status == 0) {
    EXPECT_EQ(m.fh.size(), 32u);
  }
}

TEST_F(MountTest, DumpListsMountsAndUmntRemovesThem) {
  ASSERT_TRUE(client_->Mnt("/").ok());
  DumpRes d = client_->Dump();
  ASSERT_TRUE(d.ok()) << Why(d);
  if (!TestServer::IsGanesha()) {
    // ganesha keeps no mount list.
    EXPECT_TRUE(std::any_of(d.mounts.begin(), d.mounts.end(),
                            [](const MountEntry& m) { return m.dir == "/"; }));
  }
  EXPECT_TRUE(client_->Umnt("/").ok());
  EXPECT_TRUE(client_->Umnt("/never-mounted").ok()) << "UMNT has no error result";
  EXPECT_TRUE(client_->UmntAll().ok());
  DumpRes after = client_->Dump();
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(after.mounts.empty()) << "UMNTALL from the only client address";
}

TEST_F(MountTest, ExportListsBothExports) {
  ExportRes e = client_->Export();
  ASSERT_TRUE(e.ok()) << Why(e);
  EXPECT_NE(std::find(e.dirs.begin(), e.dirs.end(), "/"), e.dirs.end());
  EXPECT_NE(std::find(e.dirs.begin(), e.dirs.end(), "/other"), e.dirs.end());
}

}  // namespace
}  // namespace loopfs::testing
