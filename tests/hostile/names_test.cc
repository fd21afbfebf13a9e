// Names that must never reach the file system as given: '/' and NUL inside,
// "." and "..", empty, and longer than 255 bytes.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <filesystem>
#include <set>

#include "tests/hostile/hostile_fixture.h"
#include "tests/support/nfs3_constants.h"

namespace loopfs::testing {
namespace {

class NamesTest : public HostileTest<NamesTest> {
 protected:
  void SetUp() override {
    HostileTest::SetUp();
    if (HasFatalFailure()) return;
    raw_ = Nfs();
    ASSERT_NE(raw_, nullptr);
    std::filesystem::create_directory(LocalDir() / "a");
  }
  uint32_t Status(uint32_t proc, const Bytes& args) {
    auto r = raw_->Call(Nfs3Call(*raw_, proc), args);
    if (!r) return UINT32_MAX;
    if (!r->Success()) return UINT32_MAX - 1 - r->accept_stat;
    return ResultStatus(r->body);
  }
  // A refusal the client can act on: an NFS error other than SERVERFAULT,
  // or GARBAGE_ARGS.
  static bool Refused(uint32_t s) {
    return s != NFS3_OK && s != NFS3ERR_SERVERFAULT && s != UINT32_MAX &&
           (s < UINT32_MAX - 10 || s == UINT32_MAX - 1 - kGarbageArgs);
  }
  // Every entry of the test directory, as the local file system sees it.
  std::set<std::string> LocalNames() {
    std::set<std::string> s;
    for (const auto& e : std::filesystem::recursive_directory_iterator(LocalDir())) {
      s.insert(std::filesystem::relative(e.path(), LocalDir()).string());
    }
    return s;
  }
  std::unique_ptr<RawRpcClient> raw_;
};

std::vector<std::string> BadNames() {
  using namespace std::string_literals;
  return {"a/b", "/etc", "a/", "/", "x\0y"s, "\0"s, "a/../../x"};
}

TEST_F(NamesTest, SlashAndNulAreRefusedEverywhere) {
  auto before = LocalNames();
  for (const auto& name : BadNames()) {
    SCOPED_TRACE(fmt::format("name '{}' ({} bytes)", name, name.size()));
    EXPECT_TRUE(Refused(Status(kNfs3Create, CreateGuardedArgs(dir_, name))));
    EXPECT_TRUE(Refused(Status(kNfs3MkDir, MkDirArgs(dir_, name))));
    EXPECT_TRUE(Refused(Status(kNfs3Lookup, DirOpArgs(dir_, name))));
    EXPECT_TRUE(Refused(Status(kNfs3Remove, DirOpArgs(dir_, name))));
    EXPECT_TRUE(Refused(Status(kNfs3RmDir, DirOpArgs(dir_, name))));
    EXPECT_TRUE(Refused(Status(kNfs3Rename, RenameArgs(dir_, "a", dir_, name))));
    XdrEncoder sym;
    PutFh(sym, dir_).String(name);
    PutEmptySattr(sym).String("target");
    EXPECT_TRUE(Refused(Status(kNfs3SymLink, sym.bytes())));
  }
  EXPECT_EQ(LocalNames(), before) << "a refused name changed the file system";
  EXPECT_TRUE(std::filesystem::is_directory(LocalDir() / "a"));
}

TEST_F(NamesTest, DotAndDotDotCannotBeCreatedOrRemoved) {
  for (const std::string name : {".", ".."}) {
    SCOPED_TRACE(name);
    EXPECT_TRUE(Refused(Status(kNfs3Create, CreateGuardedArgs(dir_, name))));
    EXPECT_TRUE(Refused(Status(kNfs3MkDir, MkDirArgs(dir_, name))));
    EXPECT_TRUE(Refused(Status(kNfs3Remove, DirOpArgs(dir_, name))));
    EXPECT_TRUE(Refused(Status(kNfs3RmDir, DirOpArgs(dir_, name))));
    EXPECT_TRUE(Refused(Status(kNfs3Rename, RenameArgs(dir_, name, dir_, "moved"))));
    EXPECT_TRUE(Refused(Status(kNfs3Rename, RenameArgs(dir_, "a", dir_, name))));
  }
  EXPECT_TRUE(std::filesystem::is_directory(LocalDir()));
  EXPECT_TRUE(std::filesystem::is_directory(LocalDir() / "a"));
  // Removing ".." of the export root must not touch anything above it.
  EXPECT_TRUE(Refused(Status(kNfs3RmDir, DirOpArgs(client_->root(), ".."))));
  EXPECT_TRUE(std::filesystem::is_directory(server_->export_dir()));
}

TEST_F(NamesTest, EmptyName) {
  EXPECT_TRUE(Refused(Status(kNfs3Create, CreateGuardedArgs(dir_, ""))));
  EXPECT_TRUE(Refused(Status(kNfs3Lookup, DirOpArgs(dir_, ""))));
  EXPECT_TRUE(Refused(Status(kNfs3MkDir, MkDirArgs(dir_, ""))));
}

TEST_F(NamesTest, NameLengthLimit) {
  std::string ok(255, 'n');
  EXPECT_EQ(Status(kNfs3Create, CreateGuardedArgs(dir_, ok)), NFS3_OK);
  EXPECT_EQ(Status(kNfs3Lookup, DirOpArgs(dir_, ok)), NFS3_OK);
  for (size_t len : {256u, 1000u, 8192u}) {
    std::string bad(len, 'n');
    uint32_t c = Status(kNfs3Create, CreateGuardedArgs(dir_, bad));
    EXPECT_TRUE(c == NFS3ERR_NAMETOOLONG || c == UINT32_MAX - 1 - kGarbageArgs) << len << ": " << c;
    uint32_t l = Status(kNfs3Lookup, DirOpArgs(dir_, bad));
    EXPECT_TRUE(l == NFS3ERR_NAMETOOLONG || l == UINT32_MAX - 1 - kGarbageArgs) << len << ": " << l;
  }
  if (!TestServer::IsGanesha()) {
    EXPECT_EQ(Status(kNfs3Create, CreateGuardedArgs(dir_, std::string(256, 'n'))),
              NFS3ERR_NAMETOOLONG);
  }
}

TEST_F(NamesTest, SymlinkTargetsAreStoredVerbatim) {
  // A symlink's target is data, not a name: '/' and ".." are fine in it.
  for (const std::string& target :
       std::vector<std::string>{"../../../../etc/shadow", "/", std::string(1000, 'x')}) {
    XdrEncoder sym;
    std::string name = fmt::format("l{}", target.size());
    PutFh(sym, dir_).String(name);
    PutEmptySattr(sym).String(target);
    ASSERT_EQ(Status(kNfs3SymLink, sym.bytes()), NFS3_OK) << target;
    EXPECT_EQ(std::filesystem::read_symlink(LocalDir() / name).string(), target);
  }
}

}  // namespace
}  // namespace loopfs::testing
