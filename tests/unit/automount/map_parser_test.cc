// The map format: every entry type, option, substitution and error, through LoadMap() on a
// one-file map (the way the layer sees it) and through the parser's own functions.
#include "layers/automount/map_parser.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "layers/automount/map_loader.h"
#include "tests/unit/automount/temp_dir.h"

namespace loopfs::automount {
namespace {

using testing::TempDir;

LookupContext Alice() {
  LookupContext c;
  c.uid = 1000;
  c.gid = 100;
  c.user = "alice";
  c.group = "users";
  c.host = "box";
  c.home = "/home/alice";
  return c;
}

std::string AllErrors(const LoadResult& result) {
  std::string text;
  for (const MapError& e : result.errors) text += e.message + "\n";
  return text;
}

class MapFormatTest : public ::testing::Test {
 protected:
  // Loads `text` as the map auto.map; the test fails if it does not load.
  std::shared_ptr<const MapSource> Load(const std::string& text) {
    path_ = dir_.Write("auto.map", text);
    LoadResult result = LoadMap(path_, {});
    EXPECT_TRUE(result.ok()) << AllErrors(result);
    return result.map;
  }
  // Loads `text` expecting it to be invalid; returns all error messages, one a line.
  std::string Errors(const std::string& text) {
    path_ = dir_.Write("auto.map", text);
    LoadResult result = LoadMap(path_, {});
    EXPECT_FALSE(result.ok()) << "loaded: " << text;
    return AllErrors(result);
  }
  MapEntry Entry(const std::string& text, const std::string& key,
                 const LookupContext& context = Alice()) {
    auto map = Load(text);
    if (!map) return {};
    LookupResult result = map->Lookup(key, context);
    EXPECT_TRUE(result.found()) << key << ": " << result.message();
    return result.entry();
  }
  std::string At(int line) const { return path_ + ":" + std::to_string(line) + ": "; }

  TempDir dir_;
  std::string path_;
};

TEST_F(MapFormatTest, PosixEntries) {
  MapEntry docs = Entry("docs -ro :/srv/docs\n", "docs");
  EXPECT_EQ(docs.fstype, FsType::kPosix);
  EXPECT_EQ(docs.path, "/srv/docs");
  EXPECT_TRUE(docs.read_only);
  EXPECT_EQ(docs.key, "docs");
  EXPECT_EQ(docs.origin, path_ + ":1");

  MapEntry plain = Entry("plain /srv/plain\n", "plain");
  EXPECT_EQ(plain.fstype, FsType::kPosix);
  EXPECT_EQ(plain.path, "/srv/plain");
  EXPECT_FALSE(plain.read_only);

  MapEntry rw = Entry("x -fstype=posix,ro,rw /srv/x\n", "x");
  EXPECT_FALSE(rw.read_only) << "the later of ro and rw wins";
}

TEST_F(MapFormatTest, NfsEntries) {
  MapEntry inferred = Entry("home server:/export/home\n", "home");
  EXPECT_EQ(inferred.fstype, FsType::kNfs);
  ASSERT_EQ(inferred.nfs_locations.size(), 1u);
  EXPECT_EQ(inferred.nfs_locations[0], (NfsLocation{{"server"}, "/export/home"}));

  MapEntry replicas = Entry(
      "r -fstype=nfs,port=2049,timeo=50,retrans=3 s1,s2.example.com,[::1],10.0.0.1:/e\n", "r");
  ASSERT_EQ(replicas.nfs_locations.size(), 1u);
  EXPECT_EQ(replicas.nfs_locations[0].hosts,
            (std::vector<std::string>{"s1", "s2.example.com", "::1", "10.0.0.1"}));
  EXPECT_EQ(replicas.nfs_locations[0].path, "/e");
  EXPECT_EQ(replicas.port, 2049);
  EXPECT_EQ(replicas.timeo, 50u);
  EXPECT_EQ(replicas.retrans, 3u);

  MapEntry multi = Entry("m -fstype=nfs s1:/a s2,s3:/b\n", "m");
  ASSERT_EQ(multi.nfs_locations.size(), 2u);
  EXPECT_EQ(multi.nfs_locations[0], (NfsLocation{{"s1"}, "/a"}));
  EXPECT_EQ(multi.nfs_locations[1], (NfsLocation{{"s2", "s3"}, "/b"}));
}

TEST_F(MapFormatTest, EncryptArchiveAndAutoEntries) {
  MapEntry vault = Entry("v -fstype=encrypt,passfile=/etc/loopfs/v.pass :/srv/vault\n", "v");
  EXPECT_EQ(vault.fstype, FsType::kEncrypt);
  EXPECT_EQ(vault.path, "/srv/vault");
  EXPECT_EQ(vault.passfile, "/etc/loopfs/v.pass");
  EXPECT_FALSE(vault.extpass);

  MapEntry ext = Entry("v -fstype=encrypt,extpass=\"pass show vault\" /srv/vault\n", "v");
  EXPECT_EQ(ext.extpass, "pass show vault");
  EXPECT_FALSE(ext.passfile);

  MapEntry keyless = Entry("v -fstype=encrypt /srv/vault\n", "v");
  EXPECT_FALSE(keyless.passfile);
  EXPECT_FALSE(keyless.extpass);

  MapEntry archive = Entry("a -fstype=archive :/srv/iso/debian.iso\n", "a");
  EXPECT_EQ(archive.fstype, FsType::kArchive);
  EXPECT_TRUE(archive.read_only) << "archives are always read-only";
  EXPECT_EQ(archive.path, "/srv/iso/debian.iso");

  MapEntry nested = Entry("sub -fstype=auto auto.sub\n", "sub");
  EXPECT_EQ(nested.fstype, FsType::kAuto);
  EXPECT_EQ(nested.path, dir_.path() + "/auto.sub") << "relative to the defining map";
  EXPECT_EQ(Entry("sub -fstype=autofs :/etc/auto.sub\n", "sub").path, "/etc/auto.sub");
}

TEST_F(MapFormatTest, OtherOptionsAreKept) {
  MapEntry e = Entry("k -noatime,Cache=none,fstype=posix,x.y-z=1 /srv/k\n", "k");
  EXPECT_EQ(e.other_options.size(), 3u);
  EXPECT_EQ(e.other_options.at("noatime"), "");
  EXPECT_EQ(e.other_options.at("cache"), "none") << "option names are lower-cased";
  EXPECT_EQ(e.other_options.at("x.y-z"), "1");
  MapEntry twice = Entry("k -ro -sync /srv/k\n", "k");
  EXPECT_TRUE(twice.read_only) << "several option groups add up";
  EXPECT_EQ(twice.other_options.count("sync"), 1u);
}

TEST_F(MapFormatTest, CommentsBlankLinesAndContinuations) {
  auto map = Load(
      "# a comment\n"
      "\n"
      "   # indented comment \\\n"
      "a /srv/a   # trailing comment\n"
      "b#c /srv/b\n"
      "long -fstype=nfs,\\\n"
      "ro \\\n"
      "    s1:/x \\\n"
      "    s2:/y\n"
      "crlf /srv/crlf\r\n");
  ASSERT_TRUE(map);
  EXPECT_EQ(map->List(), (std::vector<std::string>{"a", "b#c", "crlf", "long"}));
  LookupResult l = map->Lookup("long", Alice());
  ASSERT_TRUE(l.found()) << l.message();
  EXPECT_TRUE(l.entry().read_only);
  EXPECT_EQ(l.entry().nfs_locations.size(), 2u);
  EXPECT_EQ(l.entry().origin, path_ + ":6") << "a continued entry is at its first line";
  EXPECT_EQ(map->Lookup("crlf", Alice()).entry().path, "/srv/crlf");
}

TEST_F(MapFormatTest, DefaultsApplyAndEntriesOverride) {
  auto map = Load(
      "a /srv/a\n"
      "/defaults -fstype=posix,ro,noatime\n"
      "b -rw /srv/b\n"
      "c -fstype=nfs s:/c\n");
  ASSERT_TRUE(map);
  MapEntry a = map->Lookup("a", Alice()).entry();
  EXPECT_TRUE(a.read_only) << "defaults apply to entries before the line too";
  EXPECT_EQ(a.other_options.count("noatime"), 1u);
  EXPECT_FALSE(map->Lookup("b", Alice()).entry().read_only);
  EXPECT_EQ(map->Lookup("c", Alice()).entry().fstype, FsType::kNfs);

  // Defaults meant for one type do not break entries of another.
  auto mixed = Load(
      "/defaults -passfile=/etc/p,port=2049\n"
      "v -fstype=encrypt /srv/v\n"
      "p /srv/p\n"
      "n s:/n\n");
  ASSERT_TRUE(mixed);
  EXPECT_EQ(mixed->Lookup("v", Alice()).entry().passfile, "/etc/p");
  EXPECT_FALSE(mixed->Lookup("p", Alice()).entry().passfile);
  EXPECT_EQ(mixed->Lookup("n", Alice()).entry().port, 2049);
  EXPECT_FALSE(mixed->Lookup("p", Alice()).entry().port);
  // An entry's extpass overrides a default passfile.
  auto over = Load("/defaults -passfile=/etc/p\nv -fstype=encrypt,extpass=getpw /srv/v\n");
  ASSERT_TRUE(over);
  EXPECT_FALSE(over->Lookup("v", Alice()).entry().passfile);
  EXPECT_EQ(over->Lookup("v", Alice()).entry().extpass, "getpw");
}

TEST_F(MapFormatTest, WildcardAndAmpersand) {
  auto map = Load(
      "*     -fstype=nfs  server:/export/&/\\&/${key}\n"
      "exact /srv/exact\n");
  ASSERT_TRUE(map);
  EXPECT_EQ(map->List(), (std::vector<std::string>{"exact"})) << "no '*' in browse";
  EXPECT_EQ(map->Lookup("exact", Alice()).entry().path, "/srv/exact");
  LookupResult any = map->Lookup("proj-1", Alice());
  ASSERT_TRUE(any.found()) << any.message();
  EXPECT_EQ(any.entry().key, "proj-1");
  EXPECT_EQ(any.entry().nfs_locations[0].path, "/export/proj-1/&/proj-1");
  EXPECT_EQ(any.entry().origin, path_ + ":1");

  auto no_wildcard = Load("a /srv/a\n");
  ASSERT_TRUE(no_wildcard);
  EXPECT_EQ(no_wildcard->Lookup("b", Alice()).kind(), LookupResult::Kind::kNotFound);
}

TEST_F(MapFormatTest, Variables) {
  MapEntry e = Entry(
      "* -fstype=encrypt,passfile=${home}/.vault-&.pass "
      ":/srv/${user}/${group}/$uid/${GID}/${host}/$USER.x\n",
      "k");
  EXPECT_EQ(e.path, "/srv/alice/users/1000/100/box/alice.x");
  EXPECT_EQ(e.passfile, "/home/alice/.vault-k.pass");
  // Substituted at lookup, so each caller gets their own.
  LookupContext bob = Alice();
  bob.user = "bob";
  EXPECT_EQ(Entry("h /home/$user\n", "h", bob).path, "/home/bob");
  // Escaped and quoted text is literal.
  EXPECT_EQ(Entry("l /srv/\\$user/\"${x}&\"\n", "l").path, "/srv/$user/${x}&");
}

TEST_F(MapFormatTest, ExpansionIsBounded) {
  // 1000 '&' pass validation with the 3-byte probe key but not with a 255-byte key.
  auto map = Load("* /" + std::string(1000, '&') + "\n");
  ASSERT_TRUE(map);
  LookupResult r = map->Lookup(std::string(255, 'k'), Alice());
  EXPECT_EQ(r.kind(), LookupResult::Kind::kError);
  EXPECT_NE(r.message().find("longer than 4096 bytes"), std::string::npos) << r.message();
  EXPECT_NE(r.message().find(path_ + ":1: "), std::string::npos) << r.message();
  EXPECT_NE(Errors("* /" + std::string(2000, '&') + "\n").find(At(1) + "location: longer"),
            std::string::npos);
}

// The examples of man/loopfs-automount.5, so the page cannot drift from the parser.
TEST_F(MapFormatTest, ManPageExamplesLoad) {
  dir_.Write("auto.local", "local /srv/local\n");
  auto map = Load(
      "/defaults  -rw\n"
      "docs       -ro                 :/srv/docs\n"
      "vault      -fstype=encrypt,passfile=/etc/loopfs/vault.pass  :/srv/vault\n"
      "iso        -fstype=archive     /srv/images/debian.iso\n"
      "home       -fstype=nfs,timeo=50  nas1,nas2:/export/home\n"
      "projects   -fstype=auto        auto.projects\n"
      "*          -fstype=nfs         fileserver:/export/scratch/&\n"
      "+auto.local\n"
      "private  -fstype=posix  :/srv/private/${user}\n"
      "scratch   -rw /srv/scratch\n"
      "uvault  -fstype=encrypt,passfile=${home}/.vault.pass  \\\n"
      "       :/srv/vaults/${user}\n"
      "debian  -fstype=archive  :/srv/images/debian-12.iso\n"
      "src     -fstype=archive  \":/srv/tarballs/linux 6.1.tar.xz\"\n"
      "nas  -fstype=nfs,timeo=50,retrans=3  nas1,nas2:/export/home \\\n"
      "                                     backup:/export/home\n"
      "dynamic   -fstype=auto  /etc/loopfs/auto.dynamic.sh\n");
  ASSERT_TRUE(map);
  EXPECT_EQ(map->List().size(), 13u);
  EXPECT_EQ(map->Lookup("src", Alice()).entry().path, "/srv/tarballs/linux 6.1.tar.xz");
  EXPECT_EQ(map->Lookup("uvault", Alice()).entry().passfile, "/home/alice/.vault.pass");
  EXPECT_EQ(map->Lookup("apollo", Alice()).entry().nfs_locations[0].path, "/export/scratch/apollo");
  EXPECT_EQ(map->Lookup("local", Alice()).entry().path, "/srv/local");
}

TEST(IgnoredKeys, DotNamesAndDesktopProbes) {
  for (const char* name : {".Trash", ".Trash-1000", ".xdg-volume-info", ".hidden", ".git", ".",
                           "..", "autorun.inf", "AUTORUN.INF", "Desktop.ini", "desktop.ini"}) {
    EXPECT_TRUE(IsIgnoredKey(name)) << name;
  }
  for (const char* name : {"docs", "Trash", "a.hidden", "autorun", "desktop.ini.bak"}) {
    EXPECT_FALSE(IsIgnoredKey(name)) << name;
  }
}

TEST(KeyProblems, Validation) {
  EXPECT_EQ(KeyProblem("docs"), "");
  EXPECT_EQ(KeyProblem(std::string(255, 'a')), "");
  EXPECT_NE(KeyProblem(std::string(256, 'a')), "");
  EXPECT_NE(KeyProblem(""), "");
  EXPECT_NE(KeyProblem("a/b"), "");
  EXPECT_NE(KeyProblem(std::string("a\0b", 3)), "");
  EXPECT_NE(KeyProblem("a\nb"), "");
  EXPECT_NE(KeyProblem("."), "");
  EXPECT_NE(KeyProblem(".."), "");
  EXPECT_NE(KeyProblem(".Trash"), "");
}

TEST_F(MapFormatTest, LookupNeverPassesBadOrIgnoredKeys) {
  auto map = Load("* /srv/&\n");
  ASSERT_TRUE(map);
  for (const std::string& key :
       {std::string(".Trash"), std::string("autorun.inf"), std::string(".."), std::string(""),
        std::string("a/b"), std::string(256, 'x'), std::string("Desktop.ini")}) {
    EXPECT_EQ(map->Lookup(key, Alice()).kind(), LookupResult::Kind::kNotFound) << key;
  }
}

// Every error, each with FILE:LINE.
TEST_F(MapFormatTest, ErrorsCarryFileAndLine) {
  struct Case {
    std::string text;
    std::string expected;  // after "FILE:LINE: "
  };
  const std::vector<Case> cases = {
      {"lonely\n", "expected options or a location after the key"},
      {"k -ro\n", "expected a location after the options"},
      {"k /srv/k -ro\n", "options must come before the location"},
      {"k - /srv/k\n", "empty option list"},
      {"k -ro,,rw /srv/k\n", "empty option"},
      {"k -=x /srv/k\n", "option without a name"},
      {"k -r!o /srv/k\n", "bad option name"},
      {"k \"/srv/k\n", "unterminated double quote"},
      {"k /srv/${key\n", "unterminated '${'"},
      {"k /srv/$\n", "'$' must start a variable"},
      {"k /srv/${nope}\n", "unknown variable '${nope}'"},
      {"k -fstype=zfs /srv/k\n", "unknown fstype 'zfs'"},
      {"k -fstype /srv/k\n", "option 'fstype' needs a value"},
      {"k -ro=1 /srv/k\n", "option 'ro' takes no value"},
      {"k -fstype=encrypt,passfile= /srv/k\n", "option 'passfile' has an empty value"},
      {"k -fstype=encrypt,passfile=rel/p /srv/k\n", "passfile: expected an absolute path"},
      {"k -fstype=nfs,port=0 s:/k\n", "option port=0: expected a number from 1 to 65535"},
      {"k -fstype=nfs,port=65536 s:/k\n", "expected a number from 1 to 65535"},
      {"k -fstype=nfs,timeo=x s:/k\n", "option timeo=x: expected a number from 1 to 6000"},
      {"k -fstype=nfs,retrans=-1 s:/k\n", "expected a number from 0 to 255"},
      {"k -port=2049 /srv/k\n", "port=, timeo= and retrans= are for nfs entries, not posix"},
      {"k -passfile=/p /srv/k\n", "passfile= and extpass= are for encrypt entries, not posix"},
      {"k -fstype=archive,rw /srv/k.tar\n", "archive entries are read-only"},
      {"k -fstype=posix server:/srv/k\n", "a posix entry takes a local path"},
      {"k -fstype=posix /a /b\n", "a posix entry takes one location, got 2"},
      {"k -fstype=posix srv/k\n", "posix location: expected an absolute path"},
      {"k /srv/../etc\n", "contains '..'"},
      {"k -fstype=nfs /srv/k\n", "has no server"},
      {"k -fstype=nfs :/srv/k\n", "has no server"},
      {"k -fstype=nfs s:k\n", "expected an absolute export path"},
      {"k -fstype=nfs s1(5),s2:/k\n", "replica weights"},
      {"k -fstype=nfs fe80::1:/k\n", "must be written in brackets"},
      {"k -fstype=nfs b@d:/k\n", "bad server name 'b@d'"},
      {"k -fstype=auto :\n", "expected the path of the nested map"},
      {".Trash /srv/t\n", "'.Trash' is a name loopfs never looks up"},
      {"a/b /srv/t\n", "a key cannot contain '/'"},
      {std::string(256, 'k') + " /srv/t\n", "key is 256 bytes long"},
      {".. /srv/t\n", "'..' cannot be a key"},
      {"+\n", "expected one map path after '+'"},
      {"+a b\n", "expected one map path after '+'"},
      {"+include\n", "expected one map path after '+'"},
      {"/defaults /srv/x\n", "/defaults takes only options"},
      {"/defaults -ro\n/defaults -rw\n", "second /defaults line: the first is at line 1"},
      {"a /srv/a\na /srv/b\n", "key 'a' is already defined at line 1"},
      {std::string("k /srv/\0k\n", 10), "NUL byte"},
      {"k /srv/k\\", "backslash at the end of the map"},
  };
  for (const Case& c : cases) {
    std::string errors = Errors(c.text);
    const int line =
        c.text.starts_with("/defaults -ro\n") || c.text.starts_with("a /srv/a\n") ? 2 : 1;
    // The message starts with FILE:LINE and says what was expected.
    size_t at = errors.find(At(line));
    ASSERT_NE(at, std::string::npos) << "map: " << c.text << "\nerrors: " << errors;
    std::string message = errors.substr(at, errors.find('\n', at) - at);
    EXPECT_NE(message.find(c.expected), std::string::npos)
        << "map: " << c.text << "\nexpected: " << c.expected << "\ngot: " << message;
  }
}

TEST_F(MapFormatTest, AllErrorsAreReported) {
  path_ = dir_.Write("auto.map",
                     "good /srv/good\n"
                     "bad1 -fstype=zfs /x\n"
                     "# fine\n"
                     "bad2\n"
                     "good2 /srv/good2\n"
                     "bad3 /srv/${what}\n");
  LoadResult result = LoadMap(path_, {});
  ASSERT_FALSE(result.ok());
  ASSERT_EQ(result.errors.size(), 3u) << AllErrors(result);
  EXPECT_TRUE(result.errors[0].message.starts_with(At(4))) << AllErrors(result);
  EXPECT_TRUE(result.errors[1].message.starts_with(At(6))) << AllErrors(result);
  EXPECT_TRUE(result.errors[2].message.starts_with(At(2))) << AllErrors(result);
  for (const MapError& e : result.errors) EXPECT_EQ(e.kind, MapError::Kind::kInvalid);
}

TEST_F(MapFormatTest, ErrorCountIsBounded) {
  std::string text;
  for (int i = 0; i < 5000; ++i) text += "bad\n";
  path_ = dir_.Write("auto.map", text);
  LoadResult result = LoadMap(path_, {});
  ASSERT_FALSE(result.ok());
  EXPECT_LE(result.errors.size(), kMaxReportedErrors + 1);
  EXPECT_NE(result.errors.back().message.find("more errors not shown"), std::string::npos);
}

TEST_F(MapFormatTest, SizeLimits) {
  std::string big(kMaxMapFileBytes + 1, '#');
  std::string errors = Errors(big);
  EXPECT_NE(errors.find("at most 4194304 are allowed"), std::string::npos) << errors;

  std::string many;
  for (size_t i = 0; i <= kMaxMapEntries; ++i) many += "k" + std::to_string(i) + " /s\n";
  errors = Errors(many);
  EXPECT_NE(errors.find(At(static_cast<int>(kMaxMapEntries) + 1) + "more than 100000 entries"),
            std::string::npos)
      << errors.substr(0, 500);
}

TEST(ProgramOutput, ParsesOneEntryLine) {
  RawEntry raw;
  std::string error;
  ASSERT_TRUE(
      ParseProgramOutput("-fstype=nfs,ro \\\n  s1:/export/&\n\n", "k", "prog[k]", &raw, &error))
      << error;
  MapEntry entry;
  ASSERT_TRUE(ResolveEntry(raw, "k", LookupContext{}, "", &entry, &error)) << error;
  EXPECT_EQ(entry.nfs_locations[0].path, "/export/k");
  EXPECT_TRUE(entry.read_only);
  EXPECT_EQ(entry.origin, "prog[k]:1");

  EXPECT_FALSE(ParseProgramOutput(":/a\n:/b\n", "k", "prog[k]", &raw, &error));
  EXPECT_NE(error.find("prog[k]:2: more than one entry line"), std::string::npos) << error;
  EXPECT_FALSE(ParseProgramOutput("\n  \n", "k", "prog[k]", &raw, &error));
  EXPECT_NE(error.find("prog[k]:1: empty output"), std::string::npos) << error;
  EXPECT_FALSE(ParseProgramOutput(std::string(":/a\0", 4), "k", "prog[k]", &raw, &error));
  EXPECT_NE(error.find("NUL byte"), std::string::npos) << error;

  RawEntry nested;
  ASSERT_TRUE(ParseProgramOutput("-fstype=auto sub.map", "k", "p", &nested, &error));
  EXPECT_FALSE(ResolveEntry(nested, "k", LookupContext{}, "", &entry, &error));
  EXPECT_NE(error.find("must be an absolute path here"), std::string::npos) << error;
}

}  // namespace
}  // namespace loopfs::automount
