// NFSv3 error paths: names, handles, read-only exports, credentials and the
// transport-level security checks.
#include <sys/stat.h>
#include <unistd.h>

#include "nfsd/file_handle.h"
#include "tests/unit/nfsd/nfs3_test_fixture.h"

namespace loopfs::nfsd {
namespace {

using testing::Caller;
using testing::Decoded;
using testing::Fh;
using testing::Fname;

class Nfs3ErrorsTest : public testing::Nfs3Fixture {};

TEST_P(Nfs3ErrorsTest, NamesAreCheckedBeforeTheLayer) {
  const std::string slash = "a/b", nul = std::string("a\0b", 3), empty;
  const std::string longest(255, 'n'), too_long(256, 'n');
  EXPECT_EQ(Create(root_, slash), NFS3ERR_ACCES);
  EXPECT_EQ(Create(root_, nul), NFS3ERR_ACCES);
  EXPECT_EQ(Create(root_, empty), NFS3ERR_ACCES);
  EXPECT_EQ(Create(root_, too_long), NFS3ERR_NAMETOOLONG);
  EXPECT_EQ(Create(root_, std::string(4096, 'n')), NFS3ERR_NAMETOOLONG);
  EXPECT_EQ(Create(root_, longest), NFS3_OK);
  EXPECT_EQ(Create(root_, "."), NFS3ERR_EXIST);
  EXPECT_EQ(Create(root_, ".."), NFS3ERR_EXIST);
  EXPECT_EQ(MkDir(root_, ".."), NFS3ERR_EXIST);
  EXPECT_EQ(Lookup(root_, slash), NFS3ERR_ACCES);
  EXPECT_EQ(Lookup(root_, nul), NFS3ERR_ACCES);
  EXPECT_EQ(Lookup(root_, too_long), NFS3ERR_NAMETOOLONG);
  EXPECT_EQ(Lookup(root_, "."), NFS3_OK);
  // Nothing was created on the way.
  EXPECT_EQ(Lookup(root_, "a"), NFS3ERR_NOENT);

  for (const std::string& name : {std::string("."), std::string(".."), slash}) {
    std::string n = name;
    REMOVE3args a{{Fh(root_), Fname(n)}};
    Decoded<REMOVE3res, xdr_REMOVE3res> r;
    ASSERT_EQ(s().Nfs(NFSPROC3_REMOVE, xdr_REMOVE3args, &a, xdr_REMOVE3res, r.get()),
              rpc::DispatchStatus::kSuccess);
    EXPECT_EQ(r->status, NFS3ERR_ACCES) << name;
    EXPECT_TRUE(r->REMOVE3res_u.resfail.dir_wcc.after.attributes_follow);
  }
  std::string dots = "..", other = "x";
  RENAME3args ra{{Fh(root_), Fname(dots)}, {Fh(root_), Fname(other)}};
  Decoded<RENAME3res, xdr_RENAME3res> rr;
  ASSERT_EQ(s().Nfs(NFSPROC3_RENAME, xdr_RENAME3args, &ra, xdr_RENAME3res, rr.get()),
            rpc::DispatchStatus::kSuccess);
  EXPECT_EQ(rr->status, NFS3ERR_PERM);
  EXPECT_TRUE(rr->RENAME3res_u.resfail.fromdir_wcc.after.attributes_follow);

  std::string ln = "ln", bad_target("a\0b", 3);
  SYMLINK3args sa{};
  sa.where = {Fh(root_), Fname(ln)};
  sa.symlink.symlink_data = {static_cast<u_int>(bad_target.size()), bad_target.data()};
  Decoded<SYMLINK3res, xdr_SYMLINK3res> sr;
  ASSERT_EQ(s().Nfs(NFSPROC3_SYMLINK, xdr_SYMLINK3args, &sa, xdr_SYMLINK3res, sr.get()),
            rpc::DispatchStatus::kSuccess);
  EXPECT_EQ(sr->status, NFS3ERR_INVAL);
}

TEST_P(Nfs3ErrorsTest, NoentExistNotdir) {
  EXPECT_EQ(Lookup(root_, "missing"), NFS3ERR_NOENT);
  std::string name = "missing";
  LOOKUP3args a{{Fh(root_), Fname(name)}};
  Decoded<LOOKUP3res, xdr_LOOKUP3res> r;
  ASSERT_EQ(s().Nfs(NFSPROC3_LOOKUP, xdr_LOOKUP3args, &a, xdr_LOOKUP3res, r.get()),
            rpc::DispatchStatus::kSuccess);
  EXPECT_EQ(r->status, NFS3ERR_NOENT);
  EXPECT_TRUE(r->LOOKUP3res_u.resfail.dir_attributes.attributes_follow);

  std::vector<uint8_t> f;
  ASSERT_EQ(Create(root_, "file", &f), NFS3_OK);
  EXPECT_EQ(Create(root_, "file"), NFS3ERR_EXIST);
  EXPECT_EQ(MkDir(root_, "file"), NFS3ERR_EXIST);
  EXPECT_EQ(Lookup(f, "x"), NFS3ERR_NOTDIR);
}

TEST_P(Nfs3ErrorsTest, BadAndStaleHandles) {
  std::vector<uint8_t> junk(20, 0x42);
  EXPECT_EQ(GetAttr(junk), NFS3ERR_BADHANDLE);
  std::vector<uint8_t> empty;
  EXPECT_EQ(GetAttr(empty), NFS3ERR_BADHANDLE);
  std::vector<uint8_t> tampered = root_;
  tampered[6] ^= 1;
  EXPECT_EQ(GetAttr(tampered), NFS3ERR_BADHANDLE);
  // Properly signed, but for an export that does not exist (any more).
  NodeHandle node;
  node.Assign(std::vector<uint8_t>{1, 2, 3});
  WireHandle gone = EncodeFileHandle(s().key(), 0x7777, 0, node);
  std::vector<uint8_t> gone_bytes(gone.data.begin(), gone.data.begin() + gone.size);
  EXPECT_EQ(GetAttr(gone_bytes), NFS3ERR_STALE);

  // Failure replies of procedures with wcc still decode (shape check).
  std::string n = "x";
  CREATE3args ca{};
  ca.where = {Fh(junk), Fname(n)};
  ca.how.mode = UNCHECKED;
  Decoded<CREATE3res, xdr_CREATE3res> cr;
  ASSERT_EQ(s().Nfs(NFSPROC3_CREATE, xdr_CREATE3args, &ca, xdr_CREATE3res, cr.get()),
            rpc::DispatchStatus::kSuccess);
  EXPECT_EQ(cr->status, NFS3ERR_BADHANDLE);
  EXPECT_FALSE(cr->CREATE3res_u.resfail.dir_wcc.after.attributes_follow);
}

TEST_P(Nfs3ErrorsTest, ReadOnlyExport) {
  std::vector<uint8_t> ro = s().Mount("/ro");
  ASSERT_FALSE(ro.empty());
  EXPECT_EQ(Create(ro, "f"), NFS3ERR_ROFS);
  EXPECT_EQ(MkDir(ro, "g"), NFS3ERR_ROFS);
  std::string name = "f";
  CREATE3args ca{};
  ca.where = {Fh(ro), Fname(name)};
  ca.how.mode = UNCHECKED;
  Decoded<CREATE3res, xdr_CREATE3res> cr;
  ASSERT_EQ(s().Nfs(NFSPROC3_CREATE, xdr_CREATE3args, &ca, xdr_CREATE3res, cr.get()),
            rpc::DispatchStatus::kSuccess);
  EXPECT_EQ(cr->status, NFS3ERR_ROFS);
  EXPECT_TRUE(cr->CREATE3res_u.resfail.dir_wcc.after.attributes_follow);

  std::string d = "d";
  REMOVE3args rm{{Fh(ro), Fname(d)}};
  Decoded<REMOVE3res, xdr_REMOVE3res> rr;
  ASSERT_EQ(s().Nfs(NFSPROC3_REMOVE, xdr_REMOVE3args, &rm, xdr_REMOVE3res, rr.get()),
            rpc::DispatchStatus::kSuccess);
  EXPECT_EQ(rr->status, NFS3ERR_ROFS);

  SETATTR3args sa{};
  sa.object = Fh(ro);
  sa.new_attributes.mode.set_it = TRUE;
  sa.new_attributes.mode.set_mode3_u.mode = 0777;
  Decoded<SETATTR3res, xdr_SETATTR3res> sr;
  ASSERT_EQ(s().Nfs(NFSPROC3_SETATTR, xdr_SETATTR3args, &sa, xdr_SETATTR3res, sr.get()),
            rpc::DispatchStatus::kSuccess);
  EXPECT_EQ(sr->status, NFS3ERR_ROFS);
  EXPECT_TRUE(sr->SETATTR3res_u.resfail.obj_wcc.after.attributes_follow);
  fattr3 attr{};
  ASSERT_EQ(GetAttr(ro, &attr), NFS3_OK);
  EXPECT_EQ(attr.mode & 0777, 0755u);

  ACCESS3args aa{Fh(ro), 0x3f};
  Decoded<ACCESS3res, xdr_ACCESS3res> ar;
  ASSERT_EQ(s().Nfs(NFSPROC3_ACCESS, xdr_ACCESS3args, &aa, xdr_ACCESS3res, ar.get()),
            rpc::DispatchStatus::kSuccess);
  ASSERT_EQ(ar->status, NFS3_OK);
  EXPECT_EQ(ar->ACCESS3res_u.resok.access & (ACCESS3_MODIFY | ACCESS3_EXTEND | ACCESS3_DELETE), 0u);
  EXPECT_NE(ar->ACCESS3res_u.resok.access & ACCESS3_READ, 0u);
}

TEST_P(Nfs3ErrorsTest, AccesAsNonRootUid) {
  std::vector<uint8_t> d;
  ASSERT_EQ(MkDir(root_, "private", &d), NFS3_OK);  // 0755, owned by root
  Caller user;
  user.uid = 1000;
  user.gid = 1000;
  EXPECT_EQ(Create(d, "f", nullptr, GUARDED, user), NFS3ERR_ACCES);
  EXPECT_EQ(Lookup(d, "f"), NFS3ERR_NOENT);
}

TEST_P(Nfs3ErrorsTest, RootSquashAllSquashAndAuthNone) {
  std::vector<uint8_t> sq = s().Mount("/squash");
  ASSERT_FALSE(sq.empty());
  std::vector<uint8_t> f;
  ASSERT_EQ(Create(sq, "by-root", &f), NFS3_OK);
  fattr3 a{};
  ASSERT_EQ(GetAttr(f, &a), NFS3_OK);
  EXPECT_EQ(a.uid, 65534u);
  EXPECT_EQ(a.gid, 65534u);

  Caller none;
  none.flavor = rpc::AuthFlavor::kNone;
  ASSERT_EQ(Create(root_, "anon", &f, GUARDED, none), NFS3ERR_ACCES);  // root dir is 0755
  SETATTR3args chmod_args{};
  chmod_args.object = Fh(root_);
  chmod_args.new_attributes.mode.set_it = TRUE;
  chmod_args.new_attributes.mode.set_mode3_u.mode = 0777;
  Decoded<SETATTR3res, xdr_SETATTR3res> chmod_res;
  ASSERT_EQ(
      s().Nfs(NFSPROC3_SETATTR, xdr_SETATTR3args, &chmod_args, xdr_SETATTR3res, chmod_res.get()),
      rpc::DispatchStatus::kSuccess);
  ASSERT_EQ(chmod_res->status, NFS3_OK);
  ASSERT_EQ(Create(root_, "anon", &f, GUARDED, none), NFS3_OK);
  ASSERT_EQ(GetAttr(f, &a), NFS3_OK);
  EXPECT_EQ(a.uid, 65534u);

  Caller user;
  user.uid = 1234;
  user.gid = 0;
  user.gids = {0, 5};
  ASSERT_EQ(Create(sq, "by-user", &f, GUARDED, user), NFS3_OK);
  ASSERT_EQ(GetAttr(f, &a), NFS3_OK);
  EXPECT_EQ(a.uid, 1234u);
  EXPECT_EQ(a.gid, 65534u);  // gid 0 squashed too
}

TEST_P(Nfs3ErrorsTest, UnreservedPortIsTooWeakUnlessInsecure) {
  Caller user_port;
  user_port.port = 40000;
  user_port.owner_uid = 0;  // root's socket, as libnfs run by root
  GETATTR3args a{Fh(root_)};
  auto bytes = testing::XdrEncode(xdr_GETATTR3args, &a);
  EXPECT_EQ(s().CallRaw(s().nfs(), 3, NFSPROC3_GETATTR, bytes, user_port).status,
            rpc::DispatchStatus::kAuthTooWeak);
  std::vector<uint8_t> open = s().Mount("/open", nullptr, user_port);
  ASSERT_FALSE(open.empty());
  EXPECT_EQ(GetAttr(open, nullptr, user_port), NFS3_OK);
  // NULL needs no export.
  EXPECT_EQ(s().CallRaw(s().nfs(), 3, 0, {}, user_port).status, rpc::DispatchStatus::kSuccess);
  // Two handles: the first one's export decides.
  std::string n1 = "a", n2 = "b";
  RENAME3args ra{{Fh(root_), Fname(n1)}, {Fh(open), Fname(n2)}};
  EXPECT_EQ(s().CallRaw(s().nfs(), 3, NFSPROC3_RENAME, testing::XdrEncode(xdr_RENAME3args, &ra),
                        user_port)
                .status,
            rpc::DispatchStatus::kAuthTooWeak);
}

TEST_P(Nfs3ErrorsTest, ForeignUidFromANonRootSocketIsTooWeak) {
  std::vector<uint8_t> open = s().Mount("/open");
  Caller liar;
  liar.port = 40000;
  liar.owner_uid = 1000;
  liar.uid = 0;
  GETATTR3args a{Fh(open)};
  auto bytes = testing::XdrEncode(xdr_GETATTR3args, &a);
  EXPECT_EQ(s().CallRaw(s().nfs(), 3, NFSPROC3_GETATTR, bytes, liar).status,
            rpc::DispatchStatus::kAuthTooWeak);
  Caller honest = liar;
  honest.uid = 1000;
  EXPECT_EQ(s().CallRaw(s().nfs(), 3, NFSPROC3_GETATTR, bytes, honest).status,
            rpc::DispatchStatus::kSuccess);
  Caller root_socket = liar;
  root_socket.owner_uid = 0;
  EXPECT_EQ(s().CallRaw(s().nfs(), 3, NFSPROC3_GETATTR, bytes, root_socket).status,
            rpc::DispatchStatus::kSuccess);
  // Owner unknown (UDP): only a reserved port vouches for the credentials.
  Caller unknown = liar;
  unknown.owner_uid = -1;
  EXPECT_EQ(s().CallRaw(s().nfs(), 3, NFSPROC3_GETATTR, bytes, unknown).status,
            rpc::DispatchStatus::kAuthTooWeak);
  unknown.port = 900;
  EXPECT_EQ(s().CallRaw(s().nfs(), 3, NFSPROC3_GETATTR, bytes, unknown).status,
            rpc::DispatchStatus::kSuccess);
}

TEST_P(Nfs3ErrorsTest, CrossExportIsXdev) {
  std::vector<uint8_t> open = s().Mount("/open");
  std::vector<uint8_t> f;
  ASSERT_EQ(Create(root_, "f", &f), NFS3_OK);
  std::string from = "f", to = "g";
  RENAME3args ra{{Fh(root_), Fname(from)}, {Fh(open), Fname(to)}};
  Decoded<RENAME3res, xdr_RENAME3res> rr;
  ASSERT_EQ(s().Nfs(NFSPROC3_RENAME, xdr_RENAME3args, &ra, xdr_RENAME3res, rr.get()),
            rpc::DispatchStatus::kSuccess);
  EXPECT_EQ(rr->status, NFS3ERR_XDEV);
  LINK3args la{Fh(f), {Fh(open), Fname(to)}};
  Decoded<LINK3res, xdr_LINK3res> lr;
  ASSERT_EQ(s().Nfs(NFSPROC3_LINK, xdr_LINK3args, &la, xdr_LINK3res, lr.get()),
            rpc::DispatchStatus::kSuccess);
  EXPECT_EQ(lr->status, NFS3ERR_XDEV);
}

TEST_P(Nfs3ErrorsTest, UnknownLayerStatusBecomesServerfault) {
  std::vector<uint8_t> fault = s().Mount("/fault");
  // MNT itself uses GETATTR to check for a directory, and fails.
  EXPECT_TRUE(fault.empty());
  std::vector<uint8_t> f;
  ASSERT_EQ(Create(root_, "x", &f), NFS3_OK);
  // The fault export shares nothing with "/", so forge nothing: build its
  // root handle from the posix layer through an export of the same root.
  const Export* exp = s().holder().Get()->FindById(ExportIdFromPath("/fault"));
  ASSERT_NE(exp, nullptr);
  NodeHandle node;
  ASSERT_TRUE(exp->stack->Root(RequestContext{}, &node).ok());
  WireHandle w = EncodeFileHandle(s().key(), exp->id, 0, node);
  std::vector<uint8_t> fh(w.data.begin(), w.data.begin() + w.size);
  EXPECT_EQ(GetAttr(fh), NFS3ERR_SERVERFAULT);
}

TEST_P(Nfs3ErrorsTest, WriteArgumentRules) {
  std::vector<uint8_t> f;
  ASSERT_EQ(Create(root_, "w", &f), NFS3_OK);
  std::string data = "12345";
  WRITE3args a{};
  a.file = Fh(f);
  a.count = 4;  // does not match the 5 bytes of data
  a.stable = FILE_SYNC;
  a.data = {5, data.data()};
  auto bytes = testing::XdrEncode(xdr_WRITE3args, &a);
  EXPECT_EQ(s().CallRaw(s().nfs(), 3, NFSPROC3_WRITE, bytes).status,
            rpc::DispatchStatus::kGarbageArgs);
  a.count = 5;
  testing::SetRawEnum(&a.stable, 3);
  bytes = testing::XdrEncode(xdr_WRITE3args, &a);
  EXPECT_EQ(s().CallRaw(s().nfs(), 3, NFSPROC3_WRITE, bytes).status,
            rpc::DispatchStatus::kGarbageArgs);
  a.stable = UNSTABLE;
  bytes = testing::XdrEncode(xdr_WRITE3args, &a);
  EXPECT_EQ(s().CallRaw(s().nfs(), 3, NFSPROC3_WRITE, bytes).status, rpc::DispatchStatus::kSuccess);
  // The data length claims more than the record holds.
  bytes.resize(bytes.size() - 4);
  EXPECT_EQ(s().CallRaw(s().nfs(), 3, NFSPROC3_WRITE, bytes).status,
            rpc::DispatchStatus::kGarbageArgs);
}

TEST_P(Nfs3ErrorsTest, WriteVerifierChangesAfterLostData) {
  // The "/eio" export fails every WRITE and COMMIT with NFS3ERR_IO.
  std::vector<uint8_t> eio = s().Mount("/eio");
  std::vector<uint8_t> f;
  ASSERT_EQ(Create(eio, "f", &f), NFS3_OK);
  const WriteVerf start = s().nfs().write_verifier().Get();
  EXPECT_EQ(Write(f, 0, "x", UNSTABLE), NFS3ERR_IO);
  EXPECT_EQ(s().nfs().write_verifier().Get(), start);  // nothing acknowledged was lost
  EXPECT_EQ(Write(f, 0, "x", FILE_SYNC), NFS3ERR_IO);
  const WriteVerf after_sync = s().nfs().write_verifier().Get();
  EXPECT_NE(after_sync, start);
  COMMIT3args c{Fh(f), 0, 0};
  Decoded<COMMIT3res, xdr_COMMIT3res> cr;
  ASSERT_EQ(s().Nfs(NFSPROC3_COMMIT, xdr_COMMIT3args, &c, xdr_COMMIT3res, cr.get()),
            rpc::DispatchStatus::kSuccess);
  EXPECT_EQ(cr->status, NFS3ERR_IO);
  EXPECT_NE(s().nfs().write_verifier().Get(), after_sync);
  // A healthy export now hands out the new verifier.
  std::vector<uint8_t> g;
  ASSERT_EQ(Create(root_, "g", &g), NFS3_OK);
  WriteVerf now;
  ASSERT_EQ(Write(g, 0, "y", UNSTABLE, &now), NFS3_OK);
  EXPECT_EQ(now, s().nfs().write_verifier().Get());

  WriteVerifier v;
  WriteVerf before = v.Get();
  v.Change();
  EXPECT_NE(v.Get(), before);
  WriteVerifier other;
  EXPECT_NE(other.Get(), before);  // random per start
}

LOOPFS_NFSD_INSTANTIATE(Nfs3ErrorsTest);

}  // namespace
}  // namespace loopfs::nfsd
