#include "layers/registry.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "layers/forwarding_layer.h"
#include "tests/unit/layers/mock_layer.h"

namespace loopfs {
namespace {

using ::testing::HasSubstr;
using ::testing::NiceMock;
using ::testing::Return;

std::unique_ptr<Layer> MakeBase(const LayerParams& params, std::unique_ptr<Layer> lower,
                                std::string* error) {
  if (lower) {
    *error = "base layer: nothing below it";
    return nullptr;
  }
  if (params.Find("fail")) {
    *error = "key \"fail\": asked to fail";
    return nullptr;
  }
  auto mock = std::make_unique<NiceMock<testing::MockLayer>>();
  ON_CALL(*mock, type()).WillByDefault(Return("base"));
  return mock;
}

class Named : public ForwardingLayer {
 public:
  using ForwardingLayer::ForwardingLayer;
  std::string_view type() const override { return "wrap"; }
};

std::unique_ptr<Layer> MakeWrap(const LayerParams&, std::unique_ptr<Layer> lower,
                                std::string* error) {
  if (!lower) {
    *error = "wrap needs a layer below";
    return nullptr;
  }
  return std::make_unique<Named>(std::move(lower));
}

LayerParams P(std::string type, std::map<std::string, std::string> values = {}) {
  return LayerParams(std::move(type), std::move(values), "test.toml:7");
}

TEST(LayerRegistry, RegistersAndRefusesDuplicates) {
  LayerRegistry r;
  EXPECT_TRUE(r.Register("base", MakeBase));
  EXPECT_FALSE(r.Register("base", MakeWrap));
  EXPECT_FALSE(r.Register("", MakeWrap));
  EXPECT_FALSE(r.Register("nothing", nullptr));
  EXPECT_TRUE(r.Has("base"));
  EXPECT_FALSE(r.Has("wrap"));
  EXPECT_EQ(r.Types(), std::vector<std::string>{"base"});
}

TEST(LayerRegistry, BuildsAStackTopFirst) {
  LayerRegistry r;
  ASSERT_TRUE(r.Register("base", MakeBase));
  ASSERT_TRUE(r.Register("wrap", MakeWrap));
  std::string error;
  auto stack = r.BuildStack({P("wrap"), P("wrap"), P("base")}, &error);
  ASSERT_NE(stack, nullptr) << error;
  EXPECT_EQ(stack->type(), "wrap");
  auto* top = dynamic_cast<ForwardingLayer*>(stack.get());
  ASSERT_NE(top, nullptr);
  auto* middle = dynamic_cast<ForwardingLayer*>(top->lower());
  ASSERT_NE(middle, nullptr);
  EXPECT_EQ(middle->lower()->type(), "base");
}

TEST(LayerRegistry, UnknownTypeNamesOriginAndKnownTypes) {
  LayerRegistry r;
  ASSERT_TRUE(r.Register("base", MakeBase));
  std::string error;
  EXPECT_EQ(r.BuildStack({P("bsae")}, &error), nullptr);
  EXPECT_THAT(error, HasSubstr("test.toml:7"));
  EXPECT_THAT(error, HasSubstr("unknown layer type \"bsae\""));
  EXPECT_THAT(error, HasSubstr("known types: base"));
}

TEST(LayerRegistry, FactoryErrorsArePrefixedWithOriginAndType) {
  LayerRegistry r;
  ASSERT_TRUE(r.Register("base", MakeBase));
  ASSERT_TRUE(r.Register("wrap", MakeWrap));
  std::string error;
  EXPECT_EQ(r.BuildStack({P("base", {{"fail", "yes"}})}, &error), nullptr);
  EXPECT_EQ(error, "test.toml:7: layer \"base\": key \"fail\": asked to fail");
  EXPECT_EQ(r.BuildStack({P("wrap")}, &error), nullptr);
  EXPECT_THAT(error, HasSubstr("wrap needs a layer below"));
  EXPECT_EQ(r.BuildStack({P("base"), P("base")}, &error), nullptr);
  EXPECT_THAT(error, HasSubstr("nothing below it"));
  EXPECT_EQ(r.BuildStack({}, &error), nullptr);
  EXPECT_THAT(error, HasSubstr("at least one layer"));
}

TEST(LayerRegistry, BuiltinsIncludePosixWithParamChecks) {
  LayerRegistry r;
  RegisterBuiltinLayers(r);
  EXPECT_TRUE(r.Has("posix"));
  std::string error;
  EXPECT_EQ(r.BuildStack({P("posix")}, &error), nullptr);
  EXPECT_THAT(error, HasSubstr("key \"root\": required"));
  EXPECT_EQ(r.BuildStack({P("posix", {{"root", "/nonexistent/loopfs"}})}, &error), nullptr);
  EXPECT_THAT(error, HasSubstr("key \"root\": cannot open \"/nonexistent/loopfs\""));
  EXPECT_EQ(r.BuildStack({P("posix", {{"root", "/etc/passwd"}})}, &error), nullptr);
  EXPECT_THAT(error, HasSubstr("not a directory"));
  EXPECT_EQ(r.BuildStack({P("posix", {{"root", "relative/dir"}})}, &error), nullptr);
  EXPECT_THAT(error, HasSubstr("not an absolute path"));
  EXPECT_EQ(r.BuildStack({P("posix", {{"root", "/tmp"}, {"rooot", "/tmp"}})}, &error), nullptr);
  EXPECT_THAT(error, HasSubstr("unknown key \"rooot\""));
  EXPECT_EQ(r.BuildStack({P("posix", {{"root", "/tmp"}, {"readdir_cookies", "x"}})}, &error),
            nullptr);
  EXPECT_THAT(error, HasSubstr("key \"readdir_cookies\""));
}

TEST(LayerRegistry, GlobalIsOneInstance) {
  EXPECT_EQ(&LayerRegistry::Global(), &LayerRegistry::Global());
}

}  // namespace
}  // namespace loopfs
