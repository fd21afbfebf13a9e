// examples/trace, loaded as loopfsd would load it, stacked on posix.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include "layers/plugin.h"
#include "layers/registry.h"
#include "tests/unit/layers/posix_test_util.h"

namespace loopfs::testing {
namespace {

using ::testing::ContainsRegex;
using ::testing::HasSubstr;

class TracePluginTest : public ::testing::Test {
 protected:
  void SetUp() override {
    LOOPFS_SKIP_UNLESS_ROOT();
    sink_ = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(1000);
    sink_->set_pattern("%v");
    previous_ = spdlog::default_logger();
    auto logger = std::make_shared<spdlog::logger>("test", sink_);
    logger->set_level(spdlog::level::info);
    spdlog::set_default_logger(logger);
  }
  void TearDown() override {
    if (previous_) spdlog::set_default_logger(previous_);
  }
  std::string Log() {
    std::string all;
    for (auto& line : sink_->last_formatted()) all += line;
    return all;
  }
  std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> sink_;
  std::shared_ptr<spdlog::logger> previous_;
};

TEST_F(TracePluginTest, LogsEveryOperationAndPassesItThrough) {
  LayerRegistry registry;
  RegisterBuiltinLayers(registry);
  std::string error;
  ASSERT_TRUE(LoadLayerPlugin(LOOPFS_TRACE_PLUGIN, registry, &error)) << error;
  ASSERT_TRUE(registry.Has("trace"));

  TempDir dir;
  auto stack = registry.BuildStack(
      {LayerParams("trace", {}, "t:1"), LayerParams("posix", {{"root", dir.path()}}, "t:2")},
      &error);
  ASSERT_NE(stack, nullptr) << error;
  EXPECT_EQ(stack->type(), "trace");
  // trace must not be the base, nor take parameters.
  EXPECT_EQ(registry.BuildStack({LayerParams("trace", {}, "t:3")}, &error), nullptr);
  EXPECT_THAT(error, HasSubstr("stacked layer"));
  EXPECT_EQ(registry.BuildStack({LayerParams("trace", {{"x", "1"}}, "t:4"),
                                 LayerParams("posix", {{"root", dir.path()}}, "t:5")},
                                &error),
            nullptr);
  EXPECT_THAT(error, HasSubstr("unknown key \"x\""));

  RequestContext ctx;
  NodeHandle root;
  ASSERT_TRUE(stack->Root(ctx, &root).ok());
  SetAttrArgs args;
  args.mode = 0644;
  CreateRes cr;
  ASSERT_TRUE(stack->Create(ctx, root, "foo", CreateMode::kGuarded, args, {}, &cr).ok());
  const uint8_t data[] = {'h', 'i'};
  WriteRes wr;
  ASSERT_TRUE(stack->Write(ctx, *cr.handle, 0, data, StableHow::kFileSync, &wr).ok());
  LookupRes lr;
  ASSERT_TRUE(stack->Lookup(ctx, root, "foo", &lr).ok());
  EXPECT_EQ(lr.handle, *cr.handle);
  EXPECT_EQ(stack->Lookup(ctx, root, "nope", &lr), Status(Nfsstat3::kNoent));
  uint8_t buf[8];
  ReadRes rr;
  ASSERT_TRUE(stack->Read(ctx, lr.handle, 0, buf, &rr).ok());
  EXPECT_EQ(rr.count, 2u);
  EXPECT_EQ(buf[1], 'i');
  VectorSink entries;
  ReadDirRes rd;
  ASSERT_TRUE(stack->ReadDir(ctx, root, 0, {}, true, entries, &rd).ok());
  EXPECT_EQ(entries.entries.size(), 3u);

  std::string log = Log();
  std::string hex;
  for (uint8_t b : root.bytes()) hex += fmt::format("{:02x}", b);
  EXPECT_THAT(log, HasSubstr("trace: LOOKUP dir=" + hex + " name=foo -> NFS3_OK "));
  EXPECT_THAT(log, ContainsRegex("trace: LOOKUP dir=[0-9a-f]+ name=nope -> NFS3ERR_NOENT [0-9]+us"));
  EXPECT_THAT(log, ContainsRegex("trace: CREATE dir=[0-9a-f]+ name=foo mode=1 -> NFS3_OK [0-9]+us"));
  EXPECT_THAT(log, HasSubstr("trace: WRITE fh="));
  EXPECT_THAT(log, HasSubstr("trace: READ fh="));
  EXPECT_THAT(log, HasSubstr("trace: READDIRPLUS dir="));
}

}  // namespace
}  // namespace loopfs::testing
