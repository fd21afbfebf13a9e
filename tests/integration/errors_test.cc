// The error paths of issue 2 section 6 that need no special set-up: NOENT,
// EXIST, NOTEMPTY, NOTDIR, ISDIR, INVAL, BAD_COOKIE.  Each error reply must
// still carry the attributes RFC 1813 puts in the resfail arm.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "tests/support/nfs3_constants.h"
#include "tests/support/server_fixture.h"

namespace loopfs::testing {
namespace {

class ErrorsTest : public SharedServerTest<ErrorsTest> {
 protected:
  Fh File(const std::string& name) {
    CreateRes c = client_->Create(dir_, name, UNCHECKED, {.mode = 0644});
    EXPECT_TRUE(c.ok()) << Why(c);
    return c.fh.value_or(Fh{});
  }
};

TEST_F(ErrorsTest, NoEnt) {
  LookupRes l = client_->Lookup(dir_, "missing");
  EXPECT_EQ(l.status, NFS3ERR_NOENT) << Why(l);
  EXPECT_TRUE(l.dir_attr.has_value()) << "LOOKUP3resfail carries dir_attributes";
  EXPECT_EQ(client_->Remove(dir_, "missing").status, NFS3ERR_NOENT);
  EXPECT_EQ(client_->RmDir(dir_, "missing").status, NFS3ERR_NOENT);
  RenameRes r = client_->Rename(dir_, "missing", dir_, "other");
  EXPECT_EQ(r.status, NFS3ERR_NOENT) << Why(r);
  EXPECT_EQ(client_->LookupPath(dir_name_ + "/missing/deeper").status, NFS3ERR_NOENT);
}

TEST_F(ErrorsTest, Exist) {
  File("f");
  ASSERT_TRUE(client_->MkDir(dir_, "d").ok());
  CreateRes g = client_->Create(dir_, "f", GUARDED);
  EXPECT_EQ(g.status, NFS3ERR_EXIST) << Why(g);
  EXPECT_TRUE(g.dir_wcc.after.has_value()) << "CREATE3resfail carries dir_wcc";
  EXPECT_EQ(client_->MkDir(dir_, "f").status, NFS3ERR_EXIST);
  EXPECT_EQ(client_->MkDir(dir_, "d").status, NFS3ERR_EXIST);
  EXPECT_EQ(client_->SymLink(dir_, "f", "t").status, NFS3ERR_EXIST);
  EXPECT_EQ(client_->MkNod(dir_, "f", NF3FIFO).status, NFS3ERR_EXIST);
  EXPECT_EQ(client_->Link(client_->Lookup(dir_, "f").fh, dir_, "d").status, NFS3ERR_EXIST);
}

TEST_F(ErrorsTest, NotEmpty) {
  ASSERT_TRUE(client_->MkDir(dir_, "d").ok());
  Fh d = client_->Lookup(dir_, "d").fh;
  ASSERT_TRUE(client_->Create(d, "inside", UNCHECKED).ok());
  RemoveRes r = client_->RmDir(dir_, "d");
  EXPECT_EQ(r.status, NFS3ERR_NOTEMPTY) << Why(r);
  EXPECT_TRUE(r.dir_wcc.after.has_value());

  // RENAME over a non-empty directory: RFC 1813 allows EXIST or NOTEMPTY.
  ASSERT_TRUE(client_->MkDir(dir_, "e").ok());
  RenameRes rn = client_->Rename(dir_, "e", dir_, "d");
  EXPECT_TRUE(rn.status == NFS3ERR_NOTEMPTY || rn.status == NFS3ERR_EXIST) << Why(rn);
}

TEST_F(ErrorsTest, NotDirAndIsDir) {
  Fh f = File("f");
  ASSERT_TRUE(client_->MkDir(dir_, "d").ok());
  EXPECT_EQ(client_->Lookup(f, "x").status, NFS3ERR_NOTDIR);
  EXPECT_EQ(client_->Create(f, "x", UNCHECKED).status, NFS3ERR_NOTDIR);
  EXPECT_EQ(client_->ReadDir(f).status, NFS3ERR_NOTDIR);
  EXPECT_EQ(client_->RmDir(dir_, "f").status, NFS3ERR_NOTDIR);
  EXPECT_EQ(client_->Rename(dir_, "d", dir_, "f").status, NFS3ERR_NOTDIR);

  Fh d = client_->Lookup(dir_, "d").fh;
  EXPECT_EQ(client_->Rename(dir_, "f", dir_, "d").status, NFS3ERR_ISDIR);
  ReadRes r = client_->Read(d, 0, 10);
  EXPECT_TRUE(r.status == NFS3ERR_ISDIR || r.status == NFS3ERR_INVAL) << Why(r);
  WriteRes w = client_->Write(d, 0, {'x'});
  EXPECT_TRUE(w.status == NFS3ERR_ISDIR || w.status == NFS3ERR_INVAL) << Why(w);
}

TEST_F(ErrorsTest, ReadLinkOfNonSymlinkIsInval) {
  Fh f = File("f");
  ReadLinkRes r = client_->ReadLink(f);
  EXPECT_EQ(r.status, NFS3ERR_INVAL) << Why(r);
}

TEST_F(ErrorsTest, RenameDirectoryIntoItselfIsInval) {
  ASSERT_TRUE(client_->MkDir(dir_, "d").ok());
  Fh d = client_->Lookup(dir_, "d").fh;
  RenameRes r = client_->Rename(dir_, "d", d, "inside");
  EXPECT_EQ(r.status, NFS3ERR_INVAL) << Why(r);
}

TEST_F(ErrorsTest, BadCookieWithForgedVerifier) {
  for (int i = 0; i < 50; ++i) File(fmt::format("f{}", i));
  ReadDirRes first = client_->ReadDir(dir_, 0, {}, 512);
  ASSERT_TRUE(first.ok()) << Why(first);
  ASSERT_FALSE(first.eof);
  ASSERT_FALSE(first.entries.empty());
  uint64_t cookie = first.entries.back().cookie;

  // The real verifier resumes the listing.
  ReadDirRes next = client_->ReadDir(dir_, cookie, first.verf, 512);
  EXPECT_TRUE(next.ok()) << Why(next);

  std::array<uint8_t, 8> forged = first.verf;
  for (auto& b : forged) b ^= 0x5a;
  ReadDirRes bad = client_->ReadDir(dir_, cookie, forged, 512);
  if (TestServer::IsGanesha() && bad.ok()) {
    GTEST_SKIP() << "ganesha ignores cookie verifiers (RFC 1813 allows it)";
  }
  EXPECT_EQ(bad.status, NFS3ERR_BAD_COOKIE) << Why(bad);
  ReadDirRes badplus = client_->ReadDirPlus(dir_, cookie, forged, 512, 4096);
  EXPECT_EQ(badplus.status, NFS3ERR_BAD_COOKIE) << Why(badplus);

  // Starting over (cookie 0, zero verifier) always works.
  EXPECT_TRUE(client_->ReadDir(dir_, 0, {}, 512).ok());
}

}  // namespace
}  // namespace loopfs::testing
