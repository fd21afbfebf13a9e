// Loading maps: includes (relative, absolute, "+include"), defaults across includes, first
// definition wins, cycles and depth (ELOOP), nested-map cycles, refusing maps on loopfs mounts,
// program maps told apart by the execute bit.
#include "layers/automount/map_loader.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "tests/unit/automount/temp_dir.h"

namespace loopfs::automount {
namespace {

using testing::TempDir;

std::string AllErrors(const LoadResult& result) {
  std::string text;
  for (const MapError& e : result.errors) text += e.message + "\n";
  return text;
}

class MapLoaderTest : public ::testing::Test {
 protected:
  LookupResult Find(const std::shared_ptr<const MapSource>& map, const std::string& key) {
    return map->Lookup(key, LookupContext{});
  }
  TempDir dir_;
};

TEST_F(MapLoaderTest, IncludesRelativeAbsoluteAndIncludeKeyword) {
  std::string abs = dir_.Write("elsewhere/auto.abs", "abs /srv/abs\n");
  dir_.Write("maps/auto.rel", "rel /srv/rel\n+sub/auto.deeper\n");
  dir_.Write("maps/sub/auto.deeper", "deeper /srv/deeper\n");
  dir_.Write("maps/auto.kw", "kw /srv/kw\n");
  std::string top = dir_.Write("maps/auto.top",
                               "top /srv/top\n"
                               "+auto.rel\n"
                               "+" +
                                   abs +
                                   "\n"
                                   "+include auto.kw\n");
  LoadResult result = LoadMap(top, {});
  ASSERT_TRUE(result.ok()) << AllErrors(result);
  EXPECT_EQ(result.map->List(), (std::vector<std::string>{"abs", "deeper", "kw", "rel", "top"}));
  EXPECT_EQ(Find(result.map, "deeper").entry().origin, dir_.path() + "/maps/sub/auto.deeper:1")
      << "an include is named relative to its includer's directory";
  EXPECT_EQ(result.map->files().size(), 5u);
  EXPECT_EQ(result.map->path(), dir_.path() + "/maps/auto.top");
}

TEST_F(MapLoaderTest, DefaultsReachIncludedEntriesInnerOverrideOuter) {
  dir_.Write("auto.inner", "/defaults -noatime,ro\ninner /srv/inner\nown -rw /srv/own\n");
  dir_.Write("auto.plain", "plain /srv/plain\n");
  std::string top = dir_.Write("auto.top",
                               "/defaults -rw,sync,fstype=posix\n"
                               "+auto.inner\n"
                               "+auto.plain\n");
  LoadResult result = LoadMap(top, {});
  ASSERT_TRUE(result.ok()) << AllErrors(result);
  MapEntry inner = Find(result.map, "inner").entry();
  EXPECT_TRUE(inner.read_only) << "the included map's /defaults beat the includer's";
  EXPECT_EQ(inner.other_options.count("sync"), 1u) << "the includer's defaults reach it";
  EXPECT_EQ(inner.other_options.count("noatime"), 1u);
  EXPECT_FALSE(Find(result.map, "own").entry().read_only) << "entry options beat both";
  MapEntry plain = Find(result.map, "plain").entry();
  EXPECT_FALSE(plain.read_only);
  EXPECT_EQ(plain.other_options.count("noatime"), 0u) << "inner defaults stay inner";
}

TEST_F(MapLoaderTest, FirstDefinitionWinsAcrossIncludes) {
  dir_.Write("auto.shared", "docs /srv/shared-docs\nextra /srv/extra\n* /srv/shared/&\n");
  std::string top = dir_.Write("auto.top", "docs /srv/local-docs\n+auto.shared\n* /srv/local/&\n");
  LoadResult result = LoadMap(top, {});
  ASSERT_TRUE(result.ok()) << AllErrors(result);
  EXPECT_EQ(Find(result.map, "docs").entry().path, "/srv/local-docs");
  EXPECT_EQ(Find(result.map, "extra").entry().path, "/srv/extra");
  EXPECT_EQ(Find(result.map, "zzz").entry().path, "/srv/shared/zzz")
      << "the first '*' in reading order wins";
  ASSERT_EQ(result.warnings.size(), 2u);
  EXPECT_NE(result.warnings[0].find("key 'docs' ignored"), std::string::npos) << result.warnings[0];
}

TEST_F(MapLoaderTest, IncludeCycleIsEloopWithTheChain) {
  std::string a = dir_.Write("auto.a", "a /srv/a\n+auto.b\n");
  dir_.Write("auto.b", "b /srv/b\n+auto.a\n");
  LoadResult result = LoadMap(a, {});
  ASSERT_FALSE(result.ok());
  ASSERT_EQ(result.errors.size(), 1u) << AllErrors(result);
  EXPECT_EQ(result.errors[0].kind, MapError::Kind::kLoop);
  const std::string& m = result.errors[0].message;
  EXPECT_TRUE(m.starts_with(dir_.path() + "/auto.b:2: cannot include auto.a: ")) << m;
  EXPECT_NE(m.find("include cycle (ELOOP): " + dir_.path() + "/auto.a -> " + dir_.path() +
                   "/auto.b -> " + dir_.path() + "/auto.a"),
            std::string::npos)
      << m;

  std::string self = dir_.Write("auto.self", "+auto.self\n");
  result = LoadMap(self, {});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.errors[0].kind, MapError::Kind::kLoop);

  // A cycle through a symlink is the same file.
  std::string c = dir_.Write("auto.c", "+link.c\n");
  ASSERT_EQ(symlink(c.c_str(), (dir_.path() + "/link.c").c_str()), 0);
  result = LoadMap(c, {});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.errors[0].kind, MapError::Kind::kLoop) << AllErrors(result);
}

TEST_F(MapLoaderTest, IncludeDepthIsBounded) {
  // auto.0 includes auto.1 ... auto.N: eight levels load, nine do not.
  auto chain = [&](int levels) {
    for (int i = 0; i < levels; ++i) {
      dir_.Write("d" + std::to_string(levels) + "/auto." + std::to_string(i),
                 "k" + std::to_string(i) + " /s\n+auto." + std::to_string(i + 1) + "\n");
    }
    return dir_.Write("d" + std::to_string(levels) + "/auto." + std::to_string(levels),
                      "last /s\n");
  };
  chain(8);
  LoadResult ok = LoadMap(dir_.path() + "/d8/auto.0", {});
  EXPECT_TRUE(ok.ok()) << AllErrors(ok);
  chain(9);
  LoadResult deep = LoadMap(dir_.path() + "/d9/auto.0", {});
  ASSERT_FALSE(deep.ok());
  EXPECT_EQ(deep.errors[0].kind, MapError::Kind::kLoop);
  EXPECT_NE(deep.errors[0].message.find("nested more than 8 deep"), std::string::npos)
      << AllErrors(deep);
}

TEST_F(MapLoaderTest, DiamondIncludesAreBounded) {
  // Each level includes the next twice: 2^8 reads unless bounded.
  for (int i = 0; i < 8; ++i) {
    std::string next = "+auto." + std::to_string(i + 1) + "\n";
    dir_.Write("auto." + std::to_string(i), next + next);
  }
  dir_.Write("auto.8", "k /s\n");
  LoadResult result = LoadMap(dir_.path() + "/auto.0", {});
  ASSERT_FALSE(result.ok());
  EXPECT_NE(AllErrors(result).find("more than 256 map files"), std::string::npos)
      << AllErrors(result);
}

TEST_F(MapLoaderTest, IncludeProblemsNameTheIncludingLine) {
  std::string top = dir_.Write("auto.top", "a /srv/a\n\n+auto.missing\n");
  LoadResult result = LoadMap(top, {});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.errors[0].kind, MapError::Kind::kIo);
  EXPECT_TRUE(result.errors[0].message.starts_with(top + ":3: cannot include auto.missing: "))
      << AllErrors(result);

  dir_.Write("auto.prog", "#!/bin/sh\necho /srv/x\n", 0755);
  top = dir_.Write("auto.top", "+auto.prog\n");
  result = LoadMap(top, {});
  ASSERT_FALSE(result.ok());
  EXPECT_NE(AllErrors(result).find(top + ":1: cannot include auto.prog: "), std::string::npos);
  EXPECT_NE(AllErrors(result).find("program maps cannot be included"), std::string::npos);

  // Errors inside an included file carry that file's name and line.
  dir_.Write("auto.bad", "ok /srv/ok\nbroken\n");
  top = dir_.Write("auto.top", "+auto.bad\n");
  result = LoadMap(top, {});
  ASSERT_FALSE(result.ok());
  EXPECT_NE(AllErrors(result).find(dir_.path() + "/auto.bad:2: expected options"),
            std::string::npos)
      << AllErrors(result);
  EXPECT_EQ(result.files, (std::vector<std::string>{top, dir_.path() + "/auto.bad"}))
      << "a failed load still names its files, to be watched for the fix";
}

TEST_F(MapLoaderTest, MissingUnreadableAndOddFiles) {
  LoadResult result = LoadMap(dir_.path() + "/nope", {});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.errors[0].kind, MapError::Kind::kIo);
  EXPECT_NE(result.errors[0].message.find("No such file"), std::string::npos);

  result = LoadMap(dir_.path(), {});
  ASSERT_FALSE(result.ok()) << "a directory is not a map";

  std::string fifo = dir_.path() + "/fifo";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0644), 0);
  result = LoadMap(fifo, {});  // must not hang waiting for a writer
  ASSERT_FALSE(result.ok());
  EXPECT_NE(AllErrors(result).find("not a regular file"), std::string::npos);

  std::string empty = dir_.Write("auto.empty", "");
  result = LoadMap(empty, {});
  ASSERT_TRUE(result.ok()) << "an empty map is valid and lists nothing";
  EXPECT_TRUE(result.map->List().empty());
}

TEST_F(MapLoaderTest, NestedMapCycleIsEloop) {
  std::string outer = dir_.Write("auto.outer", "sub -fstype=auto auto.inner\n");
  std::string inner = dir_.Write("auto.inner", "back -fstype=auto auto.outer\n");
  LoadResult first = LoadMap(outer, {});
  ASSERT_TRUE(first.ok());
  MapEntry sub = first.map->Lookup("sub", LookupContext{}).entry();
  LoadOptions nested;
  nested.enclosing_maps = {first.map->path()};
  LoadResult second = LoadMap(sub.path, nested);
  ASSERT_TRUE(second.ok()) << AllErrors(second);
  MapEntry back = second.map->Lookup("back", LookupContext{}).entry();
  nested.enclosing_maps.push_back(second.map->path());
  LoadResult third = LoadMap(back.path, nested);
  ASSERT_FALSE(third.ok());
  EXPECT_EQ(third.errors[0].kind, MapError::Kind::kLoop);
  EXPECT_NE(third.errors[0].message.find("nested map cycle (ELOOP)"), std::string::npos);
}

TEST_F(MapLoaderTest, MapsUnderLoopfsMountsAreRefused) {
  dir_.Write("mnt/auto.map", "a /srv/a\n");
  dir_.Write("etc/auto.ok", "+../mnt/auto.map\n");
  ASSERT_EQ(
      symlink((dir_.path() + "/mnt/auto.map").c_str(), (dir_.path() + "/etc/auto.link").c_str()),
      0);
  LoadOptions options;
  options.loopfs_mount_points = {dir_.path() + "/mnt"};

  LoadResult direct = LoadMap(dir_.path() + "/mnt/auto.map", options);
  ASSERT_FALSE(direct.ok());
  EXPECT_EQ(direct.errors[0].kind, MapError::Kind::kRefused);
  EXPECT_NE(direct.errors[0].message.find("lies under the loopfs mount " + dir_.path() + "/mnt"),
            std::string::npos)
      << direct.errors[0].message;

  LoadResult via_link = LoadMap(dir_.path() + "/etc/auto.link", options);
  ASSERT_FALSE(via_link.ok());
  EXPECT_EQ(via_link.errors[0].kind, MapError::Kind::kRefused);

  LoadResult via_include = LoadMap(dir_.path() + "/etc/auto.ok", options);
  ASSERT_FALSE(via_include.ok());
  EXPECT_EQ(via_include.errors[0].kind, MapError::Kind::kRefused);
  EXPECT_NE(via_include.errors[0].message.find("auto.ok:1: cannot include"), std::string::npos);

  // Without the mount in the list, the same maps load.
  EXPECT_TRUE(LoadMap(dir_.path() + "/etc/auto.ok", {}).ok());
}

TEST_F(MapLoaderTest, ExecutableMapIsAProgramMap) {
  std::string prog = dir_.Write("auto.prog", "#!/bin/sh\necho \":/srv/$1\"\n", 0700);
  LoadResult result = LoadMap(prog, {});
  ASSERT_TRUE(result.ok()) << AllErrors(result);
  EXPECT_TRUE(result.map->List().empty()) << "program maps list nothing";
  LookupResult found = result.map->Lookup("x", LookupContext{});
  ASSERT_TRUE(found.found()) << found.message();
  EXPECT_EQ(found.entry().path, "/srv/x");
}

TEST_F(MapLoaderTest, MapsAreSharedImmutableSnapshots) {
  std::string path = dir_.Write("auto.map", "a /srv/a\n");
  LoadResult old_map = LoadMap(path, {});
  ASSERT_TRUE(old_map.ok());
  dir_.Write("auto.map", "a /srv/a2\nb\n");
  LoadResult bad_reload = LoadMap(path, {});
  EXPECT_FALSE(bad_reload.ok()) << "an invalid map yields no map, so the layer keeps the old";
  EXPECT_EQ(bad_reload.map, nullptr);
  EXPECT_EQ(old_map.map->Lookup("a", LookupContext{}).entry().path, "/srv/a");
  dir_.Write("auto.map", "a /srv/a2\n");
  LoadResult good_reload = LoadMap(path, {});
  ASSERT_TRUE(good_reload.ok());
  EXPECT_EQ(good_reload.map->Lookup("a", LookupContext{}).entry().path, "/srv/a2");
  EXPECT_EQ(old_map.map->Lookup("a", LookupContext{}).entry().path, "/srv/a");
}

}  // namespace
}  // namespace loopfs::automount
