// The MOUNT program, versions 1 and 3.
#include "nfsd/mount_program.h"

#include "tests/unit/nfsd/nfs3_test_fixture.h"
#include "tests/unit/nfsd/sample_args.h"

namespace loopfs::nfsd {
namespace {

using testing::Caller;
using testing::Decoded;

class MountProgramTest : public testing::Nfs3Fixture {
 protected:
  std::vector<std::pair<std::string, std::string>> Dump(uint32_t vers = 3) {
    auto raw = s().CallRaw(s().mount(), vers, MOUNTPROC3_DUMP, {});
    EXPECT_EQ(raw.status, rpc::DispatchStatus::kSuccess);
    Decoded<mountlist, xdr_mountlist> list;
    EXPECT_TRUE(testing::XdrDecode(xdr_mountlist, raw.body, list.get()));
    std::vector<std::pair<std::string, std::string>> out;
    for (mountbody* m = list.v; m != nullptr; m = m->ml_next) {
      out.emplace_back(m->ml_hostname, m->ml_directory);
    }
    return out;
  }
};

TEST_P(MountProgramTest, DescribesItself) {
  MountProgram& m = s().mount();
  EXPECT_EQ(m.number(), 100005u);
  EXPECT_TRUE(m.HasVersion(1));
  EXPECT_FALSE(m.HasVersion(2));
  EXPECT_TRUE(m.HasVersion(3));
  EXPECT_EQ(m.ProcName(3, 1), "MNT");
  EXPECT_EQ(m.ProcName(1, 5), "EXPORT");
  EXPECT_EQ(m.ProcName(3, 6), "");
  EXPECT_FALSE(m.IsNonIdempotent(3, 1));
  EXPECT_EQ(s().CallRaw(m, 3, 6, {}).status, rpc::DispatchStatus::kProcUnavail);
  EXPECT_EQ(s().CallRaw(m, 3, 0, {}).status, rpc::DispatchStatus::kSuccess);
  EXPECT_EQ(s().CallRaw(m, 1, 0, {}).status, rpc::DispatchStatus::kSuccess);
}

TEST_P(MountProgramTest, MntAnswersHandleAndFlavors) {
  std::string p = "/";
  dirpath dp = p.data();
  auto raw = s().CallRaw(s().mount(), 3, MOUNTPROC3_MNT, testing::XdrEncode(xdr_dirpath, &dp));
  ASSERT_EQ(raw.status, rpc::DispatchStatus::kSuccess);
  Decoded<mountres3, xdr_mountres3> r;
  ASSERT_TRUE(testing::XdrDecode(xdr_mountres3, raw.body, r.get()));
  ASSERT_EQ(r->fhs_status, MNT3_OK);
  const mountres3_ok& ok = r->mountres3_u.mountinfo;
  EXPECT_LE(ok.fhandle.fhandle3_len, 64u);
  ASSERT_EQ(ok.auth_flavors.auth_flavors_len, 1u);
  EXPECT_EQ(ok.auth_flavors.auth_flavors_val[0], 1);  // AUTH_SYS
}

TEST_P(MountProgramTest, MntBelowAnExport) {
  std::vector<uint8_t> made_a, made_b;
  ASSERT_EQ(MkDir(root_, "a", &made_a), NFS3_OK);
  ASSERT_EQ(MkDir(made_a, "b", &made_b), NFS3_OK);
  ASSERT_EQ(Create(made_a, "file"), NFS3_OK);
  mountstat3 st;
  std::vector<uint8_t> b = s().Mount("/a/b", &st);
  ASSERT_EQ(st, MNT3_OK);
  std::vector<uint8_t> via_lookup, a;
  ASSERT_EQ(Lookup(root_, "a", &a), NFS3_OK);
  ASSERT_EQ(Lookup(a, "b", &via_lookup), NFS3_OK);
  EXPECT_EQ(b, via_lookup);

  s().Mount("/a/missing", &st);
  EXPECT_EQ(st, MNT3ERR_NOENT);
  s().Mount("/a/file", &st);
  EXPECT_EQ(st, MNT3ERR_NOTDIR);
  s().Mount("/a/b/../..", &st);
  EXPECT_EQ(st, MNT3ERR_ACCES);
  s().Mount("/ro/..", &st);
  EXPECT_EQ(st, MNT3ERR_ACCES);
  s().Mount("relative", &st);
  EXPECT_EQ(st, MNT3ERR_NOENT);
  // An empty path is the root, as libnfs sends for nfs://host/file URLs.
  std::vector<uint8_t> empty = s().Mount("", &st);
  EXPECT_EQ(st, MNT3_OK);
  EXPECT_EQ(empty, s().Mount("/", &st));
  // An exported subtree is mounted through its own export.
  std::vector<uint8_t> ro = s().Mount("/ro", &st);
  ASSERT_EQ(st, MNT3_OK);
  fattr3 attr{};
  ASSERT_EQ(GetAttr(ro, &attr), NFS3_OK);
  EXPECT_EQ(attr.fsid, FsidForExport(ExportIdFromPath("/ro")));
}

TEST_P(MountProgramTest, MntFromAnUnreservedPortNeedsInsecure) {
  Caller user;
  user.port = 50000;
  user.owner_uid = 0;  // root's socket, as libnfs run by root
  mountstat3 st;
  s().Mount("/", &st, user);
  EXPECT_EQ(st, MNT3ERR_ACCES);
  s().Mount("/open", &st, user);
  EXPECT_EQ(st, MNT3_OK);
  Caller liar = user;
  liar.owner_uid = 1000;
  liar.uid = 0;
  s().Mount("/open", &st, liar);
  EXPECT_EQ(st, MNT3ERR_ACCES);
}

TEST_P(MountProgramTest, Version1MntIsNotSupported) {
  auto raw = s().CallRaw(s().mount(), 1, MOUNTPROC_MNT, testing::SampleDirpath("/"));
  ASSERT_EQ(raw.status, rpc::DispatchStatus::kSuccess);
  Decoded<fhstatus, xdr_fhstatus> r;
  ASSERT_TRUE(testing::XdrDecode(xdr_fhstatus, raw.body, r.get()));
  EXPECT_EQ(r->fhs_status, static_cast<u_int>(MNT3ERR_NOTSUPP));
}

TEST_P(MountProgramTest, DumpUmntUmntall) {
  // The fixture mounted "/" from 127.0.0.1.
  EXPECT_EQ(Dump(), (std::vector<std::pair<std::string, std::string>>{{"127.0.0.1", "/"}}));
  Caller v6;
  v6.ipv6 = true;
  ASSERT_FALSE(s().Mount("/open", nullptr, v6).empty());
  ASSERT_FALSE(s().Mount("/ro").empty());
  ASSERT_FALSE(s().Mount("/ro").empty());  // listed once
  EXPECT_EQ(Dump(1).size(), 3u);

  EXPECT_EQ(s().CallRaw(s().mount(), 3, MOUNTPROC3_UMNT, testing::SampleDirpath("/ro")).status,
            rpc::DispatchStatus::kSuccess);
  EXPECT_EQ(Dump(), (std::vector<std::pair<std::string, std::string>>{{"127.0.0.1", "/"},
                                                                      {"::1", "/open"}}));
  // From an unreserved port the list does not change.
  Caller user;
  user.port = 40000;
  EXPECT_EQ(s().CallRaw(s().mount(), 3, MOUNTPROC3_UMNTALL, {}, user).status,
            rpc::DispatchStatus::kSuccess);
  EXPECT_EQ(Dump().size(), 2u);
  EXPECT_EQ(s().CallRaw(s().mount(), 3, MOUNTPROC3_UMNTALL, {}).status,
            rpc::DispatchStatus::kSuccess);
  EXPECT_EQ(Dump(), (std::vector<std::pair<std::string, std::string>>{{"::1", "/open"}}));
}

TEST_P(MountProgramTest, ExportListsEveryExportWithItsGroups) {
  for (uint32_t vers : {1u, 3u}) {
    auto raw = s().CallRaw(s().mount(), vers, MOUNTPROC3_EXPORT, {});
    ASSERT_EQ(raw.status, rpc::DispatchStatus::kSuccess);
    Decoded<exports, xdr_exports> r;
    ASSERT_TRUE(testing::XdrDecode(xdr_exports, raw.body, r.get()));
    std::vector<std::string> paths;
    for (exportnode* e = r.v; e != nullptr; e = e->ex_next) {
      paths.emplace_back(e->ex_dir);
      std::vector<std::string> groups;
      for (groupnode* g = e->ex_groups; g != nullptr; g = g->gr_next)
        groups.emplace_back(g->gr_name);
      EXPECT_EQ(groups, (std::vector<std::string>{"127.0.0.1", "::1"}));
    }
    EXPECT_EQ(paths, (std::vector<std::string>{"/", "/eio", "/fault", "/noattr", "/open", "/ro",
                                               "/squash"}));
  }
}

TEST_P(MountProgramTest, GarbageArguments) {
  std::vector<uint8_t> args = testing::SampleDirpath("/some/path");
  for (uint32_t proc : {MOUNTPROC3_MNT, MOUNTPROC3_UMNT}) {
    for (size_t len = 0; len < args.size(); ++len) {
      std::vector<uint8_t> cut(args.begin(), args.begin() + static_cast<std::ptrdiff_t>(len));
      EXPECT_EQ(s().CallRaw(s().mount(), 3, proc, cut).status, rpc::DispatchStatus::kGarbageArgs)
          << proc << " " << len;
    }
  }
  // Longer than MNTPATHLEN.
  EXPECT_EQ(s().CallRaw(s().mount(), 3, MOUNTPROC3_MNT,
                        testing::SampleDirpath("/" + std::string(1100, 'a')))
                .status,
            rpc::DispatchStatus::kGarbageArgs);
}

TEST(MountList, BoundedAndDeduplicated) {
  MountList list(3);
  list.Add("h", "/a");
  list.Add("h", "/a");
  list.Add("h", "/b");
  list.Add("g", "/a");
  list.Add("g", "/c");
  auto snap = list.Snapshot();
  ASSERT_EQ(snap.size(), 3u);
  EXPECT_EQ(snap.front(), std::make_pair(std::string("h"), std::string("/b")));
  list.RemoveHost("g");
  EXPECT_EQ(list.Snapshot().size(), 1u);
}

LOOPFS_NFSD_INSTANTIATE(MountProgramTest);

}  // namespace
}  // namespace loopfs::nfsd
