// Name space operations: RENAME with POSIX replace semantics, link counts,
// symlinks that point outside the export, and special files.
#include <gtest/gtest.h>

#include "tests/support/nfs3_constants.h"
#include "tests/support/server_fixture.h"

namespace loopfs::testing {
namespace {

class NamespaceTest : public SharedServerTest<NamespaceTest> {
 protected:
  Fh File(const Fh& dir, const std::string& name, const std::string& content = "") {
    CreateRes c = client_->Create(dir, name, UNCHECKED, {.mode = 0644});
    EXPECT_TRUE(c.ok()) << Why(c);
    if (c.fh && !content.empty()) {
      EXPECT_TRUE(client_->Write(*c.fh, 0, Bytes(content.begin(), content.end())).ok());
    }
    return c.fh.value_or(Fh{});
  }
  Fh Dir(const Fh& dir, const std::string& name) {
    CreateRes c = client_->MkDir(dir, name, {.mode = 0755});
    EXPECT_TRUE(c.ok()) << Why(c);
    return c.fh.value_or(Fh{});
  }
  std::string Content(const Fh& dir, const std::string& name) {
    LookupRes l = client_->Lookup(dir, name);
    if (!l.ok()) return "<" + Why(l) + ">";
    ReadRes r = client_->Read(l.fh, 0, 1000);
    return std::string(r.data.begin(), r.data.end());
  }
};

TEST_F(NamespaceTest, RenameReplacesFile) {
  File(dir_, "a", "new");
  File(dir_, "b", "old");
  ASSERT_TRUE(client_->Rename(dir_, "a", dir_, "b").ok());
  EXPECT_EQ(Content(dir_, "b"), "new");
  EXPECT_EQ(client_->Lookup(dir_, "a").status, NFS3ERR_NOENT);
}

TEST_F(NamespaceTest, RenameDirectoryOverEmptyDirectory) {
  Fh a = Dir(dir_, "a");
  File(a, "inside", "x");
  Dir(dir_, "b");
  RenameRes r = client_->Rename(dir_, "a", dir_, "b");
  ASSERT_TRUE(r.ok()) << Why(r);
  EXPECT_EQ(Content(client_->Lookup(dir_, "b").fh, "inside"), "x");
}

TEST_F(NamespaceTest, RenameToItselfIsANoOp) {
  File(dir_, "same", "keep");
  ASSERT_TRUE(client_->Rename(dir_, "same", dir_, "same").ok());
  EXPECT_EQ(Content(dir_, "same"), "keep");
  // Two links of one file: rename(2) does nothing and succeeds.
  ASSERT_TRUE(client_->Link(client_->Lookup(dir_, "same").fh, dir_, "alias").ok());
  ASSERT_TRUE(client_->Rename(dir_, "same", dir_, "alias").ok());
  EXPECT_TRUE(client_->Lookup(dir_, "same").ok());
  EXPECT_TRUE(client_->Lookup(dir_, "alias").ok());
}

TEST_F(NamespaceTest, RenameAcrossDirectoriesUpdatesBothWcc) {
  Fh from = Dir(dir_, "from");
  Fh to = Dir(dir_, "to");
  File(from, "f", "moved");
  GetAttrRes to_before = client_->GetAttr(to);
  RenameRes r = client_->Rename(from, "f", to, "g");
  ASSERT_TRUE(r.ok()) << Why(r);
  ASSERT_TRUE(r.from_wcc.after.has_value());
  ASSERT_TRUE(r.to_wcc.after.has_value());
  EXPECT_EQ(r.to_wcc.after->fileid, to_before.attr.fileid);
  EXPECT_EQ(Content(to, "g"), "moved");
  // Moving a directory changes the parents' link counts.
  Fh sub = Dir(from, "sub");
  uint32_t from_links = client_->GetAttr(from).attr.nlink;
  uint32_t to_links = client_->GetAttr(to).attr.nlink;
  ASSERT_TRUE(client_->Rename(from, "sub", to, "sub").ok());
  EXPECT_EQ(client_->GetAttr(from).attr.nlink, from_links - 1);
  EXPECT_EQ(client_->GetAttr(to).attr.nlink, to_links + 1);
  LookupRes dotdot = client_->Lookup(sub, "..");
  ASSERT_TRUE(dotdot.ok());
  EXPECT_EQ(dotdot.attr->fileid, to_before.attr.fileid);
}

TEST_F(NamespaceTest, LinkCounts) {
  Fh f = File(dir_, "f");
  EXPECT_EQ(client_->GetAttr(f).attr.nlink, 1u);
  ASSERT_TRUE(client_->Link(f, dir_, "g").ok());
  ASSERT_TRUE(client_->Link(f, dir_, "h").ok());
  EXPECT_EQ(client_->GetAttr(f).attr.nlink, 3u);
  ASSERT_TRUE(client_->Remove(dir_, "f").ok());
  EXPECT_EQ(client_->GetAttr(client_->Lookup(dir_, "g").fh).attr.nlink, 2u);
  EXPECT_TRUE(client_->GetAttr(f).ok()) << "handle of a file with links left stays valid";

  Fh d = Dir(dir_, "d");
  EXPECT_EQ(client_->GetAttr(d).attr.nlink, 2u);
  Dir(d, "c1");
  Dir(d, "c2");
  EXPECT_EQ(client_->GetAttr(d).attr.nlink, 4u);
  ASSERT_TRUE(client_->RmDir(d, "c1").ok());
  EXPECT_EQ(client_->GetAttr(d).attr.nlink, 3u);
}

TEST_F(NamespaceTest, SymlinksAreNotFollowedByTheServer) {
  // Symlinks that point out of the export are stored and returned as text;
  // LOOKUP returns the link itself, never what it points to.
  ASSERT_TRUE(client_->SymLink(dir_, "abs", "/etc").ok());
  ASSERT_TRUE(client_->SymLink(dir_, "rel", "../../../../../../etc").ok());
  for (const char* n : {"abs", "rel"}) {
    LookupRes l = client_->Lookup(dir_, n);
    ASSERT_TRUE(l.ok()) << n;
    EXPECT_EQ(l.attr->type, NF3LNK) << n;
    LookupRes through = client_->Lookup(l.fh, "passwd");
    EXPECT_EQ(through.status, NFS3ERR_NOTDIR) << n << ": " << Why(through);
  }
  EXPECT_EQ(client_->ReadLink(client_->Lookup(dir_, "abs").fh).target, "/etc");
}

TEST_F(NamespaceTest, LocalSymlinkOutOfTheExportDoesNotEscape) {
  std::filesystem::create_directory_symlink("/etc", LocalDir() / "escape");
  LookupRes l = client_->Lookup(dir_, "escape");
  ASSERT_TRUE(l.ok()) << Why(l);
  EXPECT_EQ(l.attr->type, NF3LNK);
  EXPECT_NE(client_->Lookup(l.fh, "passwd").status, NFS3_OK);
  // A path with ".." components from the export root stays inside.
  LookupRes up = client_->LookupPath("../../..");
  ASSERT_TRUE(up.ok()) << Why(up);
  EXPECT_EQ(up.attr->fileid, client_->GetAttr(client_->root()).attr.fileid);
  EXPECT_EQ(client_->LookupPath("../../etc/passwd").status, NFS3ERR_NOENT);
}

TEST_F(NamespaceTest, FifoIsCreatedAndListed) {
  CreateRes f = client_->MkNod(dir_, "pipe", NF3FIFO, {.mode = 0620});
  ASSERT_TRUE(f.ok()) << Why(f);
  EXPECT_EQ(f.attr->mode & 07777, 0620u);
  ReadDirRes p = client_->ReadDirPlus(dir_);
  ASSERT_TRUE(p.ok());
  bool found = false;
  for (const auto& e : p.entries) {
    if (e.name != "pipe") continue;
    found = true;
    ASSERT_TRUE(e.attr.has_value());
    EXPECT_EQ(e.attr->type, NF3FIFO);
  }
  EXPECT_TRUE(found);
  ASSERT_TRUE(client_->Remove(dir_, "pipe").ok());
}

}  // namespace
}  // namespace loopfs::testing
