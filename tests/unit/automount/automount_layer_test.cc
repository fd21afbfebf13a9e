// The automount layer through the Layer API: keys, attaching, handles, listing, reloads.
#include "layers/automount/automount_layer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include "layers/automount/automount_handle.h"
#include "tests/unit/automount/automount_fixture.h"

namespace loopfs::automount::testing {
namespace {

using ::testing::ElementsAre;

TEST_F(AutomountTest, LookupAndStatOfAKeyDoNotAttach) {
  DefaultMap();
  auto layer = Open(Options());
  NodeHandle root = RootOf(*layer);
  NodeHandle a;
  Attr attr;
  ASSERT_TRUE(LookupIn(*layer, root, "a", &a, &attr).ok());
  EXPECT_EQ(attr.type, FileType::kDir);
  EXPECT_EQ(attr.fileid, EntryRootFileid(KeyId("a")));
  ASSERT_TRUE(layer->GetAttr(ctx_, a, &attr).ok());
  EXPECT_EQ(attr.type, FileType::kDir);
  FsStatRes fs;
  EXPECT_TRUE(layer->FsStat(ctx_, a, &fs).ok());
  EXPECT_EQ(Attaches(*layer, "a"), 0u);
  auto status = StatusOf(*layer, "a");
  ASSERT_TRUE(status);
  EXPECT_EQ(status->state, EntryStatus::State::kIdle);
  EXPECT_EQ(status->fstype, "posix");

  // ".." and "." of an entry's directory do not attach either.
  NodeHandle up;
  ASSERT_TRUE(LookupIn(*layer, a, "..", &up).ok());
  EXPECT_EQ(up, root);
  EXPECT_EQ(Attaches(*layer, "a"), 0u);
}

TEST_F(AutomountTest, UnknownAndIgnoredNamesAreNoent) {
  // A program map that logs every run, so the test sees which names reached it.
  std::string runs = dir_.path() + "/runs";
  std::string map =
      dir_.Write("auto.prog", "#!/bin/sh\necho \"$1\" >> " + runs + "\nexit 1\n", 0755);
  AutomountOptions o = Options();
  o.map = map;
  o.load.program.failure_ttl = std::chrono::milliseconds(0);  // only the layer's own cache
  o.negative_ttl = std::chrono::milliseconds(300);
  auto layer = Open(o);
  NodeHandle root = RootOf(*layer);
  NodeHandle h;
  EXPECT_EQ(LookupIn(*layer, root, "nope", &h).code(), Nfsstat3::kNoent);
  EXPECT_EQ(LookupIn(*layer, root, "nope", &h).code(), Nfsstat3::kNoent);
  EXPECT_EQ(LookupIn(*layer, root, ".Trash-1000", &h).code(), Nfsstat3::kNoent);
  EXPECT_EQ(LookupIn(*layer, root, "autorun.inf", &h).code(), Nfsstat3::kNoent);
  auto read_runs = [&] {
    std::ifstream in(runs);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  EXPECT_EQ(read_runs(), "nope\n") << "asked once (negative cache); ignored names never";
  std::this_thread::sleep_for(std::chrono::milliseconds(350));
  EXPECT_EQ(LookupIn(*layer, root, "nope", &h).code(), Nfsstat3::kNoent);
  EXPECT_EQ(read_runs(), "nope\nnope\n") << "the negative cache is brief";
}

TEST_F(AutomountTest, FirstReadDirInsideAttaches) {
  std::filesystem::create_directories(Srv("a/sub"));
  DefaultMap();
  auto layer = Open(Options());
  NodeHandle a = Walk(*layer, "a");
  std::vector<std::string> names;
  ASSERT_TRUE(List(*layer, a, &names).ok());
  std::sort(names.begin(), names.end());
  EXPECT_THAT(names, ElementsAre(".", "..", "hello.txt", "sub"));
  EXPECT_EQ(Attaches(*layer, "a"), 1u);
  EXPECT_EQ(StatusOf(*layer, "a")->state, EntryStatus::State::kAttached);

  NodeHandle file = Walk(*layer, "a/hello.txt");
  EXPECT_EQ(ReadAll(*layer, file), "hello from a");
  Attr attr;
  ASSERT_TRUE(layer->GetAttr(ctx_, file, &attr).ok());
  EXPECT_EQ(attr.fileid >> 40, KeyId("a") & 0xFFFFFF) << "the key id is mixed into fileids";
  // The attached entry's own directory keeps its fileid, and ".." leads back to the root.
  ASSERT_TRUE(layer->GetAttr(ctx_, a, &attr).ok());
  EXPECT_EQ(attr.fileid, EntryRootFileid(KeyId("a")));
  NodeHandle up;
  ASSERT_TRUE(LookupIn(*layer, Walk(*layer, "a/sub"), "..", &up).ok());
  EXPECT_EQ(up, a) << "the entry's root is named by its entry-root handle";
  // Another key is untouched.
  EXPECT_EQ(Attaches(*layer, "b"), 0u);
}

TEST_F(AutomountTest, BrowseListsKeysWithStableCookiesWithoutAttaching) {
  DefaultMap();
  auto layer = Open(Options());
  NodeHandle root = RootOf(*layer);
  std::vector<std::string> names;
  ASSERT_TRUE(List(*layer, root, &names).ok());
  std::vector<std::string> sorted = names;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_THAT(sorted, ElementsAre(".", "..", "a", "b"));
  EXPECT_TRUE(layer->Status().empty()) << "listing asks nothing and attaches nothing";

  // Resume after the third entry: the rest, whatever the order.
  CollectSink first;
  first.limit = 3;
  ReadDirRes res;
  ASSERT_TRUE(layer->ReadDir(ctx_, root, 0, {}, true, first, &res).ok());
  ASSERT_EQ(first.items.size(), 3u);
  ASSERT_TRUE(first.items[2].handle);
  CollectSink rest;
  ASSERT_TRUE(
      layer->ReadDir(ctx_, root, first.items[1].cookie, res.verifier, false, rest, &res).ok());
  EXPECT_TRUE(res.eof);
  EXPECT_EQ(rest.items.size(), 2u);
  EXPECT_EQ(rest.items[0].name, first.items[2].name);

  AutomountOptions o = Options();
  o.browse = false;
  auto hidden = Open(o);
  ASSERT_TRUE(List(*hidden, RootOf(*hidden), &names).ok());
  EXPECT_THAT(names, ElementsAre(".", ".."));
}

TEST_F(AutomountTest, RootRefusesChanges) {
  DefaultMap();
  auto layer = Open(Options());
  NodeHandle root = RootOf(*layer);
  CreateRes cres;
  EXPECT_EQ(layer->MkDir(ctx_, root, "x", {}, &cres).code(), Nfsstat3::kAcces);
  RemoveRes rres;
  EXPECT_EQ(layer->RmDir(ctx_, root, "a", &rres).code(), Nfsstat3::kAcces);
  // Renames between entries cross file systems.
  NodeHandle a = Walk(*layer, "a"), b = Walk(*layer, "b");
  RenameRes mres;
  EXPECT_EQ(layer->Rename(ctx_, a, "hello.txt", b, "x", &mres).code(), Nfsstat3::kXdev);
}

TEST_F(AutomountTest, HandlesSurviveARestartIncludingWildcardKeys) {
  DefaultMap();
  NodeHandle listed, wild, wild_dir;
  {
    auto layer = Open(Options());
    listed = Walk(*layer, "a/hello.txt");
    wild = Walk(*layer, "w1/wild.txt");
    wild_dir = Walk(*layer, "w1");
    EXPECT_EQ(ReadAll(*layer, wild), "wild one");
  }
  auto again = Open(Options());
  EXPECT_EQ(ReadAll(*again, listed), "hello from a");
  EXPECT_EQ(ReadAll(*again, wild), "wild one");
  Attr attr;
  EXPECT_TRUE(again->GetAttr(ctx_, wild_dir, &attr).ok());
  again.reset();

  // The known-keys file is what makes the wildcard key findable: without it, ESTALE.
  std::filesystem::remove(dir_.path() + "/state/known-keys");
  auto forgetful = Open(Options());
  EXPECT_EQ(ReadAll(*forgetful, listed), "hello from a");
  EXPECT_EQ(ReadAll(*forgetful, wild), "<NFS3ERR_STALE>");
}

TEST_F(AutomountTest, KeysThatLeaveTheMapAreStale) {
  DefaultMap();
  auto layer = Open(Options());
  NodeHandle b = Walk(*layer, "b");
  NodeHandle file = Walk(*layer, "b/other.txt");
  NodeHandle wild = Walk(*layer, "w1/wild.txt");
  ASSERT_EQ(ReadAll(*layer, file), "from b");

  WriteMap("a :" + Srv("a") + "\n");
  ASSERT_TRUE(layer->Reload());
  Attr attr;
  EXPECT_EQ(layer->GetAttr(ctx_, b, &attr).code(), Nfsstat3::kStale);
  EXPECT_EQ(layer->GetAttr(ctx_, file, &attr).code(), Nfsstat3::kStale);
  EXPECT_EQ(layer->GetAttr(ctx_, wild, &attr).code(), Nfsstat3::kStale);
  NodeHandle h;
  EXPECT_EQ(LookupIn(*layer, RootOf(*layer), "b", &h).code(), Nfsstat3::kNoent);
  EXPECT_FALSE(StatusOf(*layer, "b"));
}

TEST_F(AutomountTest, ReloadAddsChangesAndRemovesKeys) {
  dir_.Write("srv/c/c.txt", "see");
  dir_.Write("srv/a2/new.txt", "new a");
  WriteMap("a :" + Srv("a") + "\nb :" + Srv("b") + "\n");
  auto layer = Open(Options());
  NodeHandle root = RootOf(*layer);
  Attr before;
  ASSERT_TRUE(layer->GetAttr(ctx_, root, &before).ok());
  NodeHandle h;
  EXPECT_EQ(LookupIn(*layer, root, "c", &h).code(), Nfsstat3::kNoent);
  NodeHandle a = Walk(*layer, "a");
  std::vector<std::string> names;
  ASSERT_TRUE(List(*layer, a, &names).ok());
  ASSERT_EQ(Attaches(*layer, "a"), 1u);

  WriteMap("a :" + Srv("a2") + "\nc :" + Srv("c") + "\n");
  ASSERT_TRUE(layer->Reload());
  Attr after;
  ASSERT_TRUE(layer->GetAttr(ctx_, root, &after).ok());
  EXPECT_NE(after.mtime, before.mtime) << "clients must see the directory changed";
  // Added (also despite the negative cache), changed (re-attached to the new place), removed.
  EXPECT_TRUE(LookupIn(*layer, root, "c", &h).ok());
  ASSERT_TRUE(List(*layer, a, &names).ok());
  EXPECT_NE(std::find(names.begin(), names.end(), "new.txt"), names.end());
  EXPECT_EQ(Attaches(*layer, "a"), 2u) << "attached again under the new definition";
  EXPECT_EQ(LookupIn(*layer, root, "b", &h).code(), Nfsstat3::kNoent);
  ASSERT_TRUE(List(*layer, root, &names).ok());
  std::sort(names.begin(), names.end());
  EXPECT_THAT(names, ElementsAre(".", "..", "a", "c"));
}

TEST_F(AutomountTest, InvalidReloadKeepsTheOldMap) {
  DefaultMap();
  auto layer = Open(Options());
  WriteMap("a -fstype=bogus :/x\nthis line is wrong\n");
  std::string error;
  EXPECT_FALSE(layer->Reload(&error));
  EXPECT_FALSE(error.empty());
  NodeHandle file = Walk(*layer, "a/hello.txt");
  EXPECT_EQ(ReadAll(*layer, file), "hello from a");
}

TEST_F(AutomountTest, MapChangesAreNoticedThroughInotify) {
  DefaultMap();
  AutomountOptions o = Options();
  o.watch = true;
  auto layer = Open(o);
  dir_.Write("srv/late/late.txt", "late");
  // Replace the map by rename, as editors do.
  dir_.Write("auto.map.new", "late :" + Srv("late") + "\n");
  std::filesystem::rename(dir_.path() + "/auto.map.new", dir_.path() + "/auto.map");
  NodeHandle root = RootOf(*layer);
  EXPECT_TRUE(Eventually([&] {
    NodeHandle h;
    // Bypass the negative cache by asking a name that was never asked before each time? No:
    // the reload clears it, so asking the same name until it appears is fine.
    return LookupIn(*layer, root, "late", &h).ok();
  }));
}

TEST_F(AutomountTest, ReadOnlyEntriesRefuseChanges) {
  WriteMap("r -ro :" + Srv("a") + "\n");
  auto layer = Open(Options());
  NodeHandle r = Walk(*layer, "r");
  CreateRes res;
  EXPECT_EQ(layer->Create(ctx_, r, "new", CreateMode::kUnchecked, {}, {}, &res).code(),
            Nfsstat3::kRofs);
  EXPECT_EQ(ReadAll(*layer, Walk(*layer, "r/hello.txt")), "hello from a");
}

TEST_F(AutomountTest, WritesGoThroughAndGetWrappedHandles) {
  DefaultMap();
  auto layer = Open(Options());
  NodeHandle a = Walk(*layer, "a");
  CreateRes res;
  ASSERT_TRUE(layer->Create(ctx_, a, "new.txt", CreateMode::kUnchecked, {}, {}, &res).ok());
  ASSERT_TRUE(res.handle);
  const std::string text = "written";
  WriteRes wres;
  ASSERT_TRUE(layer
                  ->Write(ctx_, *res.handle, 0,
                          std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()),
                          StableHow::kFileSync, &wres)
                  .ok());
  EXPECT_EQ(ReadAll(*layer, Walk(*layer, "a/new.txt")), "written");
}

TEST_F(AutomountTest, NestedMaps) {
  dir_.Write("sub.map", "x :" + Srv("a") + "\n");
  WriteMap("sub -fstype=auto :" + dir_.path() + "/sub.map\n");
  auto layer = Open(Options());
  NodeHandle sub = Walk(*layer, "sub");
  std::vector<std::string> names;
  ASSERT_TRUE(List(*layer, sub, &names).ok());
  EXPECT_NE(std::find(names.begin(), names.end(), "x"), names.end());
  NodeHandle file = Walk(*layer, "sub/x/hello.txt");
  EXPECT_EQ(ReadAll(*layer, file), "hello from a");
  NodeHandle up;
  ASSERT_TRUE(LookupIn(*layer, Walk(*layer, "sub/x"), "..", &up).ok());
  EXPECT_EQ(up, sub);
}

TEST_F(AutomountTest, TypesNotImplementedYetAnswerNotSupp) {
  WriteMap("n -fstype=nfs server:/export\nz -fstype=archive :/srv/x.tar\n");
  auto layer = Open(Options());
  std::vector<std::string> names;
  EXPECT_EQ(List(*layer, Walk(*layer, "n"), &names).code(), Nfsstat3::kNotsupp);
  EXPECT_EQ(List(*layer, Walk(*layer, "z"), &names).code(), Nfsstat3::kNotsupp);
  EXPECT_EQ(StatusOf(*layer, "n")->state, EntryStatus::State::kDown);
}

TEST(AutomountFactory, ParsesItsKeys) {
  std::chrono::milliseconds d;
  EXPECT_TRUE(ParseDuration("5m", &d));
  EXPECT_EQ(d, std::chrono::minutes(5));
  EXPECT_TRUE(ParseDuration("200ms", &d));
  EXPECT_EQ(d.count(), 200);
  EXPECT_TRUE(ParseDuration("7", &d));
  EXPECT_EQ(d, std::chrono::seconds(7));
  EXPECT_FALSE(ParseDuration("5 minutes", &d));
  EXPECT_FALSE(ParseDuration("", &d));

  std::string error;
  LayerParams bad("automount", {{"map", "/x"}, {"idle", "soon"}}, "test");
  EXPECT_FALSE(AutomountLayerFactory()(bad, nullptr, &error));
  EXPECT_NE(error.find("idle"), std::string::npos) << error;
  LayerParams unknown("automount", {{"map", "/x"}, {"colour", "red"}}, "test");
  EXPECT_FALSE(AutomountLayerFactory()(unknown, nullptr, &error));
  EXPECT_NE(error.find("colour"), std::string::npos) << error;
}

}  // namespace
}  // namespace loopfs::automount::testing
