// Every NFSv3 procedure of RFC 1813 on its success path, with the result
// fields a client relies on (post-op attributes, wcc data, handles).
#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "tests/support/nfs3_constants.h"
#include "tests/support/server_fixture.h"

namespace loopfs::testing {
namespace {

class ProceduresTest : public SharedServerTest<ProceduresTest> {
 protected:
  // Creates a regular file with content through the protocol.
  Fh MakeFile(const std::string& name, const std::string& content = "") {
    CreateRes c = client_->Create(dir_, name, UNCHECKED, {.mode = 0644});
    EXPECT_TRUE(c.ok()) << Why(c);
    if (!c.fh) return {};
    if (!content.empty()) {
      WriteRes w = client_->Write(*c.fh, 0, Bytes(content.begin(), content.end()), FILE_SYNC);
      EXPECT_TRUE(w.ok()) << Why(w);
    }
    return *c.fh;
  }
};

TEST_F(ProceduresTest, Null) { EXPECT_TRUE(client_->Null().ok()); }

TEST_F(ProceduresTest, GetAttrOfRootAndFile) {
  GetAttrRes root = client_->GetAttr(client_->root());
  ASSERT_TRUE(root.ok()) << Why(root);
  EXPECT_EQ(root.attr.type, NF3DIR);
  EXPECT_GE(root.attr.nlink, 2u);

  Fh f = MakeFile("f", "hello");
  GetAttrRes g = client_->GetAttr(f);
  ASSERT_TRUE(g.ok()) << Why(g);
  EXPECT_EQ(g.attr.type, NF3REG);
  EXPECT_EQ(g.attr.size, 5u);
  EXPECT_EQ(g.attr.mode & 07777, 0644u);
  EXPECT_EQ(g.attr.nlink, 1u);
  EXPECT_EQ(g.attr.fsid, root.attr.fsid) << "one fsid per export";
  EXPECT_NE(g.attr.fileid, root.attr.fileid);
}

TEST_F(ProceduresTest, SetAttrModeSizeTimesWithWcc) {
  Fh f = MakeFile("f", "0123456789");
  GetAttrRes before = client_->GetAttr(f);
  ASSERT_TRUE(before.ok());

  SetAttrRes s = client_->SetAttr(f, {.mode = 0600,
                                      .size = 4,
                                      .atime_how = SET_TO_CLIENT_TIME,
                                      .atime = {1000000, 5},
                                      .mtime_how = SET_TO_CLIENT_TIME,
                                      .mtime = {2000000, 7}});
  ASSERT_TRUE(s.ok()) << Why(s);
  ASSERT_TRUE(s.wcc.has_before) << "wcc_data before attributes";
  EXPECT_EQ(s.wcc.before_size, 10u);
  ASSERT_TRUE(s.wcc.after.has_value());
  EXPECT_EQ(s.wcc.after->size, 4u);
  EXPECT_EQ(s.wcc.after->mode & 07777, 0600u);
  EXPECT_EQ(s.wcc.after->atime, (Time3{1000000, 5}));
  EXPECT_EQ(s.wcc.after->mtime, (Time3{2000000, 7}));

  // Server time: mtime moves to now.
  SetAttrRes now = client_->SetAttr(f, {.mtime_how = SET_TO_SERVER_TIME});
  ASSERT_TRUE(now.ok()) << Why(now);
  ASSERT_TRUE(now.wcc.after.has_value());
  EXPECT_GT(now.wcc.after->mtime.seconds, 2000000u);
}

TEST_F(ProceduresTest, SetAttrCtimeGuard) {
  Fh f = MakeFile("f");
  GetAttrRes g = client_->GetAttr(f);
  ASSERT_TRUE(g.ok());
  Time3 wrong = g.attr.ctime;
  wrong.seconds -= 100;
  SetAttrRes bad = client_->SetAttr(f, {.mode = 0600}, wrong);
  EXPECT_EQ(bad.status, NFS3ERR_NOT_SYNC) << Why(bad);
  EXPECT_EQ(client_->GetAttr(f).attr.mode & 07777, 0644u) << "guarded SETATTR must not apply";

  SetAttrRes good = client_->SetAttr(f, {.mode = 0600}, g.attr.ctime);
  EXPECT_TRUE(good.ok()) << Why(good);
  EXPECT_EQ(client_->GetAttr(f).attr.mode & 07777, 0600u);
}

TEST_F(ProceduresTest, LookupFileDotAndDotDot) {
  Fh f = MakeFile("f");
  LookupRes l = client_->Lookup(dir_, "f");
  ASSERT_TRUE(l.ok()) << Why(l);
  EXPECT_EQ(l.fh, f) << "LOOKUP returns the handle CREATE returned";
  ASSERT_TRUE(l.attr.has_value());
  EXPECT_EQ(l.attr->type, NF3REG);
  EXPECT_TRUE(l.dir_attr.has_value());

  LookupRes dot = client_->Lookup(dir_, ".");
  ASSERT_TRUE(dot.ok()) << Why(dot);
  EXPECT_EQ(dot.attr->fileid, client_->GetAttr(dir_).attr.fileid);

  LookupRes dotdot = client_->Lookup(dir_, "..");
  ASSERT_TRUE(dotdot.ok()) << Why(dotdot);
  EXPECT_EQ(dotdot.attr->fileid, client_->GetAttr(client_->root()).attr.fileid);

  // ".." of the export root stays in the export.
  LookupRes up = client_->Lookup(client_->root(), "..");
  ASSERT_TRUE(up.ok()) << Why(up);
  EXPECT_EQ(up.attr->fileid, client_->GetAttr(client_->root()).attr.fileid);
}

TEST_F(ProceduresTest, AccessAsOwner) {
  Fh f = MakeFile("f");
  uint32_t all = ACCESS3_READ | ACCESS3_LOOKUP | ACCESS3_MODIFY | ACCESS3_EXTEND | ACCESS3_DELETE |
                 ACCESS3_EXECUTE;
  AccessRes a = client_->Access(f, all);
  ASSERT_TRUE(a.ok()) << Why(a);
  EXPECT_TRUE(a.access & ACCESS3_READ);
  EXPECT_TRUE(a.access & ACCESS3_MODIFY);
  EXPECT_EQ(a.access & ~all, 0u) << "only bits asked for";
  EXPECT_TRUE(a.attr.has_value());

  AccessRes d = client_->Access(dir_, ACCESS3_LOOKUP | ACCESS3_MODIFY);
  ASSERT_TRUE(d.ok()) << Why(d);
  EXPECT_TRUE(d.access & ACCESS3_LOOKUP);
  EXPECT_TRUE(d.access & ACCESS3_MODIFY);
}

TEST_F(ProceduresTest, SymLinkAndReadLink) {
  CreateRes s = client_->SymLink(dir_, "l", "some/where/../else");
  ASSERT_TRUE(s.ok()) << Why(s);
  ASSERT_TRUE(s.fh.has_value());
  EXPECT_TRUE(s.dir_wcc.after.has_value());
  ReadLinkRes r = client_->ReadLink(*s.fh);
  ASSERT_TRUE(r.ok()) << Why(r);
  EXPECT_EQ(r.target, "some/where/../else");
  ASSERT_TRUE(r.attr.has_value());
  EXPECT_EQ(r.attr->type, NF3LNK);
  EXPECT_EQ(std::filesystem::read_symlink(LocalDir() / "l"), "some/where/../else");
}

TEST_F(ProceduresTest, WriteReadAndCommit) {
  Fh f = MakeFile("f");
  Bytes data(100000);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 7);

  WriteRes w = client_->Write(f, 0, data, UNSTABLE);
  ASSERT_TRUE(w.ok()) << Why(w);
  EXPECT_EQ(w.count, data.size());
  ASSERT_TRUE(w.wcc.after.has_value());
  EXPECT_EQ(w.wcc.after->size, data.size());

  CommitRes c = client_->Commit(f);
  ASSERT_TRUE(c.ok()) << Why(c);
  EXPECT_EQ(c.verf, w.verf) << "same server instance, same write verifier";
  EXPECT_TRUE(c.wcc.after.has_value());

  ReadRes r = client_->Read(f, 0, 200000);
  ASSERT_TRUE(r.ok()) << Why(r);
  EXPECT_EQ(r.data, data);
  EXPECT_EQ(r.count, data.size());
  EXPECT_TRUE(r.eof);
  EXPECT_TRUE(r.attr.has_value());

  ReadRes mid = client_->Read(f, 1000, 10);
  ASSERT_TRUE(mid.ok());
  EXPECT_EQ(mid.data, Bytes(data.begin() + 1000, data.begin() + 1010));
  EXPECT_FALSE(mid.eof);

  ReadRes past = client_->Read(f, data.size() + 10, 10);
  ASSERT_TRUE(past.ok()) << Why(past);
  EXPECT_EQ(past.count, 0u);
  EXPECT_TRUE(past.eof);

  WriteRes fs = client_->Write(f, 5, {'x'}, FILE_SYNC);
  ASSERT_TRUE(fs.ok());
  EXPECT_EQ(fs.committed, static_cast<uint32_t>(FILE_SYNC));
  WriteRes ds = client_->Write(f, 6, {'y'}, DATA_SYNC);
  ASSERT_TRUE(ds.ok());
  EXPECT_GE(ds.committed, static_cast<uint32_t>(DATA_SYNC));
}

TEST_F(ProceduresTest, CreateModes) {
  CreateRes u = client_->Create(dir_, "u", UNCHECKED, {.mode = 0640});
  ASSERT_TRUE(u.ok()) << Why(u);
  ASSERT_TRUE(u.fh.has_value());
  ASSERT_TRUE(u.attr.has_value());
  EXPECT_EQ(u.attr->mode & 07777, 0640u);
  EXPECT_TRUE(u.dir_wcc.has_before);
  EXPECT_TRUE(u.dir_wcc.after.has_value());
  ASSERT_TRUE(client_->Write(*u.fh, 0, {'a', 'b', 'c'}).ok());

  // UNCHECKED on an existing file succeeds; a size in the sattr3 applies.
  CreateRes again = client_->Create(dir_, "u", UNCHECKED, {.size = 0});
  ASSERT_TRUE(again.ok()) << Why(again);
  EXPECT_EQ(client_->GetAttr(*u.fh).attr.size, 0u);

  CreateRes g = client_->Create(dir_, "g", GUARDED, {.mode = 0600});
  ASSERT_TRUE(g.ok()) << Why(g);
  EXPECT_EQ(client_->GetAttr(*g.fh).attr.mode & 07777, 0600u);
}

TEST_F(ProceduresTest, MkDir) {
  CreateRes d = client_->MkDir(dir_, "sub", {.mode = 0750});
  ASSERT_TRUE(d.ok()) << Why(d);
  ASSERT_TRUE(d.fh.has_value());
  ASSERT_TRUE(d.attr.has_value());
  EXPECT_EQ(d.attr->type, NF3DIR);
  EXPECT_EQ(d.attr->mode & 07777, 0750u);
  EXPECT_TRUE(d.dir_wcc.after.has_value());
  EXPECT_TRUE(std::filesystem::is_directory(LocalDir() / "sub"));
}

TEST_F(ProceduresTest, MkNodFifoSocketAndDevices) {
  CreateRes fifo = client_->MkNod(dir_, "fifo", NF3FIFO, {.mode = 0644});
  ASSERT_TRUE(fifo.ok()) << Why(fifo);
  ASSERT_TRUE(fifo.attr.has_value());
  EXPECT_EQ(fifo.attr->type, NF3FIFO);
  EXPECT_TRUE(std::filesystem::is_fifo(LocalDir() / "fifo"));

  CreateRes sock = client_->MkNod(dir_, "sock", NF3SOCK, {.mode = 0644});
  ASSERT_TRUE(sock.ok()) << Why(sock);
  EXPECT_EQ(client_->GetAttr(*sock.fh).attr.type, NF3SOCK);

  CreateRes chr = client_->MkNod(dir_, "chr", NF3CHR, {.mode = 0600}, 1, 3);
  ASSERT_TRUE(chr.ok()) << Why(chr);
  GetAttrRes c = client_->GetAttr(*chr.fh);
  EXPECT_EQ(c.attr.type, NF3CHR);
  EXPECT_EQ(c.attr.rdev_major, 1u);
  EXPECT_EQ(c.attr.rdev_minor, 3u);

  CreateRes blk = client_->MkNod(dir_, "blk", NF3BLK, {.mode = 0600}, 7, 0);
  ASSERT_TRUE(blk.ok()) << Why(blk);
  EXPECT_EQ(client_->GetAttr(*blk.fh).attr.type, NF3BLK);

  // MKNOD does not make regular files or directories.
  CreateRes reg = client_->MkNod(dir_, "reg", NF3REG, {.mode = 0644});
  EXPECT_EQ(reg.status, NFS3ERR_BADTYPE) << Why(reg);
}

TEST_F(ProceduresTest, RemoveAndRmDir) {
  MakeFile("f");
  ASSERT_TRUE(client_->MkDir(dir_, "d").ok());
  RemoveRes r = client_->Remove(dir_, "f");
  ASSERT_TRUE(r.ok()) << Why(r);
  EXPECT_TRUE(r.dir_wcc.has_before);
  EXPECT_TRUE(r.dir_wcc.after.has_value());
  EXPECT_FALSE(std::filesystem::exists(LocalDir() / "f"));
  RemoveRes d = client_->RmDir(dir_, "d");
  ASSERT_TRUE(d.ok()) << Why(d);
  EXPECT_TRUE(d.dir_wcc.after.has_value());
  EXPECT_FALSE(std::filesystem::exists(LocalDir() / "d"));
}

TEST_F(ProceduresTest, Rename) {
  Fh f = MakeFile("a", "x");
  ASSERT_TRUE(client_->MkDir(dir_, "d").ok());
  Fh d = client_->Lookup(dir_, "d").fh;
  RenameRes r = client_->Rename(dir_, "a", d, "b");
  ASSERT_TRUE(r.ok()) << Why(r);
  EXPECT_TRUE(r.from_wcc.after.has_value());
  EXPECT_TRUE(r.to_wcc.after.has_value());
  EXPECT_EQ(client_->Lookup(dir_, "a").status, NFS3ERR_NOENT);
  LookupRes b = client_->Lookup(d, "b");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b.attr->fileid, client_->GetAttr(f).attr.fileid)
      << "the old handle still names the renamed file";
}

TEST_F(ProceduresTest, Link) {
  Fh f = MakeFile("f");
  LinkRes l = client_->Link(f, dir_, "g");
  ASSERT_TRUE(l.ok()) << Why(l);
  ASSERT_TRUE(l.attr.has_value());
  EXPECT_EQ(l.attr->nlink, 2u);
  EXPECT_TRUE(l.dir_wcc.after.has_value());
  EXPECT_EQ(client_->Lookup(dir_, "g").attr->fileid, client_->GetAttr(f).attr.fileid);
}

TEST_F(ProceduresTest, ReadDirAndReadDirPlus) {
  for (const char* n : {"one", "two", "three"}) MakeFile(n);
  ASSERT_TRUE(client_->MkDir(dir_, "four").ok());

  ReadDirRes r = client_->ReadDir(dir_);
  ASSERT_TRUE(r.ok()) << Why(r);
  EXPECT_TRUE(r.eof);
  EXPECT_TRUE(r.dir_attr.has_value());
  std::set<std::string> names;
  for (const auto& e : r.entries) names.insert(e.name);
  for (const char* n : {"one", "two", "three", "four"}) EXPECT_TRUE(names.count(n)) << n;

  ReadDirRes p = client_->ReadDirPlus(dir_);
  ASSERT_TRUE(p.ok()) << Why(p);
  EXPECT_TRUE(p.eof);
  int checked = 0;
  for (const auto& e : p.entries) {
    if (e.name == "." || e.name == "..") continue;
    ASSERT_TRUE(e.fh.has_value()) << e.name;
    ASSERT_TRUE(e.attr.has_value()) << e.name;
    EXPECT_EQ(e.attr->fileid, e.fileid) << e.name;
    LookupRes l = client_->Lookup(dir_, e.name);
    ASSERT_TRUE(l.ok());
    EXPECT_EQ(l.attr->fileid, e.fileid) << e.name;
    EXPECT_EQ(e.attr->type, e.name == "four" ? NF3DIR : NF3REG) << e.name;
    ++checked;
  }
  EXPECT_EQ(checked, 4);
}

TEST_F(ProceduresTest, FsStat) {
  FsStatRes s = client_->FsStat(client_->root());
  ASSERT_TRUE(s.ok()) << Why(s);
  EXPECT_GT(s.tbytes, 0u);
  EXPECT_LE(s.fbytes, s.tbytes);
  EXPECT_LE(s.abytes, s.fbytes);
  EXPECT_GT(s.tfiles, 0u);
  EXPECT_TRUE(s.attr.has_value());
}

TEST_F(ProceduresTest, FsInfo) {
  FsInfoRes i = client_->FsInfo(client_->root());
  ASSERT_TRUE(i.ok()) << Why(i);
  EXPECT_TRUE(i.attr.has_value());
  EXPECT_TRUE(i.properties & FSF3_LINK);
  EXPECT_TRUE(i.properties & FSF3_SYMLINK);
  EXPECT_TRUE(i.properties & FSF3_HOMOGENEOUS);
  EXPECT_TRUE(i.properties & FSF3_CANSETTIME);
  EXPECT_GT(i.maxfilesize, uint64_t{1} << 32);
  if (!TestServer::IsGanesha()) {
    // issue 2 section 3: 1 MiB transfers, nanosecond times.
    EXPECT_EQ(i.rtmax, 1u << 20);
    EXPECT_EQ(i.wtmax, 1u << 20);
    EXPECT_EQ(i.rtpref, 1u << 20);
    EXPECT_EQ(i.wtpref, 1u << 20);
    EXPECT_EQ(i.time_delta, (Time3{0, 1}));
  }
}

TEST_F(ProceduresTest, PathConf) {
  PathConfRes p = client_->PathConf(client_->root());
  ASSERT_TRUE(p.ok()) << Why(p);
  if (!TestServer::IsGanesha()) {
    EXPECT_EQ(p.name_max, 255u);  // ganesha says 1024
  }
  EXPECT_TRUE(p.no_trunc);
  EXPECT_TRUE(p.case_preserving);
  EXPECT_FALSE(p.case_insensitive);
  EXPECT_GT(p.linkmax, 1u);
}

}  // namespace
}  // namespace loopfs::testing
