// NFSv3 procedures through Dispatch over the posix layer: the success paths
// and the attributes each reply carries.
#include "nfsd/nfs3_program.h"

#include <sys/stat.h>

#include <set>

#include "nfsd/file_handle.h"
#include "tests/unit/nfsd/nfs3_test_fixture.h"

namespace loopfs::nfsd {
namespace {

using testing::Decoded;
using testing::Fh;
using testing::FhBytes;
using testing::Fname;

class Nfs3ProgramTest : public testing::Nfs3Fixture {};

TEST_P(Nfs3ProgramTest, DescribesItself) {
  Nfs3Program& nfs = s().nfs();
  EXPECT_EQ(nfs.number(), 100003u);
  EXPECT_EQ(nfs.low_version(), 3u);
  EXPECT_EQ(nfs.high_version(), 3u);
  EXPECT_EQ(nfs.ProcName(3, 0), "NULL");
  EXPECT_EQ(nfs.ProcName(3, 17), "READDIRPLUS");
  EXPECT_EQ(nfs.ProcName(3, 21), "COMMIT");
  EXPECT_EQ(nfs.ProcName(3, 22), "");
  EXPECT_EQ(nfs.ProcName(2, 1), "");
  const std::set<uint32_t> non_idempotent = {2, 7, 8, 9, 10, 11, 12, 13, 14, 15};
  for (uint32_t p = 0; p < 23; ++p) {
    EXPECT_EQ(nfs.IsNonIdempotent(3, p), non_idempotent.count(p) == 1) << p;
  }
}

TEST_P(Nfs3ProgramTest, NullAndUnknownProcedures) {
  auto r = s().CallRaw(s().nfs(), 3, 0, {});
  EXPECT_EQ(r.status, rpc::DispatchStatus::kSuccess);
  EXPECT_TRUE(r.body.empty());
  EXPECT_EQ(s().CallRaw(s().nfs(), 3, 22, {}).status, rpc::DispatchStatus::kProcUnavail);
  EXPECT_EQ(s().CallRaw(s().nfs(), 3, 0xffffffff, {}).status, rpc::DispatchStatus::kProcUnavail);
}

TEST_P(Nfs3ProgramTest, GetAttrReportsTheExportsFsid) {
  fattr3 a{};
  ASSERT_EQ(GetAttr(root_, &a), NFS3_OK);
  EXPECT_EQ(a.type, NF3DIR);
  EXPECT_EQ(a.fsid, FsidForExport(ExportIdFromPath("/")));
  std::vector<uint8_t> open = s().Mount("/open");
  ASSERT_EQ(GetAttr(open, &a), NFS3_OK);
  EXPECT_EQ(a.fsid, FsidForExport(ExportIdFromPath("/open")));
}

TEST_P(Nfs3ProgramTest, CreateWriteReadCommit) {
  std::vector<uint8_t> fh;
  ASSERT_EQ(Create(root_, "f", &fh), NFS3_OK);
  WriteVerf v1, v2;
  ASSERT_EQ(Write(fh, 0, "hello", UNSTABLE, &v1), NFS3_OK);
  ASSERT_EQ(Write(fh, 5, ", world", DATA_SYNC, &v2), NFS3_OK);
  EXPECT_EQ(v1, v2);
  EXPECT_EQ(v1, s().nfs().write_verifier().Get());

  COMMIT3args c{Fh(fh), 0, 0};
  Decoded<COMMIT3res, xdr_COMMIT3res> cr;
  ASSERT_EQ(s().Nfs(NFSPROC3_COMMIT, xdr_COMMIT3args, &c, xdr_COMMIT3res, cr.get()),
            rpc::DispatchStatus::kSuccess);
  ASSERT_EQ(cr->status, NFS3_OK);
  EXPECT_EQ(std::memcmp(cr->COMMIT3res_u.resok.verf, v1.data(), 8), 0);
  EXPECT_TRUE(cr->COMMIT3res_u.resok.file_wcc.after.attributes_follow);

  for (uint32_t count : {0u, 1u, 5u, 12u, 100u}) {
    READ3args a{Fh(fh), 0, count};
    Decoded<READ3res, xdr_READ3res> r;
    ASSERT_EQ(s().Nfs(NFSPROC3_READ, xdr_READ3args, &a, xdr_READ3res, r.get()),
              rpc::DispatchStatus::kSuccess);
    ASSERT_EQ(r->status, NFS3_OK);
    const READ3resok& ok = r->READ3res_u.resok;
    const uint32_t want = std::min(count, 12u);
    EXPECT_EQ(ok.count, want);
    EXPECT_EQ(ok.data.data_len, want);
    EXPECT_EQ(std::string(ok.data.data_val, ok.data.data_len), std::string("hello, world", want));
    EXPECT_EQ(ok.eof, count >= 12) << count;
    ASSERT_TRUE(ok.file_attributes.attributes_follow);
    EXPECT_EQ(ok.file_attributes.post_op_attr_u.attributes.size, 12u);
  }
}

TEST_P(Nfs3ProgramTest, ReadIsCappedAtOneMegabyteAndPadded) {
  std::vector<uint8_t> fh;
  ASSERT_EQ(Create(root_, "big", &fh), NFS3_OK);
  std::string data((1 << 20) + 3, 'x');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>('a' + i % 26);
  ASSERT_EQ(Write(fh, 0, data.substr(0, 1 << 19)), NFS3_OK);
  ASSERT_EQ(Write(fh, 1 << 19, data.substr(1 << 19)), NFS3_OK);

  READ3args a{Fh(fh), 0, 4u << 20};
  Decoded<READ3res, xdr_READ3res> r;
  ASSERT_EQ(s().Nfs(NFSPROC3_READ, xdr_READ3args, &a, xdr_READ3res, r.get()),
            rpc::DispatchStatus::kSuccess);
  ASSERT_EQ(r->status, NFS3_OK);
  EXPECT_EQ(r->READ3res_u.resok.count, kMaxTransfer);
  EXPECT_FALSE(r->READ3res_u.resok.eof);
  EXPECT_EQ(std::memcmp(r->READ3res_u.resok.data.data_val, data.data(), kMaxTransfer), 0);

  READ3args tail{Fh(fh), 1 << 20, 100};
  auto raw = s().CallRaw(s().nfs(), 3, NFSPROC3_READ, testing::XdrEncode(xdr_READ3args, &tail));
  ASSERT_EQ(raw.status, rpc::DispatchStatus::kSuccess);
  // status, attributes, count, eof, length, 3 bytes and one byte of zero padding.
  ASSERT_EQ(raw.body.size(), 4 + 88 + 4 + 4 + 4 + 4u);
  EXPECT_EQ(raw.body.back(), 0);
}

TEST_P(Nfs3ProgramTest, ReadWithoutAttributesFromTheLayer) {
  std::vector<uint8_t> dir = s().Mount("/noattr");
  std::vector<uint8_t> fh;
  ASSERT_EQ(Create(dir, "f", &fh), NFS3_OK);
  ASSERT_EQ(Write(fh, 0, "abcde"), NFS3_OK);
  READ3args a{Fh(fh), 1, 10};
  Decoded<READ3res, xdr_READ3res> r;
  ASSERT_EQ(s().Nfs(NFSPROC3_READ, xdr_READ3args, &a, xdr_READ3res, r.get()),
            rpc::DispatchStatus::kSuccess);
  ASSERT_EQ(r->status, NFS3_OK);
  EXPECT_FALSE(r->READ3res_u.resok.file_attributes.attributes_follow);
  EXPECT_EQ(std::string(r->READ3res_u.resok.data.data_val, r->READ3res_u.resok.data.data_len),
            "bcde");
  EXPECT_TRUE(r->READ3res_u.resok.eof);
}

TEST_P(Nfs3ProgramTest, SetAttrWithGuard) {
  std::vector<uint8_t> fh;
  ASSERT_EQ(Create(root_, "g", &fh), NFS3_OK);
  ASSERT_EQ(Write(fh, 0, "0123456789"), NFS3_OK);
  fattr3 before{};
  ASSERT_EQ(GetAttr(fh, &before), NFS3_OK);

  SETATTR3args a{};
  a.object = Fh(fh);
  a.new_attributes.size.set_it = TRUE;
  a.new_attributes.size.set_size3_u.size = 4;
  a.new_attributes.mode.set_it = TRUE;
  a.new_attributes.mode.set_mode3_u.mode = 0100600;  // type bits are dropped
  a.guard.check = TRUE;
  a.guard.sattrguard3_u.obj_ctime = {before.ctime.seconds + 1000, 0};
  {
    Decoded<SETATTR3res, xdr_SETATTR3res> r;
    ASSERT_EQ(s().Nfs(NFSPROC3_SETATTR, xdr_SETATTR3args, &a, xdr_SETATTR3res, r.get()),
              rpc::DispatchStatus::kSuccess);
    EXPECT_EQ(r->status, NFS3ERR_NOT_SYNC);
    EXPECT_TRUE(r->SETATTR3res_u.resfail.obj_wcc.after.attributes_follow);
  }
  a.guard.sattrguard3_u.obj_ctime = before.ctime;
  Decoded<SETATTR3res, xdr_SETATTR3res> r;
  ASSERT_EQ(s().Nfs(NFSPROC3_SETATTR, xdr_SETATTR3args, &a, xdr_SETATTR3res, r.get()),
            rpc::DispatchStatus::kSuccess);
  ASSERT_EQ(r->status, NFS3_OK);
  const wcc_data& w = r->SETATTR3res_u.resok.obj_wcc;
  ASSERT_TRUE(w.before.attributes_follow);
  EXPECT_EQ(w.before.pre_op_attr_u.attributes.size, 10u);
  ASSERT_TRUE(w.after.attributes_follow);
  EXPECT_EQ(w.after.post_op_attr_u.attributes.size, 4u);
  EXPECT_EQ(w.after.post_op_attr_u.attributes.mode, 0600u);

  // A time_how outside the enum is refused.
  SETATTR3args bad{};
  bad.object = Fh(fh);
  testing::SetRawEnum(&bad.new_attributes.atime.set_it, 7);
  Decoded<SETATTR3res, xdr_SETATTR3res> br;
  ASSERT_EQ(s().Nfs(NFSPROC3_SETATTR, xdr_SETATTR3args, &bad, xdr_SETATTR3res, br.get()),
            rpc::DispatchStatus::kSuccess);
  EXPECT_EQ(br->status, NFS3ERR_INVAL);
}

TEST_P(Nfs3ProgramTest, LookupAccessAndDotDot) {
  std::vector<uint8_t> sub, found;
  ASSERT_EQ(MkDir(root_, "sub", &sub), NFS3_OK);
  ASSERT_EQ(Lookup(root_, "sub", &found), NFS3_OK);
  EXPECT_EQ(found, sub);
  std::vector<uint8_t> parent;
  ASSERT_EQ(Lookup(sub, "..", &parent), NFS3_OK);
  fattr3 pa{}, ra{};
  ASSERT_EQ(GetAttr(parent, &pa), NFS3_OK);
  ASSERT_EQ(GetAttr(root_, &ra), NFS3_OK);
  EXPECT_EQ(pa.fileid, ra.fileid);

  ACCESS3args a{Fh(sub), 0xffffffff};
  Decoded<ACCESS3res, xdr_ACCESS3res> r;
  ASSERT_EQ(s().Nfs(NFSPROC3_ACCESS, xdr_ACCESS3args, &a, xdr_ACCESS3res, r.get()),
            rpc::DispatchStatus::kSuccess);
  ASSERT_EQ(r->status, NFS3_OK);
  EXPECT_EQ(r->ACCESS3res_u.resok.access & ~0x3fu, 0u);  // never bits that do not exist
  EXPECT_NE(r->ACCESS3res_u.resok.access & ACCESS3_MODIFY, 0u);
  EXPECT_TRUE(r->ACCESS3res_u.resok.obj_attributes.attributes_follow);
}

TEST_P(Nfs3ProgramTest, SymlinkReadlinkLinkRenameMknod) {
  std::string name = "ln", target = "some/where";
  SYMLINK3args sa{};
  sa.where = {Fh(root_), Fname(name)};
  sa.symlink.symlink_data = {static_cast<u_int>(target.size()), target.data()};
  Decoded<SYMLINK3res, xdr_SYMLINK3res> sr;
  ASSERT_EQ(s().Nfs(NFSPROC3_SYMLINK, xdr_SYMLINK3args, &sa, xdr_SYMLINK3res, sr.get()),
            rpc::DispatchStatus::kSuccess);
  ASSERT_EQ(sr->status, NFS3_OK);
  std::vector<uint8_t> ln = FhBytes(sr->SYMLINK3res_u.resok.obj.post_op_fh3_u.handle);
  EXPECT_TRUE(sr->SYMLINK3res_u.resok.dir_wcc.after.attributes_follow);

  READLINK3args ra{Fh(ln)};
  Decoded<READLINK3res, xdr_READLINK3res> rr;
  ASSERT_EQ(s().Nfs(NFSPROC3_READLINK, xdr_READLINK3args, &ra, xdr_READLINK3res, rr.get()),
            rpc::DispatchStatus::kSuccess);
  ASSERT_EQ(rr->status, NFS3_OK);
  const nfspath3& p = rr->READLINK3res_u.resok.data;
  EXPECT_EQ(std::string(p.nfspath3_val, p.nfspath3_len), target);

  std::vector<uint8_t> f;
  ASSERT_EQ(Create(root_, "orig", &f), NFS3_OK);
  std::string link_name = "hard";
  LINK3args la{Fh(f), {Fh(root_), Fname(link_name)}};
  Decoded<LINK3res, xdr_LINK3res> lr;
  ASSERT_EQ(s().Nfs(NFSPROC3_LINK, xdr_LINK3args, &la, xdr_LINK3res, lr.get()),
            rpc::DispatchStatus::kSuccess);
  ASSERT_EQ(lr->status, NFS3_OK);
  ASSERT_TRUE(lr->LINK3res_u.resok.file_attributes.attributes_follow);
  EXPECT_EQ(lr->LINK3res_u.resok.file_attributes.post_op_attr_u.attributes.nlink, 2u);

  // RENAME replaces the target, POSIX style.
  std::string from = "orig", to = "ln";
  RENAME3args na{{Fh(root_), Fname(from)}, {Fh(root_), Fname(to)}};
  Decoded<RENAME3res, xdr_RENAME3res> nr;
  ASSERT_EQ(s().Nfs(NFSPROC3_RENAME, xdr_RENAME3args, &na, xdr_RENAME3res, nr.get()),
            rpc::DispatchStatus::kSuccess);
  ASSERT_EQ(nr->status, NFS3_OK);
  EXPECT_TRUE(nr->RENAME3res_u.resok.todir_wcc.after.attributes_follow);
  std::vector<uint8_t> now;
  ASSERT_EQ(Lookup(root_, "ln", &now), NFS3_OK);
  EXPECT_EQ(now, f);  // the handle survived the rename

  for (ftype3 type : {NF3FIFO, NF3SOCK}) {
    std::string n = type == NF3FIFO ? "fifo" : "sock";
    MKNOD3args ma{};
    ma.where = {Fh(root_), Fname(n)};
    ma.what.type = type;
    Decoded<MKNOD3res, xdr_MKNOD3res> mr;
    ASSERT_EQ(s().Nfs(NFSPROC3_MKNOD, xdr_MKNOD3args, &ma, xdr_MKNOD3res, mr.get()),
              rpc::DispatchStatus::kSuccess);
    ASSERT_EQ(mr->status, NFS3_OK) << n;
    ASSERT_TRUE(mr->MKNOD3res_u.resok.obj_attributes.attributes_follow);
    EXPECT_EQ(mr->MKNOD3res_u.resok.obj_attributes.post_op_attr_u.attributes.type, type);
  }
  for (uint32_t type : {1u, 2u, 5u, 99u}) {  // NF3REG, NF3DIR, NF3LNK, nonsense
    std::string n = "bad";
    MKNOD3args ma{};
    ma.where = {Fh(root_), Fname(n)};
    testing::SetRawEnum(&ma.what.type, type);
    Decoded<MKNOD3res, xdr_MKNOD3res> mr;
    ASSERT_EQ(s().Nfs(NFSPROC3_MKNOD, xdr_MKNOD3args, &ma, xdr_MKNOD3res, mr.get()),
              rpc::DispatchStatus::kSuccess);
    EXPECT_EQ(mr->status, NFS3ERR_BADTYPE) << type;
    EXPECT_TRUE(mr->MKNOD3res_u.resfail.dir_wcc.after.attributes_follow);
  }
}

TEST_P(Nfs3ProgramTest, RemoveAndRmdir) {
  std::vector<uint8_t> d, f;
  ASSERT_EQ(MkDir(root_, "d", &d), NFS3_OK);
  ASSERT_EQ(Create(d, "f", &f), NFS3_OK);
  std::string dname = "d", fname = "f";
  RMDIR3args rd{{Fh(root_), Fname(dname)}};
  {
    Decoded<RMDIR3res, xdr_RMDIR3res> r;
    ASSERT_EQ(s().Nfs(NFSPROC3_RMDIR, xdr_RMDIR3args, &rd, xdr_RMDIR3res, r.get()),
              rpc::DispatchStatus::kSuccess);
    EXPECT_EQ(r->status, NFS3ERR_NOTEMPTY);
    EXPECT_TRUE(r->RMDIR3res_u.resfail.dir_wcc.after.attributes_follow);
  }
  REMOVE3args rm{{Fh(d), Fname(fname)}};
  Decoded<REMOVE3res, xdr_REMOVE3res> r;
  ASSERT_EQ(s().Nfs(NFSPROC3_REMOVE, xdr_REMOVE3args, &rm, xdr_REMOVE3res, r.get()),
            rpc::DispatchStatus::kSuccess);
  ASSERT_EQ(r->status, NFS3_OK);
  EXPECT_TRUE(r->REMOVE3res_u.resok.dir_wcc.before.attributes_follow);
  EXPECT_TRUE(r->REMOVE3res_u.resok.dir_wcc.after.attributes_follow);
  EXPECT_EQ(GetAttr(f), NFS3ERR_STALE);  // STALE after delete
  Decoded<RMDIR3res, xdr_RMDIR3res> r2;
  ASSERT_EQ(s().Nfs(NFSPROC3_RMDIR, xdr_RMDIR3args, &rd, xdr_RMDIR3res, r2.get()),
            rpc::DispatchStatus::kSuccess);
  EXPECT_EQ(r2->status, NFS3_OK);
}

TEST_P(Nfs3ProgramTest, ExclusiveCreateRetransmission) {
  std::vector<uint8_t> a, b;
  ASSERT_EQ(Create(root_, "x", &a, EXCLUSIVE, {}, "verf0001"), NFS3_OK);
  ASSERT_EQ(Create(root_, "x", &b, EXCLUSIVE, {}, "verf0001"), NFS3_OK);
  EXPECT_EQ(a, b);
  EXPECT_EQ(Create(root_, "x", nullptr, EXCLUSIVE, {}, "verf0002"), NFS3ERR_EXIST);
  EXPECT_EQ(Create(root_, "x", nullptr, GUARDED), NFS3ERR_EXIST);
  EXPECT_EQ(Create(root_, "x", nullptr, UNCHECKED), NFS3_OK);
}

TEST_P(Nfs3ProgramTest, FsInfoFsStatPathConf) {
  FSINFO3args ia{Fh(root_)};
  Decoded<FSINFO3res, xdr_FSINFO3res> ir;
  ASSERT_EQ(s().Nfs(NFSPROC3_FSINFO, xdr_FSINFO3args, &ia, xdr_FSINFO3res, ir.get()),
            rpc::DispatchStatus::kSuccess);
  ASSERT_EQ(ir->status, NFS3_OK);
  const FSINFO3resok& i = ir->FSINFO3res_u.resok;
  EXPECT_EQ(i.rtmax, 1u << 20);
  EXPECT_EQ(i.rtpref, 1u << 20);
  EXPECT_EQ(i.wtmax, 1u << 20);
  EXPECT_EQ(i.wtpref, 1u << 20);
  EXPECT_EQ(i.rtmult, 4096u);
  EXPECT_EQ(i.time_delta.seconds, 0u);
  EXPECT_EQ(i.time_delta.nseconds, 1u);
  EXPECT_EQ(i.properties,
            static_cast<uint32_t>(FSF3_LINK | FSF3_SYMLINK | FSF3_HOMOGENEOUS | FSF3_CANSETTIME));
  EXPECT_GT(i.maxfilesize, 0u);
  EXPECT_TRUE(i.obj_attributes.attributes_follow);

  FSSTAT3args sa{Fh(root_)};
  Decoded<FSSTAT3res, xdr_FSSTAT3res> sr;
  ASSERT_EQ(s().Nfs(NFSPROC3_FSSTAT, xdr_FSSTAT3args, &sa, xdr_FSSTAT3res, sr.get()),
            rpc::DispatchStatus::kSuccess);
  ASSERT_EQ(sr->status, NFS3_OK);
  EXPECT_GT(sr->FSSTAT3res_u.resok.tbytes, 0u);
  EXPECT_GE(sr->FSSTAT3res_u.resok.tbytes, sr->FSSTAT3res_u.resok.fbytes);

  PATHCONF3args pa{Fh(root_)};
  Decoded<PATHCONF3res, xdr_PATHCONF3res> pr;
  ASSERT_EQ(s().Nfs(NFSPROC3_PATHCONF, xdr_PATHCONF3args, &pa, xdr_PATHCONF3res, pr.get()),
            rpc::DispatchStatus::kSuccess);
  ASSERT_EQ(pr->status, NFS3_OK);
  EXPECT_EQ(pr->PATHCONF3res_u.resok.name_max, 255u);
}

LOOPFS_NFSD_INSTANTIATE(Nfs3ProgramTest);

}  // namespace
}  // namespace loopfs::nfsd
