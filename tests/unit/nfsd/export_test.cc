// Export options, the export table (ids, collisions, mount path lookup,
// reuse on reload) and the holder's swap.
#include "nfsd/export.h"

#include <gtest/gtest.h>

#include "nfsd/export_options.h"
#include "tests/unit/nfsd/nfsd_test_env.h"

namespace loopfs::nfsd {
namespace {

TEST(ExportOptions, DefaultsAreKnfsds) {
  ExportOptions o;
  EXPECT_FALSE(o.read_only);
  EXPECT_TRUE(o.root_squash);
  EXPECT_FALSE(o.all_squash);
  EXPECT_EQ(o.anonuid, 65534u);
  EXPECT_EQ(o.anongid, 65534u);
  EXPECT_FALSE(o.insecure);
}

TEST(ExportOptions, ParsesEveryWord) {
  ExportOptions o;
  std::string err;
  ASSERT_TRUE(ParseExportOptions(
      {"ro", "no_root_squash,all_squash", "anonuid=1000", "anongid=0", "insecure"}, &o, &err))
      << err;
  EXPECT_TRUE(o.read_only);
  EXPECT_FALSE(o.root_squash);
  EXPECT_TRUE(o.all_squash);
  EXPECT_EQ(o.anonuid, 1000u);
  EXPECT_EQ(o.anongid, 0u);
  EXPECT_TRUE(o.insecure);
  ASSERT_TRUE(ParseExportOptions({"rw", "root_squash", "secure", "no_all_squash"}, &o, &err));
  EXPECT_FALSE(o.read_only);
  EXPECT_TRUE(o.root_squash);
  EXPECT_FALSE(o.insecure);
  EXPECT_FALSE(o.all_squash);
  EXPECT_EQ(FormatExportOptions(o), "rw,root_squash,anonuid=1000,anongid=0,secure");
}

TEST(ExportOptions, RefusesGarbageWithClearErrors) {
  for (const char* bad : {"rx", "anonuid=", "anonuid=-1", "anonuid=12x", "anonuid=99999999999", "",
                          "ro,,rw", "RO", "anongid=0x10"}) {
    ExportOptions o;
    std::string err;
    EXPECT_FALSE(ParseExportOptions({bad}, &o, &err)) << bad;
    EXPECT_FALSE(err.empty()) << bad;
  }
  ExportOptions o;
  std::string err;
  EXPECT_FALSE(ApplyExportOption("nosuch", &o, &err));
  EXPECT_NE(err.find("known:"), std::string::npos);
}

TEST(ExportPath, Validation) {
  std::string err;
  for (const char* good : {"/", "/a", "/a/b", "/a.b/c-d"}) {
    EXPECT_TRUE(ValidExportPath(good, &err)) << good << ": " << err;
  }
  for (const char* bad : {"", "a", "/a/", "//a", "/a//b", "/./a", "/a/..", "/a/./b"}) {
    EXPECT_FALSE(ValidExportPath(bad, &err)) << bad;
  }
  EXPECT_FALSE(ValidExportPath(std::string(1025, 'a').insert(0, "/"), &err));
}

TEST(ExportId, StableAndDistinctFsid) {
  EXPECT_EQ(ExportIdFromPath("/data"), ExportIdFromPath("/data"));
  EXPECT_NE(ExportIdFromPath("/data"), ExportIdFromPath("/date"));
  EXPECT_NE(FsidForExport(1), FsidForExport(2));
}

class ExportTableTest : public ::testing::Test {
 protected:
  testing::TempDir dir_;
  testing::TestRegistry registry_;
};

TEST_F(ExportTableTest, BuildsAndFinds) {
  std::string err;
  auto table = ExportTable::Build({testing::MemoryExport("/"), testing::MemoryExport("/a/b")},
                                  registry_.get(), &err);
  ASSERT_TRUE(table) << err;
  EXPECT_EQ(table->size(), 2u);
  const Export* root = table->FindById(ExportIdFromPath("/"));
  ASSERT_NE(root, nullptr);
  EXPECT_EQ(root->path, "/");
  EXPECT_EQ(root->fsid, FsidForExport(root->id));
  EXPECT_EQ(root->stack->type(), "memory");

  std::vector<std::string> rest;
  EXPECT_EQ(table->FindForMount("/a/b/c/d", &rest)->path, "/a/b");
  EXPECT_EQ(rest, (std::vector<std::string>{"c", "d"}));
  EXPECT_EQ(table->FindForMount("/a/b", &rest)->path, "/a/b");
  EXPECT_TRUE(rest.empty());
  EXPECT_EQ(table->FindForMount("/a//b/./", &rest)->path, "/a/b");
  EXPECT_EQ(table->FindForMount("/a/bc", &rest)->path, "/");
  EXPECT_EQ(rest, (std::vector<std::string>{"a", "bc"}));
  EXPECT_EQ(table->FindForMount("/a/../x", &rest)->path, "/");
  EXPECT_EQ(rest, (std::vector<std::string>{"a", "..", "x"}));  // refused later by MNT
  EXPECT_EQ(table->FindForMount("relative", &rest), nullptr);
  EXPECT_EQ(table->FindById(1), nullptr);

  const std::string text = DescribeExports(*table);
  EXPECT_NE(text.find("/a/b id="), std::string::npos) << text;
  EXPECT_NE(text.find("layers=memory"), std::string::npos) << text;
  auto summary = SummarizeExports(*table);
  ASSERT_EQ(summary.size(), 2u);
  EXPECT_EQ(summary[0].path, "/");
  EXPECT_EQ(summary[0].layer_types, std::vector<std::string>{"memory"});
}

TEST_F(ExportTableTest, RefusesBadConfigsNamingTheOrigin) {
  std::string err;
  auto dup = testing::MemoryExport("/x");
  dup.origin = "loopfs.toml:12";
  EXPECT_FALSE(ExportTable::Build({dup, dup}, registry_.get(), &err));
  EXPECT_NE(err.find("loopfs.toml:12"), std::string::npos) << err;
  EXPECT_NE(err.find("twice"), std::string::npos) << err;

  auto bad_path = testing::MemoryExport("x/");
  EXPECT_FALSE(ExportTable::Build({bad_path}, registry_.get(), &err));

  auto no_layers = testing::MemoryExport("/y");
  no_layers.layers.clear();
  EXPECT_FALSE(ExportTable::Build({no_layers}, registry_.get(), &err));
  EXPECT_NE(err.find("no layers"), std::string::npos) << err;

  auto bad_root = testing::BaseExport("memory", "/z", "", {}, {{"bogus", "1"}});
  EXPECT_FALSE(ExportTable::Build({bad_root}, registry_.get(), &err));
  EXPECT_NE(err.find("/z"), std::string::npos) << err;
  EXPECT_NE(err.find("bogus"), std::string::npos) << err;
}

TEST_F(ExportTableTest, IdCollisionSuggestsAnId) {
  auto a = testing::MemoryExport("/a");
  auto b = testing::MemoryExport("/b");
  b.id = ExportIdFromPath("/a");
  std::string err;
  EXPECT_FALSE(ExportTable::Build({a, b}, registry_.get(), &err));
  EXPECT_NE(err.find("id = "), std::string::npos) << err;
  b.id = 7;
  auto table = ExportTable::Build({a, b}, registry_.get(), &err);
  ASSERT_TRUE(table) << err;
  EXPECT_EQ(table->FindById(7)->path, "/b");
}

TEST_F(ExportTableTest, ReloadKeepsUnchangedStacksAndSwapIsAtomic) {
  std::string err;
  auto first = ExportTable::Build({testing::MemoryExport("/keep"), testing::MemoryExport("/drop")},
                                  registry_.get(), &err);
  ASSERT_TRUE(first) << err;
  ExportTableHolder holder(first);
  auto in_flight = holder.Get();  // a call that started before the reload

  auto changed = testing::MemoryExport("/new");
  auto second = ExportTable::Build({testing::MemoryExport("/keep"), changed}, registry_.get(), &err,
                                   holder.Get().get());
  ASSERT_TRUE(second) << err;
  const uint16_t keep = ExportIdFromPath("/keep");
  EXPECT_EQ(second->FindById(keep)->stack.get(), first->FindById(keep)->stack.get());
  holder.Swap(second);
  holder.Swap(nullptr);  // a failed build keeps the table
  EXPECT_EQ(holder.Get(), second);
  EXPECT_EQ(holder.Get()->FindById(ExportIdFromPath("/drop")), nullptr);
  // The old table and its stacks live on for the call still using them.
  ASSERT_NE(in_flight->FindById(ExportIdFromPath("/drop")), nullptr);
  EXPECT_EQ(in_flight->FindById(ExportIdFromPath("/drop"))->stack->type(), "memory");

  ExportTableHolder empty;
  EXPECT_EQ(empty.Get()->size(), 0u);
}

}  // namespace
}  // namespace loopfs::nfsd
