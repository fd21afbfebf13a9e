// XDR round trips of every NFSv3 and MOUNT argument and result type, each in
// its success and failure shapes.
#include <gtest/gtest.h>

#include <cstring>

#include "nfsd/mount_prot.h"
#include "nfsd/nfs3_prot.h"
#include "tests/unit/nfsd/xdr_test_util.h"

namespace loopfs::nfsd {
namespace {

using testing::ExpectRoundTrip;

char g_fh_bytes[61] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789ab";
char g_fh2_bytes[17] = "fedcba9876543210";
char g_name[] = "a-file.txt";
char g_name2[] = "other";
char g_path[] = "../target/of/link";
char g_data[] = "hello, world";  // 13 bytes with NUL: exercises padding

nfs_fh3 Fh(bool second = false) {
  nfs_fh3 fh{};
  fh.data.data_len = second ? 16 : 61;
  fh.data.data_val = second ? g_fh2_bytes : g_fh_bytes;
  return fh;
}

filename3 Name(char* s) { return filename3{static_cast<u_int>(std::strlen(s)), s}; }

fattr3 Fattr() {
  fattr3 a{};
  a.type = NF3REG;
  a.mode = 0644;
  a.nlink = 2;
  a.uid = 1000;
  a.gid = 100;
  a.size = 0x123456789ULL;
  a.used = 4096;
  a.rdev = {3, 4};
  a.fsid = 0x6c6f6f7000001234ULL;
  a.fileid = 0xfeedfacecafebeefULL;
  a.atime = {1, 2};
  a.mtime = {3, 4};
  a.ctime = {5, 999999999};
  return a;
}

post_op_attr PostOp(bool present = true) {
  post_op_attr p{};
  p.attributes_follow = present;
  if (present) p.post_op_attr_u.attributes = Fattr();
  return p;
}

wcc_data Wcc(bool before = true, bool after = true) {
  wcc_data w{};
  w.before.attributes_follow = before;
  if (before) w.before.pre_op_attr_u.attributes = {77, {8, 9}, {10, 11}};
  w.after = PostOp(after);
  return w;
}

sattr3 Sattr(bool all) {
  sattr3 s{};
  if (!all) return s;
  s.mode.set_it = TRUE;
  s.mode.set_mode3_u.mode = 0755;
  s.uid.set_it = TRUE;
  s.uid.set_uid3_u.uid = 1;
  s.gid.set_it = TRUE;
  s.gid.set_gid3_u.gid = 2;
  s.size.set_it = TRUE;
  s.size.set_size3_u.size = 1ULL << 40;
  s.atime.set_it = SET_TO_SERVER_TIME;
  s.mtime.set_it = SET_TO_CLIENT_TIME;
  s.mtime.set_mtime_u.mtime = {12, 13};
  return s;
}

diropargs3 DirOp(char* name = g_name) { return {Fh(), Name(name)}; }

post_op_fh3 PostOpFh(bool present = true) {
  post_op_fh3 p{};
  p.handle_follows = present;
  if (present) p.post_op_fh3_u.handle = Fh(true);
  return p;
}

// ---- arguments ----

TEST(XdrRoundTrip, Nfs3Arguments) {
  GETATTR3args getattr{Fh()};
  ExpectRoundTrip(xdr_GETATTR3args, &getattr, "GETATTR3args");

  for (bool guard : {false, true}) {
    for (bool all : {false, true}) {
      SETATTR3args a{};
      a.object = Fh();
      a.new_attributes = Sattr(all);
      a.guard.check = guard;
      if (guard) a.guard.sattrguard3_u.obj_ctime = {100, 200};
      ExpectRoundTrip(xdr_SETATTR3args, &a, "SETATTR3args");
    }
  }

  LOOKUP3args lookup{DirOp()};
  ExpectRoundTrip(xdr_LOOKUP3args, &lookup, "LOOKUP3args");

  ACCESS3args access{Fh(), ACCESS3_READ | ACCESS3_EXECUTE};
  ExpectRoundTrip(xdr_ACCESS3args, &access, "ACCESS3args");

  READLINK3args readlink{Fh()};
  ExpectRoundTrip(xdr_READLINK3args, &readlink, "READLINK3args");

  READ3args read{Fh(), 1ULL << 33, 65536};
  ExpectRoundTrip(xdr_READ3args, &read, "READ3args");

  WRITE3args write{};
  write.file = Fh();
  write.offset = 4096;
  write.count = sizeof g_data;
  write.stable = DATA_SYNC;
  write.data.data_len = sizeof g_data;
  write.data.data_val = g_data;
  ExpectRoundTrip(xdr_WRITE3args, &write, "WRITE3args");

  for (createmode3 mode : {UNCHECKED, GUARDED, EXCLUSIVE}) {
    CREATE3args a{};
    a.where = DirOp();
    a.how.mode = mode;
    if (mode == EXCLUSIVE) {
      std::memcpy(a.how.createhow3_u.verf, "verifier", 8);
    } else {
      a.how.createhow3_u.obj_attributes = Sattr(true);
    }
    ExpectRoundTrip(xdr_CREATE3args, &a, "CREATE3args");
  }

  MKDIR3args mkdir{DirOp(), Sattr(true)};
  ExpectRoundTrip(xdr_MKDIR3args, &mkdir, "MKDIR3args");

  SYMLINK3args symlink{};
  symlink.where = DirOp();
  symlink.symlink.symlink_attributes = Sattr(false);
  symlink.symlink.symlink_data = {static_cast<u_int>(std::strlen(g_path)), g_path};
  ExpectRoundTrip(xdr_SYMLINK3args, &symlink, "SYMLINK3args");

  for (ftype3 type : {NF3CHR, NF3BLK, NF3SOCK, NF3FIFO, NF3REG}) {
    MKNOD3args a{};
    a.where = DirOp();
    a.what.type = type;
    if (type == NF3CHR || type == NF3BLK) {
      a.what.mknoddata3_u.device = {Sattr(true), {8, 1}};
    } else if (type != NF3REG) {
      a.what.mknoddata3_u.pipe_attributes = Sattr(true);
    }
    ExpectRoundTrip(xdr_MKNOD3args, &a, "MKNOD3args");
  }

  REMOVE3args remove{DirOp()};
  ExpectRoundTrip(xdr_REMOVE3args, &remove, "REMOVE3args");
  RMDIR3args rmdir{DirOp()};
  ExpectRoundTrip(xdr_RMDIR3args, &rmdir, "RMDIR3args");
  RENAME3args rename{DirOp(), DirOp(g_name2)};
  ExpectRoundTrip(xdr_RENAME3args, &rename, "RENAME3args");
  LINK3args link{Fh(true), DirOp()};
  ExpectRoundTrip(xdr_LINK3args, &link, "LINK3args");

  READDIR3args readdir{};
  readdir.dir = Fh();
  readdir.cookie = 42;
  std::memcpy(readdir.cookieverf, "cookieve", 8);
  readdir.count = 8192;
  ExpectRoundTrip(xdr_READDIR3args, &readdir, "READDIR3args");

  READDIRPLUS3args readdirplus{};
  readdirplus.dir = Fh();
  readdirplus.cookie = 43;
  std::memcpy(readdirplus.cookieverf, "cookieve", 8);
  readdirplus.dircount = 4096;
  readdirplus.maxcount = 32768;
  ExpectRoundTrip(xdr_READDIRPLUS3args, &readdirplus, "READDIRPLUS3args");

  FSSTAT3args fsstat{Fh()};
  ExpectRoundTrip(xdr_FSSTAT3args, &fsstat, "FSSTAT3args");
  FSINFO3args fsinfo{Fh()};
  ExpectRoundTrip(xdr_FSINFO3args, &fsinfo, "FSINFO3args");
  PATHCONF3args pathconf{Fh()};
  ExpectRoundTrip(xdr_PATHCONF3args, &pathconf, "PATHCONF3args");
  COMMIT3args commit{Fh(), 0, 0};
  ExpectRoundTrip(xdr_COMMIT3args, &commit, "COMMIT3args");
}

TEST(XdrRoundTrip, DecodedFieldsMatch) {
  // Byte equality could hide a codec that drops a field symmetrically; check
  // the fields of one rich type explicitly.
  SETATTR3args a{};
  a.object = Fh();
  a.new_attributes = Sattr(true);
  a.guard.check = TRUE;
  a.guard.sattrguard3_u.obj_ctime = {100, 200};
  auto bytes = testing::XdrEncode(xdr_SETATTR3args, &a);
  SETATTR3args b{};
  ASSERT_TRUE(testing::XdrDecode(xdr_SETATTR3args, bytes, &b));
  EXPECT_EQ(b.object.data.data_len, 61u);
  EXPECT_EQ(std::memcmp(b.object.data.data_val, g_fh_bytes, 61), 0);
  EXPECT_EQ(b.new_attributes.mode.set_mode3_u.mode, 0755u);
  EXPECT_EQ(b.new_attributes.size.set_size3_u.size, 1ULL << 40);
  EXPECT_EQ(b.new_attributes.atime.set_it, SET_TO_SERVER_TIME);
  EXPECT_EQ(b.new_attributes.mtime.set_mtime_u.mtime.nseconds, 13u);
  EXPECT_EQ(b.guard.sattrguard3_u.obj_ctime.seconds, 100u);
  testing::XdrFree(xdr_SETATTR3args, &b);
}

// ---- results ----

TEST(XdrRoundTrip, Nfs3Results) {
  for (bool ok : {true, false}) {
    const nfsstat3 st = ok ? NFS3_OK : NFS3ERR_ACCES;

    GETATTR3res getattr{};
    getattr.status = ok ? NFS3_OK : NFS3ERR_STALE;
    if (ok) getattr.GETATTR3res_u.resok.obj_attributes = Fattr();
    ExpectRoundTrip(xdr_GETATTR3res, &getattr, "GETATTR3res");

    SETATTR3res setattr{};
    setattr.status = ok ? NFS3_OK : NFS3ERR_NOT_SYNC;
    if (ok)
      setattr.SETATTR3res_u.resok.obj_wcc = Wcc();
    else
      setattr.SETATTR3res_u.resfail.obj_wcc = Wcc(true, false);
    ExpectRoundTrip(xdr_SETATTR3res, &setattr, "SETATTR3res");

    LOOKUP3res lookup{};
    lookup.status = ok ? NFS3_OK : NFS3ERR_NOENT;
    if (ok)
      lookup.LOOKUP3res_u.resok = {Fh(), PostOp(), PostOp(false)};
    else
      lookup.LOOKUP3res_u.resfail.dir_attributes = PostOp();
    ExpectRoundTrip(xdr_LOOKUP3res, &lookup, "LOOKUP3res");

    ACCESS3res access{};
    access.status = st;
    if (ok)
      access.ACCESS3res_u.resok = {PostOp(), ACCESS3_READ | ACCESS3_LOOKUP};
    else
      access.ACCESS3res_u.resfail.obj_attributes = PostOp(false);
    ExpectRoundTrip(xdr_ACCESS3res, &access, "ACCESS3res");

    READLINK3res readlink{};
    readlink.status = ok ? NFS3_OK : NFS3ERR_INVAL;
    if (ok) {
      readlink.READLINK3res_u.resok.symlink_attributes = PostOp();
      readlink.READLINK3res_u.resok.data = {static_cast<u_int>(std::strlen(g_path)), g_path};
    } else {
      readlink.READLINK3res_u.resfail.symlink_attributes = PostOp();
    }
    ExpectRoundTrip(xdr_READLINK3res, &readlink, "READLINK3res");

    READ3res read{};
    read.status = ok ? NFS3_OK : NFS3ERR_IO;
    if (ok) {
      READ3resok& r = read.READ3res_u.resok;
      r.file_attributes = PostOp();
      r.count = sizeof g_data;
      r.eof = TRUE;
      r.data.data_len = sizeof g_data;
      r.data.data_val = g_data;
    } else {
      read.READ3res_u.resfail.file_attributes = PostOp();
    }
    ExpectRoundTrip(xdr_READ3res, &read, "READ3res");

    WRITE3res write{};
    write.status = ok ? NFS3_OK : NFS3ERR_NOSPC;
    if (ok) {
      WRITE3resok& w = write.WRITE3res_u.resok;
      w.file_wcc = Wcc();
      w.count = 100;
      w.committed = FILE_SYNC;
      std::memcpy(w.verf, "writever", 8);
    } else {
      write.WRITE3res_u.resfail.file_wcc = Wcc(false, true);
    }
    ExpectRoundTrip(xdr_WRITE3res, &write, "WRITE3res");

    CREATE3res create{};
    create.status = ok ? NFS3_OK : NFS3ERR_EXIST;
    if (ok)
      create.CREATE3res_u.resok = {PostOpFh(), PostOp(), Wcc()};
    else
      create.CREATE3res_u.resfail.dir_wcc = Wcc();
    ExpectRoundTrip(xdr_CREATE3res, &create, "CREATE3res");

    MKDIR3res mkdir{};
    mkdir.status = st;
    if (ok)
      mkdir.MKDIR3res_u.resok = {PostOpFh(false), PostOp(false), Wcc(false, false)};
    else
      mkdir.MKDIR3res_u.resfail.dir_wcc = Wcc();
    ExpectRoundTrip(xdr_MKDIR3res, &mkdir, "MKDIR3res");

    SYMLINK3res symlink{};
    symlink.status = st;
    if (ok)
      symlink.SYMLINK3res_u.resok = {PostOpFh(), PostOp(), Wcc()};
    else
      symlink.SYMLINK3res_u.resfail.dir_wcc = Wcc();
    ExpectRoundTrip(xdr_SYMLINK3res, &symlink, "SYMLINK3res");

    MKNOD3res mknod{};
    mknod.status = ok ? NFS3_OK : NFS3ERR_BADTYPE;
    if (ok)
      mknod.MKNOD3res_u.resok = {PostOpFh(), PostOp(), Wcc()};
    else
      mknod.MKNOD3res_u.resfail.dir_wcc = Wcc();
    ExpectRoundTrip(xdr_MKNOD3res, &mknod, "MKNOD3res");

    REMOVE3res remove{};
    remove.status = ok ? NFS3_OK : NFS3ERR_NOENT;
    if (ok)
      remove.REMOVE3res_u.resok.dir_wcc = Wcc();
    else
      remove.REMOVE3res_u.resfail.dir_wcc = Wcc();
    ExpectRoundTrip(xdr_REMOVE3res, &remove, "REMOVE3res");

    RMDIR3res rmdir{};
    rmdir.status = ok ? NFS3_OK : NFS3ERR_NOTEMPTY;
    if (ok)
      rmdir.RMDIR3res_u.resok.dir_wcc = Wcc();
    else
      rmdir.RMDIR3res_u.resfail.dir_wcc = Wcc();
    ExpectRoundTrip(xdr_RMDIR3res, &rmdir, "RMDIR3res");

    RENAME3res rename{};
    rename.status = ok ? NFS3_OK : NFS3ERR_XDEV;
    if (ok)
      rename.RENAME3res_u.resok = {Wcc(), Wcc(false, true)};
    else
      rename.RENAME3res_u.resfail = {Wcc(true, false), Wcc()};
    ExpectRoundTrip(xdr_RENAME3res, &rename, "RENAME3res");

    LINK3res link{};
    link.status = ok ? NFS3_OK : NFS3ERR_MLINK;
    if (ok)
      link.LINK3res_u.resok = {PostOp(), Wcc()};
    else
      link.LINK3res_u.resfail = {PostOp(false), Wcc()};
    ExpectRoundTrip(xdr_LINK3res, &link, "LINK3res");

    FSSTAT3res fsstat{};
    fsstat.status = ok ? NFS3_OK : NFS3ERR_STALE;
    if (ok)
      fsstat.FSSTAT3res_u.resok = {PostOp(), 1, 2, 3, 4, 5, 6, 7};
    else
      fsstat.FSSTAT3res_u.resfail.obj_attributes = PostOp();
    ExpectRoundTrip(xdr_FSSTAT3res, &fsstat, "FSSTAT3res");

    FSINFO3res fsinfo{};
    fsinfo.status = ok ? NFS3_OK : NFS3ERR_BADHANDLE;
    if (ok) {
      fsinfo.FSINFO3res_u.resok = {PostOp(),
                                   1 << 20,
                                   1 << 20,
                                   4096,
                                   1 << 20,
                                   1 << 20,
                                   4096,
                                   65536,
                                   ~0ULL,
                                   {0, 1},
                                   FSF3_LINK | FSF3_SYMLINK};
    } else {
      fsinfo.FSINFO3res_u.resfail.obj_attributes = PostOp(false);
    }
    ExpectRoundTrip(xdr_FSINFO3res, &fsinfo, "FSINFO3res");

    PATHCONF3res pathconf{};
    pathconf.status = ok ? NFS3_OK : NFS3ERR_SERVERFAULT;
    if (ok)
      pathconf.PATHCONF3res_u.resok = {PostOp(), 32000, 255, TRUE, TRUE, FALSE, TRUE};
    else
      pathconf.PATHCONF3res_u.resfail.obj_attributes = PostOp();
    ExpectRoundTrip(xdr_PATHCONF3res, &pathconf, "PATHCONF3res");

    COMMIT3res commit{};
    commit.status = ok ? NFS3_OK : NFS3ERR_IO;
    if (ok) {
      commit.COMMIT3res_u.resok.file_wcc = Wcc();
      std::memcpy(commit.COMMIT3res_u.resok.verf, "writever", 8);
    } else {
      commit.COMMIT3res_u.resfail.file_wcc = Wcc();
    }
    ExpectRoundTrip(xdr_COMMIT3res, &commit, "COMMIT3res");
  }
}

TEST(XdrRoundTrip, DirectoryListings) {
  for (bool ok : {true, false}) {
    entry3 e2{2, Name(g_name2), 200, nullptr};
    entry3 e1{1, Name(g_name), 100, &e2};
    READDIR3res readdir{};
    readdir.status = ok ? NFS3_OK : NFS3ERR_BAD_COOKIE;
    if (ok) {
      READDIR3resok& r = readdir.READDIR3res_u.resok;
      r.dir_attributes = PostOp();
      std::memcpy(r.cookieverf, "cookieve", 8);
      r.reply.entries = &e1;
      r.reply.eof = TRUE;
    } else {
      readdir.READDIR3res_u.resfail.dir_attributes = PostOp();
    }
    ExpectRoundTrip(xdr_READDIR3res, &readdir, "READDIR3res");

    entryplus3 p2{2, Name(g_name2), 200, PostOp(false), PostOpFh(false), nullptr};
    entryplus3 p1{1, Name(g_name), 100, PostOp(), PostOpFh(), &p2};
    READDIRPLUS3res plus{};
    plus.status = ok ? NFS3_OK : NFS3ERR_TOOSMALL;
    if (ok) {
      READDIRPLUS3resok& r = plus.READDIRPLUS3res_u.resok;
      r.dir_attributes = PostOp(false);
      std::memcpy(r.cookieverf, "cookieve", 8);
      r.reply.entries = &p1;
      r.reply.eof = FALSE;
    } else {
      plus.READDIRPLUS3res_u.resfail.dir_attributes = PostOp();
    }
    ExpectRoundTrip(xdr_READDIRPLUS3res, &plus, "READDIRPLUS3res");
  }
}

TEST(XdrRoundTrip, MountArgumentsAndResults) {
  char path[] = "/srv/export";
  dirpath dp = path;
  ExpectRoundTrip(xdr_dirpath, &dp, "dirpath");

  int flavors[] = {1, 0};
  mountres3 ok{};
  ok.fhs_status = MNT3_OK;
  ok.mountres3_u.mountinfo.fhandle = {61, g_fh_bytes};
  ok.mountres3_u.mountinfo.auth_flavors = {2, flavors};
  ExpectRoundTrip(xdr_mountres3, &ok, "mountres3 ok");
  mountres3 fail{};
  fail.fhs_status = MNT3ERR_NOENT;
  ExpectRoundTrip(xdr_mountres3, &fail, "mountres3 fail");

  fhstatus v1{};
  v1.fhs_status = 0;
  std::memcpy(v1.fhstatus_u.fhs_fhandle, g_fh_bytes, FHSIZE);
  ExpectRoundTrip(xdr_fhstatus, &v1, "fhstatus ok");
  fhstatus v1_fail{};
  v1_fail.fhs_status = MNT3ERR_NOTSUPP;
  ExpectRoundTrip(xdr_fhstatus, &v1_fail, "fhstatus fail");

  char host1[] = "127.0.0.1", host2[] = "::1";
  mountbody m2{host2, path, nullptr};
  mountbody m1{host1, path, &m2};
  mountlist ml = &m1;
  ExpectRoundTrip(xdr_mountlist, &ml, "mountlist");
  mountlist empty_ml = nullptr;
  ExpectRoundTrip(xdr_mountlist, &empty_ml, "mountlist empty");

  groupnode g2{host2, nullptr};
  groupnode g1{host1, &g2};
  char path2[] = "/";
  exportnode x2{path2, nullptr, nullptr};
  exportnode x1{path, &g1, &x2};
  exports ex = &x1;
  ExpectRoundTrip(xdr_exports, &ex, "exports");
}

TEST(XdrRoundTrip, BoundsAreEnforced) {
  // A length beyond a declared bound is refused without allocating it.
  const std::vector<uint8_t> huge_name = {0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff};
  LOOKUP3args a{};
  EXPECT_FALSE(testing::XdrDecode(xdr_LOOKUP3args, huge_name, &a));
  testing::XdrFree(xdr_LOOKUP3args, &a);

  std::vector<uint8_t> long_fh = {0, 0, 0, 65};
  long_fh.resize(4 + 68);
  GETATTR3args g{};
  EXPECT_FALSE(testing::XdrDecode(xdr_GETATTR3args, long_fh, &g));
  testing::XdrFree(xdr_GETATTR3args, &g);
}

}  // namespace
}  // namespace loopfs::nfsd
