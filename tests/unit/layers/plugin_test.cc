#include "layers/plugin.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "layers/forwarding_layer.h"
#include "tests/unit/layers/mock_layer.h"
#include "tests/unit/layers/posix_test_util.h"

namespace loopfs {
namespace {

using ::testing::HasSubstr;
using ::testing::NiceMock;

const std::string kDir = LOOPFS_TEST_PLUGIN_DIR;
std::string Plugin(const std::string& name) { return kDir + "/" + name + ".so"; }

std::unique_ptr<Layer> MakeMock(const LayerParams&, std::unique_ptr<Layer>, std::string*) {
  return std::make_unique<NiceMock<testing::MockLayer>>();
}

TEST(LoadLayerPlugin, RegistersAllTypesOfAPlugin) {
  LayerRegistry r;
  ASSERT_TRUE(r.Register("mock", MakeMock));
  std::string error;
  ASSERT_TRUE(LoadLayerPlugin(Plugin("good_plugin"), r, &error)) << error;
  EXPECT_TRUE(r.Has("test_alpha"));
  EXPECT_TRUE(r.Has("test_beta"));
  // Loading it again is harmless.
  EXPECT_TRUE(LoadLayerPlugin(Plugin("good_plugin"), r, &error)) << error;
  auto stack = r.BuildStack({LayerParams("test_beta", {}, "t"), LayerParams("test_alpha", {}, "t"),
                             LayerParams("mock", {}, "t")},
                            &error);
  ASSERT_NE(stack, nullptr) << error;
  EXPECT_EQ(stack->type(), "test_beta");
  EXPECT_EQ(dynamic_cast<ForwardingLayer*>(stack.get())->lower()->type(), "test_alpha");
  // A second registry gets its own registration.
  LayerRegistry r2;
  EXPECT_TRUE(LoadLayerPlugin(Plugin("good_plugin"), r2, &error)) << error;
  EXPECT_TRUE(r2.Has("test_alpha"));
}

TEST(LoadLayerPlugin, RefusesAnotherAbiVersion) {
  LayerRegistry r;
  std::string error;
  EXPECT_FALSE(LoadLayerPlugin(Plugin("bad_abi_plugin"), r, &error));
  EXPECT_THAT(error, HasSubstr("bad_abi_plugin.so"));
  EXPECT_THAT(error, HasSubstr("built for layer ABI version 999"));
  EXPECT_THAT(error, HasSubstr("provides version 1"));
  EXPECT_TRUE(r.Types().empty());
}

TEST(LoadLayerPlugin, RefusesMissingEntryPoints) {
  LayerRegistry r;
  std::string error;
  EXPECT_FALSE(LoadLayerPlugin(Plugin("no_init_plugin"), r, &error));
  EXPECT_THAT(error, HasSubstr("no_init_plugin.so"));
  EXPECT_THAT(error, HasSubstr("no symbol loopfs_layer_plugin_init"));
  EXPECT_FALSE(LoadLayerPlugin(Plugin("no_abi_plugin"), r, &error));
  EXPECT_THAT(error, HasSubstr("no symbol loopfs_layer_plugin_abi_version"));
}

TEST(LoadLayerPlugin, ReportsInitFailureAndEmptyPlugins) {
  LayerRegistry r;
  std::string error;
  EXPECT_FALSE(LoadLayerPlugin(Plugin("failing_plugin"), r, &error));
  EXPECT_THAT(error, HasSubstr("failing_plugin.so"));
  EXPECT_THAT(error, HasSubstr("returned 7"));
}

TEST(LoadLayerPlugin, ReportsDuplicateTypes) {
  LayerRegistry r;
  ASSERT_TRUE(r.Register("test_alpha", MakeMock));
  std::string error;
  EXPECT_FALSE(LoadLayerPlugin(Plugin("good_plugin"), r, &error));
  EXPECT_THAT(error, HasSubstr("returned 1"));
}

TEST(LoadLayerPlugin, ReportsDlopenErrorsWithThePath) {
  LayerRegistry r;
  std::string error;
  EXPECT_FALSE(LoadLayerPlugin(Plugin("unresolved_plugin"), r, &error));
  EXPECT_THAT(error, HasSubstr("unresolved_plugin.so"));
  EXPECT_THAT(error, HasSubstr("loopfs_symbol_that_does_not_exist"));

  EXPECT_FALSE(LoadLayerPlugin("/nonexistent/plugin.so", r, &error));
  EXPECT_THAT(error, HasSubstr("/nonexistent/plugin.so"));
  EXPECT_FALSE(LoadLayerPlugin("", r, &error));
  EXPECT_FALSE(LoadLayerPlugin("plugin.so", r, &error));
  EXPECT_THAT(error, HasSubstr("give a path"));

  // Not a shared object at all.
  testing::TempDir dir;
  std::string junk = dir / "junk.so";
  std::ofstream(junk) << "this is not ELF\n";
  EXPECT_FALSE(LoadLayerPlugin(junk, r, &error));
  EXPECT_THAT(error, HasSubstr(junk));
  EXPECT_THAT(error, HasSubstr("cannot load"));
  EXPECT_FALSE(LoadLayerPlugin(dir.path(), r, &error));
  EXPECT_TRUE(r.Types().empty());
}

}  // namespace
}  // namespace loopfs
