// The posix layer, one operation at a time, as root.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>

#include <algorithm>
#include <random>
#include <set>

#include "tests/unit/layers/posix_test_util.h"

namespace loopfs::testing {
namespace {

TEST_F(PosixLayerTest, RootIsTheDirectory) {
  struct stat st {};
  ASSERT_EQ(stat(dir_.path().c_str(), &st), 0);
  Attr a = GetAttr(root_);
  EXPECT_EQ(a.type, FileType::kDir);
  EXPECT_EQ(a.fileid, st.st_ino);
  EXPECT_EQ(a.mode, st.st_mode & 07777);
  EXPECT_EQ(a.fsid, 0u);
  EXPECT_LE(root_.size, kMaxLayerHandle);
  EXPECT_EQ(layer_->type(), "posix");
}

TEST_F(PosixLayerTest, CreateWriteReadGetAttr) {
  NodeHandle f = CreateFile(root_, "file", 0640);
  Attr a = GetAttr(f);
  EXPECT_EQ(a.type, FileType::kReg);
  EXPECT_EQ(a.mode, 0640u);  // umask does not apply
  EXPECT_EQ(a.size, 0u);
  EXPECT_EQ(Lookup(root_, "file"), f);

  ASSERT_TRUE(WriteString(f, 0, "hello world").ok());
  ASSERT_TRUE(WriteString(f, 6, "WORLD").ok());
  Status s;
  EXPECT_EQ(ReadString(f, 0, 100, &s), "hello WORLD");
  EXPECT_TRUE(s.ok());

  std::vector<uint8_t> buf(5);
  ReadRes rr;
  ASSERT_TRUE(layer_->Read(root_ctx_, f, 0, buf, &rr).ok());
  EXPECT_EQ(rr.count, 5u);
  EXPECT_FALSE(rr.eof);
  ASSERT_TRUE(layer_->Read(root_ctx_, f, 6, buf, &rr).ok());
  EXPECT_EQ(rr.count, 5u);
  EXPECT_TRUE(rr.eof);  // offset + count reaches the size
  ASSERT_TRUE(layer_->Read(root_ctx_, f, 1000, buf, &rr).ok());
  EXPECT_EQ(rr.count, 0u);
  EXPECT_TRUE(rr.eof);
  ASSERT_TRUE(rr.attr);
  EXPECT_EQ(rr.attr->size, 11u);

  std::string on_disk;
  FILE* fp = fopen((dir_ / "file").c_str(), "r");
  ASSERT_NE(fp, nullptr);
  char tmp[64];
  on_disk.assign(tmp, fread(tmp, 1, sizeof(tmp), fp));
  fclose(fp);
  EXPECT_EQ(on_disk, "hello WORLD");
}

TEST_F(PosixLayerTest, WriteStabilityAndCommit) {
  NodeHandle f = CreateFile(root_, "f");
  const uint8_t data[4] = {1, 2, 3, 4};
  for (StableHow how : {StableHow::kUnstable, StableHow::kDataSync, StableHow::kFileSync}) {
    WriteRes res;
    ASSERT_TRUE(layer_->Write(root_ctx_, f, 0, data, how, &res).ok());
    EXPECT_EQ(res.count, 4u);
    EXPECT_EQ(res.committed, how);
    ASSERT_TRUE(res.wcc.before && res.wcc.after);
    EXPECT_EQ(res.wcc.after->size, 4u);
  }
  CommitRes cr;
  EXPECT_TRUE(layer_->Commit(root_ctx_, f, 0, 0, &cr).ok());
  EXPECT_TRUE(cr.wcc.after);
  WriteRes wr;
  EXPECT_EQ(layer_->Write(root_ctx_, root_, 0, data, StableHow::kUnstable, &wr),
            Status(Nfsstat3::kIsdir));
  std::vector<uint8_t> buf(4);
  ReadRes rr;
  EXPECT_EQ(layer_->Read(root_ctx_, root_, 0, buf, &rr), Status(Nfsstat3::kIsdir));
}

TEST_F(PosixLayerTest, ReadOnlyExportRefusesChanges) {
  NodeHandle f = CreateFile(root_, "f");
  RequestContext ro;
  ro.read_only = true;
  WriteRes wr;
  EXPECT_EQ(layer_->Write(ro, f, 0, {}, StableHow::kUnstable, &wr), Status(Nfsstat3::kRofs));
  CreateRes cr;
  EXPECT_EQ(layer_->Create(ro, root_, "g", CreateMode::kUnchecked, {}, {}, &cr),
            Status(Nfsstat3::kRofs));
  EXPECT_EQ(layer_->MkDir(ro, root_, "d", {}, &cr), Status(Nfsstat3::kRofs));
  RemoveRes rm;
  EXPECT_EQ(layer_->Remove(ro, root_, "f", &rm), Status(Nfsstat3::kRofs));
  Wcc wcc;
  SetAttrArgs sa;
  sa.mode = 0600;
  EXPECT_EQ(layer_->SetAttr(ro, f, sa, std::nullopt, &wcc), Status(Nfsstat3::kRofs));
  AccessRes ar;
  ASSERT_TRUE(layer_->Access(ro, f, 0x3f, &ar).ok());
  EXPECT_EQ(ar.granted & (kAccessModify | kAccessExtend), 0u);
  EXPECT_NE(ar.granted & kAccessRead, 0u);
}

TEST_F(PosixLayerTest, SetAttrModeOwnerSizeTimesAndGuard) {
  NodeHandle f = CreateFile(root_, "f", 0600);
  ASSERT_TRUE(WriteString(f, 0, "0123456789").ok());
  Attr before = GetAttr(f);

  SetAttrArgs sa;
  sa.mode = 04751;
  sa.uid = 1234;
  sa.gid = 5678;
  sa.size = 4;
  sa.atime = {TimeHow::kClientTime, {1000000, 5}};
  sa.mtime = {TimeHow::kClientTime, {2000000, 7}};
  Wcc wcc;
  ASSERT_TRUE(layer_->SetAttr(root_ctx_, f, sa, before.ctime, &wcc).ok());
  ASSERT_TRUE(wcc.before && wcc.after);
  EXPECT_EQ(wcc.before->size, 10u);
  Attr a = *wcc.after;
  EXPECT_EQ(a.mode, 04751u);  // chown first, so the sent mode survives
  EXPECT_EQ(a.uid, 1234u);
  EXPECT_EQ(a.gid, 5678u);
  EXPECT_EQ(a.size, 4u);
  EXPECT_EQ(a.atime, (NfsTime{1000000, 5}));
  EXPECT_EQ(a.mtime, (NfsTime{2000000, 7}));

  // A stale ctime guard changes nothing.
  SetAttrArgs sb;
  sb.mode = 0600;
  EXPECT_EQ(layer_->SetAttr(root_ctx_, f, sb, before.ctime, &wcc), Status(Nfsstat3::kNotSync));
  EXPECT_EQ(GetAttr(f).mode, 04751u);

  // Server time.
  SetAttrArgs now;
  now.mtime.how = TimeHow::kServerTime;
  ASSERT_TRUE(layer_->SetAttr(root_ctx_, f, now, std::nullopt, &wcc).ok());
  EXPECT_GT(GetAttr(f).mtime.seconds, 2000000u);

  // Size on a directory, nanoseconds out of range.
  SetAttrArgs size;
  size.size = 0;
  EXPECT_EQ(layer_->SetAttr(root_ctx_, root_, size, std::nullopt, &wcc),
            Status(Nfsstat3::kIsdir));
  SetAttrArgs bad;
  bad.atime = {TimeHow::kClientTime, {1, 1000000000}};
  EXPECT_EQ(layer_->SetAttr(root_ctx_, f, bad, std::nullopt, &wcc), Status(Nfsstat3::kInval));
}

TEST_F(PosixLayerTest, SetAttrOnSymlinkIgnoresModeButSetsOwnerAndTimes) {
  CreateRes cr;
  ASSERT_TRUE(layer_->SymLink(root_ctx_, root_, "l", "target", {}, &cr).ok());
  SetAttrArgs sa;
  sa.mode = 0600;
  sa.uid = 42;
  sa.mtime = {TimeHow::kClientTime, {12345, 0}};
  Wcc wcc;
  ASSERT_TRUE(layer_->SetAttr(root_ctx_, *cr.handle, sa, std::nullopt, &wcc).ok());
  struct stat st {};
  ASSERT_EQ(lstat((dir_ / "l").c_str(), &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  EXPECT_EQ(st.st_uid, 42u);
  EXPECT_EQ(st.st_mtim.tv_sec, 12345);
}

TEST_F(PosixLayerTest, MkDirSymLinkReadLinkMkNod) {
  NodeHandle d = MakeDir(root_, "dir", 0750);
  EXPECT_EQ(GetAttr(d).type, FileType::kDir);
  EXPECT_EQ(GetAttr(d).mode, 0750u);

  CreateRes cr;
  ASSERT_TRUE(layer_->SymLink(root_ctx_, d, "link", "../some/where", {}, &cr).ok());
  ASSERT_TRUE(cr.handle && cr.attr);
  EXPECT_EQ(cr.attr->type, FileType::kLnk);
  ReadLinkRes rl;
  ASSERT_TRUE(layer_->ReadLink(root_ctx_, *cr.handle, &rl).ok());
  EXPECT_EQ(rl.target, "../some/where");
  EXPECT_EQ(layer_->ReadLink(root_ctx_, d, &rl), Status(Nfsstat3::kInval));
  EXPECT_EQ(layer_->SymLink(root_ctx_, d, "empty", "", {}, &cr), Status(Nfsstat3::kInval));

  SetAttrArgs mode;
  mode.mode = 0640;
  ASSERT_TRUE(layer_->MkNod(root_ctx_, d, "fifo", FileType::kFifo, mode, 0, 0, &cr).ok());
  EXPECT_EQ(cr.attr->type, FileType::kFifo);
  EXPECT_EQ(cr.attr->mode, 0640u);
  ASSERT_TRUE(layer_->MkNod(root_ctx_, d, "sock", FileType::kSock, mode, 0, 0, &cr).ok());
  EXPECT_EQ(cr.attr->type, FileType::kSock);
  ASSERT_TRUE(layer_->MkNod(root_ctx_, d, "chr", FileType::kChr, mode, 1, 3, &cr).ok());
  EXPECT_EQ(cr.attr->type, FileType::kChr);
  EXPECT_EQ(cr.attr->rdev_major, 1u);
  EXPECT_EQ(cr.attr->rdev_minor, 3u);
  ASSERT_TRUE(layer_->MkNod(root_ctx_, d, "blk", FileType::kBlk, mode, 7, 0, &cr).ok());
  EXPECT_EQ(cr.attr->type, FileType::kBlk);
  EXPECT_EQ(layer_->MkNod(root_ctx_, d, "reg", FileType::kReg, mode, 0, 0, &cr),
            Status(Nfsstat3::kBadtype));
  EXPECT_EQ(layer_->MkNod(root_ctx_, d, "dir", FileType::kDir, mode, 0, 0, &cr),
            Status(Nfsstat3::kBadtype));
  // The server never opens a device or FIFO for data.
  std::vector<uint8_t> buf(4);
  ReadRes rr;
  EXPECT_EQ(layer_->Read(root_ctx_, Lookup(d, "chr"), 0, buf, &rr), Status(Nfsstat3::kInval));
  EXPECT_EQ(layer_->Read(root_ctx_, Lookup(d, "fifo"), 0, buf, &rr), Status(Nfsstat3::kInval));

  EXPECT_EQ(layer_->MkDir(root_ctx_, root_, "dir", {}, &cr), Status(Nfsstat3::kExist));
  EXPECT_EQ(layer_->MkDir(root_ctx_, root_, "..", {}, &cr), Status(Nfsstat3::kExist));
}

TEST_F(PosixLayerTest, RemoveRmDirAndStaleHandles) {
  NodeHandle f = CreateFile(root_, "f");
  NodeHandle d = MakeDir(root_, "d");
  CreateFile(d, "inner");
  GetAttr(f);  // cached now

  RemoveRes rm;
  ASSERT_TRUE(layer_->Remove(root_ctx_, root_, "f", &rm).ok());
  ASSERT_TRUE(rm.dir_wcc.before && rm.dir_wcc.after);
  Attr a;
  EXPECT_EQ(layer_->GetAttr(root_ctx_, f, &a), Status(Nfsstat3::kStale));
  EXPECT_EQ(layer_->Remove(root_ctx_, root_, "f", &rm), Status(Nfsstat3::kNoent));
  EXPECT_EQ(layer_->Remove(root_ctx_, root_, "d", &rm), Status(Nfsstat3::kIsdir));
  EXPECT_EQ(layer_->RmDir(root_ctx_, root_, "d", &rm), Status(Nfsstat3::kNotempty));
  ASSERT_TRUE(layer_->Remove(root_ctx_, d, "inner", &rm).ok());
  ASSERT_TRUE(layer_->RmDir(root_ctx_, root_, "d", &rm).ok());
  EXPECT_EQ(layer_->GetAttr(root_ctx_, d, &a), Status(Nfsstat3::kStale));
  EXPECT_EQ(layer_->RmDir(root_ctx_, root_, ".", &rm), Status(Nfsstat3::kInval));
  EXPECT_EQ(layer_->RmDir(root_ctx_, root_, "..", &rm), Status(Nfsstat3::kInval));

  // Removed behind the server's back while cached: still STALE.
  NodeHandle g = CreateFile(root_, "g");
  GetAttr(g);
  ASSERT_EQ(unlink((dir_ / "g").c_str()), 0);
  EXPECT_EQ(layer_->GetAttr(root_ctx_, g, &a), Status(Nfsstat3::kStale));
  // And on a fresh layer (nothing cached).
  auto fresh = Open();
  EXPECT_EQ(fresh->GetAttr(root_ctx_, g, &a), Status(Nfsstat3::kStale));
}

TEST_F(PosixLayerTest, RenameKeepsHandlesAndReplaces) {
  NodeHandle a = CreateFile(root_, "a");
  ASSERT_TRUE(WriteString(a, 0, "A").ok());
  NodeHandle b = CreateFile(root_, "b");
  NodeHandle d = MakeDir(root_, "d");
  RenameRes rr;
  ASSERT_TRUE(layer_->Rename(root_ctx_, root_, "a", d, "moved", &rr).ok());
  ASSERT_TRUE(rr.from_dir_wcc.after && rr.to_dir_wcc.after);
  EXPECT_EQ(ReadString(a, 0, 10), "A");
  EXPECT_EQ(Lookup(d, "moved"), a);
  // Replace b with a: b's handle is stale, a's still good.
  ASSERT_TRUE(layer_->Rename(root_ctx_, d, "moved", root_, "b", &rr).ok());
  Attr attr;
  EXPECT_EQ(layer_->GetAttr(root_ctx_, b, &attr), Status(Nfsstat3::kStale));
  EXPECT_EQ(Lookup(root_, "b"), a);
  // A directory over a non-empty directory.
  NodeHandle e = MakeDir(root_, "e");
  CreateFile(e, "x");
  EXPECT_EQ(layer_->Rename(root_ctx_, root_, "d", root_, "e", &rr), Status(Nfsstat3::kNotempty));
  EXPECT_EQ(layer_->Rename(root_ctx_, root_, "nothing", root_, "z", &rr),
            Status(Nfsstat3::kNoent));
  EXPECT_EQ(layer_->Rename(root_ctx_, root_, "..", root_, "z", &rr), Status(Nfsstat3::kInval));
}

TEST_F(PosixLayerTest, LinkAddsANameToTheSameFile) {
  NodeHandle f = CreateFile(root_, "f");
  NodeHandle d = MakeDir(root_, "d");
  LinkRes lr;
  ASSERT_TRUE(layer_->Link(root_ctx_, f, d, "again", &lr).ok());
  ASSERT_TRUE(lr.attr);
  EXPECT_EQ(lr.attr->nlink, 2u);
  EXPECT_EQ(Lookup(d, "again"), f);
  EXPECT_EQ(layer_->Link(root_ctx_, f, d, "again", &lr), Status(Nfsstat3::kExist));
  EXPECT_EQ(layer_->Link(root_ctx_, d, root_, "dirlink", &lr), Status(Nfsstat3::kIsdir));
  // A hard link to a symlink links the symlink, not its target.
  CreateRes cr;
  ASSERT_TRUE(layer_->SymLink(root_ctx_, root_, "sl", "f", {}, &cr).ok());
  ASSERT_TRUE(layer_->Link(root_ctx_, *cr.handle, root_, "sl2", &lr).ok());
  struct stat st {};
  ASSERT_EQ(lstat((dir_ / "sl2").c_str(), &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode));
}

TEST_F(PosixLayerTest, CreateModes) {
  SetAttrArgs args;
  args.mode = 0600;
  CreateRes cr;
  ASSERT_TRUE(layer_->Create(root_ctx_, root_, "f", CreateMode::kGuarded, args, {}, &cr).ok());
  NodeHandle f = *cr.handle;
  ASSERT_TRUE(WriteString(f, 0, "data").ok());
  EXPECT_EQ(layer_->Create(root_ctx_, root_, "f", CreateMode::kGuarded, args, {}, &cr),
            Status(Nfsstat3::kExist));
  // UNCHECKED on an existing file: success, only the size is applied.
  SetAttrArgs trunc;
  trunc.size = 0;
  trunc.mode = 0777;
  ASSERT_TRUE(layer_->Create(root_ctx_, root_, "f", CreateMode::kUnchecked, trunc, {}, &cr).ok());
  EXPECT_EQ(*cr.handle, f);
  EXPECT_EQ(cr.attr->size, 0u);
  EXPECT_EQ(cr.attr->mode, 0600u);
  // UNCHECKED on a directory: EXIST.
  MakeDir(root_, "d");
  EXPECT_EQ(layer_->Create(root_ctx_, root_, "d", CreateMode::kUnchecked, args, {}, &cr),
            Status(Nfsstat3::kExist));
  // Create in a non-directory.
  EXPECT_EQ(layer_->Create(root_ctx_, f, "x", CreateMode::kUnchecked, args, {}, &cr),
            Status(Nfsstat3::kNotdir));
}

TEST_F(PosixLayerTest, ExclusiveCreateIsIdempotentForItsVerifier) {
  CreateVerifier v1{0xde, 0xad, 0xbe, 0xef, 0x01, 0x02, 0x03, 0x04};
  CreateVerifier v2{0xde, 0xad, 0xbe, 0xef, 0x01, 0x02, 0x03, 0x05};
  CreateRes first, again, other;
  ASSERT_TRUE(layer_->Create(root_ctx_, root_, "x", CreateMode::kExclusive, {}, v1, &first).ok());
  ASSERT_TRUE(first.handle);
  // The retransmission gets the same file.
  ASSERT_TRUE(layer_->Create(root_ctx_, root_, "x", CreateMode::kExclusive, {}, v1, &again).ok());
  EXPECT_EQ(*again.handle, *first.handle);
  // Another client's create of the same name does not.
  EXPECT_EQ(layer_->Create(root_ctx_, root_, "x", CreateMode::kExclusive, {}, v2, &other),
            Status(Nfsstat3::kExist));
  // After the client's follow-up SETATTR the verifier is gone: a late
  // retransmission now fails, as RFC 1813 allows.
  SetAttrArgs sa;
  sa.mode = 0644;
  sa.atime.how = TimeHow::kServerTime;
  sa.mtime.how = TimeHow::kServerTime;
  Wcc wcc;
  ASSERT_TRUE(layer_->SetAttr(root_ctx_, *first.handle, sa, std::nullopt, &wcc).ok());
  EXPECT_EQ(layer_->Create(root_ctx_, root_, "x", CreateMode::kExclusive, {}, v1, &again),
            Status(Nfsstat3::kExist));
  // An existing file not made by an exclusive create.
  CreateFile(root_, "plain");
  EXPECT_EQ(layer_->Create(root_ctx_, root_, "plain", CreateMode::kExclusive, {}, v1, &again),
            Status(Nfsstat3::kExist));
}

TEST_F(PosixLayerTest, HandlesSurviveANewLayerInstance) {
  NodeHandle d = MakeDir(root_, "d");
  NodeHandle f = CreateFile(d, "f");
  ASSERT_TRUE(WriteString(f, 0, "persist").ok());
  // As after a restart: new layer, new root fd, empty caches.
  layer_ = Open();
  NodeHandle root2;
  ASSERT_TRUE(layer_->Root(root_ctx_, &root2).ok());
  EXPECT_EQ(root2, root_);
  EXPECT_EQ(ReadString(f, 0, 100), "persist");
  EXPECT_EQ(GetAttr(d).type, FileType::kDir);
  // And across a rename done locally.
  ASSERT_EQ(rename((dir_ / "d").c_str(), (dir_ / "e").c_str()), 0);
  layer_ = Open();
  EXPECT_EQ(ReadString(f, 0, 100), "persist");
  EXPECT_EQ(Lookup(Lookup(root_, "e"), "f"), f);
}

TEST_F(PosixLayerTest, GarbageHandlesAreRefusedNotFollowed) {
  std::mt19937 rng(1234);
  for (int i = 0; i < 2000; ++i) {
    NodeHandle h;
    h.size = static_cast<uint8_t>(rng() % (kMaxLayerHandle + 1));
    for (size_t j = 0; j < h.size; ++j) h.data[j] = static_cast<uint8_t>(rng());
    if (i % 2 == 0 && h.size > 2) {
      // Well-formed header, random kernel handle: the file system decides.
      h.data[0] = 1;
      h.data[1] = root_.data[1];
    }
    Attr a;
    Status s = layer_->GetAttr(root_ctx_, h, &a);
    if (h.size < 3 || h.data[0] != 1) {
      EXPECT_EQ(s, Status(Nfsstat3::kBadhandle));
    } else {
      EXPECT_TRUE(s == Status(Nfsstat3::kBadhandle) || s == Status(Nfsstat3::kStale)) << StatusName(s);
    }
    LookupRes lr;
    EXPECT_FALSE(layer_->Lookup(root_ctx_, h, "x", &lr).ok());
  }
}

TEST_F(PosixLayerTest, GarbageNames) {
  LookupRes lr;
  CreateRes cr;
  EXPECT_EQ(layer_->Lookup(root_ctx_, root_, "", &lr), Status(Nfsstat3::kAcces));
  EXPECT_EQ(layer_->Lookup(root_ctx_, root_, "a/b", &lr), Status(Nfsstat3::kAcces));
  EXPECT_EQ(layer_->Lookup(root_ctx_, root_, std::string_view("a\0b", 3), &lr),
            Status(Nfsstat3::kAcces));
  EXPECT_EQ(layer_->Lookup(root_ctx_, root_, std::string(256, 'n'), &lr),
            Status(Nfsstat3::kNametoolong));
  EXPECT_EQ(layer_->Create(root_ctx_, root_, "../x", CreateMode::kUnchecked, {}, {}, &cr),
            Status(Nfsstat3::kAcces));
  EXPECT_EQ(layer_->Create(root_ctx_, root_, std::string(256, 'n'), CreateMode::kUnchecked, {},
                           {}, &cr),
            Status(Nfsstat3::kNametoolong));
  EXPECT_EQ(layer_->Lookup(root_ctx_, root_, "missing", &lr), Status(Nfsstat3::kNoent));
}

TEST_F(PosixLayerTest, NamesOf255Bytes) {
  std::string name(255, 'x');
  name[0] = 'A';
  NodeHandle f = CreateFile(root_, name);
  EXPECT_EQ(Lookup(root_, name), f);
  NodeHandle d = MakeDir(root_, std::string(255, 'd'));
  CreateRes cr;
  ASSERT_TRUE(layer_->SymLink(root_ctx_, d, std::string(255, 's'), std::string(1000, 't'), {}, &cr)
                  .ok());
  RenameRes rr;
  ASSERT_TRUE(layer_->Rename(root_ctx_, root_, name, d, std::string(255, 'r'), &rr).ok());
  bool seen = false;
  for (const auto& e : ListAll(d, /*plus=*/true)) {
    if (e.name == std::string(255, 'r')) {
      seen = true;
      EXPECT_EQ(e.handle, f);
    }
  }
  EXPECT_TRUE(seen);
}

TEST_F(PosixLayerTest, AccessBitsForRoot) {
  NodeHandle f = CreateFile(root_, "f", 0644);
  AccessRes ar;
  ASSERT_TRUE(layer_->Access(root_ctx_, f, 0x3f, &ar).ok());
  EXPECT_EQ(ar.granted, kAccessRead | kAccessModify | kAccessExtend);  // no x bit: no EXECUTE
  ASSERT_TRUE(layer_->Access(root_ctx_, root_, 0x3f, &ar).ok());
  EXPECT_EQ(ar.granted,
            kAccessRead | kAccessLookup | kAccessModify | kAccessExtend | kAccessDelete);
  ASSERT_TRUE(layer_->Access(root_ctx_, root_, kAccessRead, &ar).ok());
  EXPECT_EQ(ar.granted, kAccessRead);  // only bits asked for
  ASSERT_TRUE(ar.attr);
}

TEST_F(PosixLayerTest, FsStatFsInfoPathConf) {
  FsStatRes fs;
  ASSERT_TRUE(layer_->FsStat(root_ctx_, root_, &fs).ok());
  EXPECT_GT(fs.tbytes, 0u);
  EXPECT_LE(fs.abytes, fs.fbytes);
  EXPECT_LE(fs.fbytes, fs.tbytes);
  FsInfoRes fi;
  ASSERT_TRUE(layer_->FsInfo(root_ctx_, root_, &fi).ok());
  EXPECT_GT(fi.maxfilesize, uint64_t{1} << 31);
  PathConfRes pc;
  ASSERT_TRUE(layer_->PathConf(root_ctx_, root_, &pc).ok());
  EXPECT_GT(pc.linkmax, 1u);
  EXPECT_EQ(pc.name_max, 255u);
  EXPECT_TRUE(pc.no_trunc);
}

TEST_F(PosixLayerTest, ReadDirListsEverythingWithPlusHandles) {
  NodeHandle d = MakeDir(root_, "d");
  std::set<std::string> want = {".", ".."};
  for (int i = 0; i < 50; ++i) {
    CreateFile(d, "f" + std::to_string(i));
    want.insert("f" + std::to_string(i));
  }
  MakeDir(d, "sub");
  want.insert("sub");
  auto all = ListAll(d, /*plus=*/true, 7);
  std::set<std::string> got;
  for (const auto& e : all) {
    EXPECT_TRUE(got.insert(e.name).second) << "duplicate " << e.name;
    ASSERT_TRUE(e.handle) << e.name;  // d is not the root: ".." has one too
    ASSERT_TRUE(e.attr);
    EXPECT_EQ(e.fileid, e.attr->fileid) << e.name;
    if (e.name != "." && e.name != "..") {
      EXPECT_EQ(*e.handle, Lookup(d, e.name));
    }
  }
  EXPECT_EQ(got, want);
  // At the root, ".." has no handle.
  for (const auto& e : ListAll(root_, true)) {
    if (e.name == "..") {
      EXPECT_FALSE(e.handle);
    }
    if (e.name == ".") {
      EXPECT_EQ(e.handle, root_);
    }
  }
  // Not a directory; a foreign verifier.
  NodeHandle f = Lookup(d, "f1");
  VectorSink sink;
  ReadDirRes res;
  EXPECT_EQ(layer_->ReadDir(root_ctx_, f, 0, {}, false, sink, &res), Status(Nfsstat3::kNotdir));
  EXPECT_EQ(layer_->ReadDir(root_ctx_, d, all[3].cookie, CookieVerifier{1, 2, 3, 4, 5, 6, 7, 8},
                            false, sink, &res),
            Status(Nfsstat3::kBadCookie));
}

}  // namespace
}  // namespace loopfs::testing
