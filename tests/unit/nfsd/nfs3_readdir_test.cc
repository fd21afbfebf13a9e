// READDIR and READDIRPLUS: exact size accounting, paging by cookie,
// TOOSMALL and BAD_COOKIE.
#include <map>
#include <set>

#include <fmt/format.h>

#include "tests/unit/nfsd/nfs3_test_fixture.h"

namespace loopfs::nfsd {
namespace {

using testing::Decoded;
using testing::Fh;
using testing::FhBytes;

class Nfs3ReadDirTest : public testing::Nfs3Fixture {
 protected:
  void SetUp() override {
    Nfs3Fixture::SetUp();
    if (IsSkipped()) return;
    ASSERT_EQ(MkDir(root_, "list", &list_), NFS3_OK);
    for (int i = 0; i < 60; ++i) {
      // Names of varying length exercise the padding in the size accounting.
      std::string name = fmt::format("file-{}{}", std::string(i % 7, 'x'), i);
      names_.insert(name);
      ASSERT_EQ(Create(list_, name), NFS3_OK);
    }
    names_.insert(".");
    names_.insert("..");
  }

  struct Page {
    nfsstat3 status = NFS3ERR_SERVERFAULT;
    size_t body_size = 0;
    std::vector<std::pair<std::string, uint64_t>> entries;  // name, cookie
    std::vector<std::vector<uint8_t>> handles;              // READDIRPLUS
    std::array<char, 8> verf{};
    bool eof = false;
  };

  Page ReadDir(uint64_t cookie, const std::array<char, 8>& verf, uint32_t count) {
    READDIR3args a{};
    a.dir = Fh(list_);
    a.cookie = cookie;
    std::memcpy(a.cookieverf, verf.data(), 8);
    a.count = count;
    auto raw =
        s().CallRaw(s().nfs(), 3, NFSPROC3_READDIR, testing::XdrEncode(xdr_READDIR3args, &a));
    Page p;
    EXPECT_EQ(raw.status, rpc::DispatchStatus::kSuccess);
    Decoded<READDIR3res, xdr_READDIR3res> r;
    EXPECT_TRUE(testing::XdrDecode(xdr_READDIR3res, raw.body, r.get()));
    p.status = r->status;
    p.body_size = raw.body.size();
    if (r->status != NFS3_OK) return p;
    const READDIR3resok& ok = r->READDIR3res_u.resok;
    std::memcpy(p.verf.data(), ok.cookieverf, 8);
    for (entry3* e = ok.reply.entries; e != nullptr; e = e->nextentry) {
      p.entries.emplace_back(std::string(e->name.filename3_val, e->name.filename3_len), e->cookie);
    }
    p.eof = ok.reply.eof;
    return p;
  }

  Page ReadDirPlus(uint64_t cookie, const std::array<char, 8>& verf, uint32_t dircount,
                   uint32_t maxcount) {
    READDIRPLUS3args a{};
    a.dir = Fh(list_);
    a.cookie = cookie;
    std::memcpy(a.cookieverf, verf.data(), 8);
    a.dircount = dircount;
    a.maxcount = maxcount;
    auto raw = s().CallRaw(s().nfs(), 3, NFSPROC3_READDIRPLUS,
                           testing::XdrEncode(xdr_READDIRPLUS3args, &a));
    Page p;
    EXPECT_EQ(raw.status, rpc::DispatchStatus::kSuccess);
    Decoded<READDIRPLUS3res, xdr_READDIRPLUS3res> r;
    EXPECT_TRUE(testing::XdrDecode(xdr_READDIRPLUS3res, raw.body, r.get()));
    p.status = r->status;
    p.body_size = raw.body.size();
    if (r->status != NFS3_OK) return p;
    const READDIRPLUS3resok& ok = r->READDIRPLUS3res_u.resok;
    std::memcpy(p.verf.data(), ok.cookieverf, 8);
    size_t dir_bytes = 0;
    for (entryplus3* e = ok.reply.entries; e != nullptr; e = e->nextentry) {
      p.entries.emplace_back(std::string(e->name.filename3_val, e->name.filename3_len), e->cookie);
      dir_bytes += 8 + 4 + ((e->name.filename3_len + 3) & ~3u) + 8;
      if (e->name_handle.handle_follows) {
        p.handles.push_back(FhBytes(e->name_handle.post_op_fh3_u.handle));
        EXPECT_TRUE(e->name_attributes.attributes_follow);
      }
    }
    EXPECT_LE(dir_bytes, dircount);
    p.eof = ok.reply.eof;
    return p;
  }

  std::vector<uint8_t> list_;
  std::set<std::string> names_;
};

TEST_P(Nfs3ReadDirTest, OneCallListsEverything) {
  Page p = ReadDir(0, {}, 64 * 1024);
  ASSERT_EQ(p.status, NFS3_OK);
  EXPECT_TRUE(p.eof);
  std::set<std::string> got;
  for (auto& [name, cookie] : p.entries) got.insert(name);
  EXPECT_EQ(got, names_);
  EXPECT_EQ(p.entries.size(), names_.size());
}

TEST_P(Nfs3ReadDirTest, PagesHonourCountExactly) {
  // 144 is the least that holds the longest entry (13-byte name: 40 bytes).
  for (uint32_t count : {144u, 200u, 333u, 512u, 1024u}) {
    SCOPED_TRACE(count);
    std::multiset<std::string> got;
    uint64_t cookie = 0;
    std::array<char, 8> verf{};
    for (int calls = 0; calls < 500; ++calls) {
      Page p = ReadDir(cookie, verf, count);
      ASSERT_EQ(p.status, NFS3_OK);
      // The resok (all of the reply after the status word) fits count.
      EXPECT_LE(p.body_size - 4, count);
      ASSERT_TRUE(!p.entries.empty() || p.eof);
      for (auto& [name, c] : p.entries) got.insert(name);
      if (p.eof) break;
      cookie = p.entries.back().second;
      verf = p.verf;
    }
    EXPECT_EQ(got, std::multiset<std::string>(names_.begin(), names_.end()));
  }
}

TEST_P(Nfs3ReadDirTest, TooSmall) {
  EXPECT_EQ(ReadDir(0, {}, 50).status, NFS3ERR_TOOSMALL);
  EXPECT_EQ(ReadDir(0, {}, 104).status, NFS3ERR_TOOSMALL);  // room for no entry at all
  EXPECT_EQ(ReadDirPlus(0, {}, 8, 64 * 1024).status, NFS3ERR_TOOSMALL);
  EXPECT_EQ(ReadDirPlus(0, {}, 4096, 120).status, NFS3ERR_TOOSMALL);
}

TEST_P(Nfs3ReadDirTest, BadCookieVerifier) {
  Page first = ReadDir(0, {}, 400);
  ASSERT_EQ(first.status, NFS3_OK);
  ASSERT_FALSE(first.eof);
  std::array<char, 8> wrong = first.verf;
  wrong[0] ^= 0x55;
  wrong[7] ^= 0x55;
  EXPECT_EQ(ReadDir(first.entries.back().second, wrong, 400).status, NFS3ERR_BAD_COOKIE);
  EXPECT_EQ(ReadDir(first.entries.back().second, first.verf, 400).status, NFS3_OK);
}

TEST_P(Nfs3ReadDirTest, PlusHonoursDircountAndMaxcount) {
  for (auto [dircount, maxcount] :
       {std::pair{512u, 32768u}, std::pair{32768u, 1500u}, std::pair{300u, 700u}}) {
    SCOPED_TRACE(::testing::PrintToString(std::pair{dircount, maxcount}));
    std::multiset<std::string> got;
    uint64_t cookie = 0;
    std::array<char, 8> verf{};
    for (int calls = 0; calls < 500; ++calls) {
      Page p = ReadDirPlus(cookie, verf, dircount, maxcount);
      ASSERT_EQ(p.status, NFS3_OK);
      EXPECT_LE(p.body_size - 4, maxcount);
      for (auto& [name, c] : p.entries) got.insert(name);
      if (p.eof) break;
      ASSERT_FALSE(p.entries.empty());
      cookie = p.entries.back().second;
      verf = p.verf;
    }
    EXPECT_EQ(got, std::multiset<std::string>(names_.begin(), names_.end()));
  }
  // The handles READDIRPLUS hands out work.
  Page p = ReadDirPlus(0, {}, 65536, 65536);
  ASSERT_EQ(p.status, NFS3_OK);
  ASSERT_GT(p.handles.size(), 60u);
  for (auto& h : p.handles) EXPECT_EQ(GetAttr(h), NFS3_OK);
}

TEST_P(Nfs3ReadDirTest, NotADirectory) {
  std::vector<uint8_t> f;
  ASSERT_EQ(Lookup(list_, "file-0", &f), NFS3_OK);
  READDIR3args a{};
  a.dir = Fh(f);
  a.count = 4096;
  Decoded<READDIR3res, xdr_READDIR3res> r;
  ASSERT_EQ(s().Nfs(NFSPROC3_READDIR, xdr_READDIR3args, &a, xdr_READDIR3res, r.get()),
            rpc::DispatchStatus::kSuccess);
  EXPECT_EQ(r->status, NFS3ERR_NOTDIR);
}

LOOPFS_NFSD_INSTANTIATE(Nfs3ReadDirTest);

}  // namespace
}  // namespace loopfs::nfsd
