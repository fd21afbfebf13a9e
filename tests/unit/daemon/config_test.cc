#include "nfsd/daemon/config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

namespace loopfs::daemon {
namespace {

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/loopfs-config-XXXXXX";
    dir_ = mkdtemp(tmpl);
    path_ = dir_ + "/loopfs.toml";
  }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }

  DaemonConfig Load(const std::string& text) {
    std::ofstream(path_) << text;
    DaemonConfig c;
    LoadConfigFile(path_, &c);
    return c;
  }
  // The error message for a bad file.
  std::string Error(const std::string& text) {
    try {
      Load(text);
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "";
  }

  std::string dir_, path_;
};

TEST_F(ConfigTest, TheDocumentedExample) {
  DaemonConfig c = Load(R"(
[server]
listen = ["127.0.0.1", "::1"]
nfs_port = 2049
mount_port = 20048

[[export]]
path = "/"
options = ["rw", "root_squash"]
layers = [ { type = "posix", root = "/srv/data" } ]
)");
  EXPECT_EQ(c.server.listen, (std::vector<std::string>{"127.0.0.1", "::1"}));
  EXPECT_EQ(c.server.nfs_port, 2049);
  EXPECT_EQ(c.server.mount_port, 20048);
  ASSERT_EQ(c.exports.size(), 1u);
  EXPECT_EQ(c.exports[0].path, "/");
  EXPECT_EQ(c.exports[0].options, (std::vector<std::string>{"rw", "root_squash"}));
  ASSERT_EQ(c.exports[0].layers.size(), 1u);
  EXPECT_EQ(c.exports[0].layers[0].type(), "posix");
  EXPECT_EQ(*c.exports[0].layers[0].Find("root"), "/srv/data");
  EXPECT_EQ(c.exports[0].origin, path_ + ":7");  // the [[export]] line
}

TEST_F(ConfigTest, LayerStackTopFirstWithScalarValues) {
  DaemonConfig c = Load(R"(
[[export]]
path = "/x"
id = 77
layers = [ { type = "trace", verbose = true, depth = 3 }, { type = "posix", root = "/r" } ]
)");
  ASSERT_EQ(c.exports[0].layers.size(), 2u);
  EXPECT_EQ(c.exports[0].layers[0].type(), "trace");
  EXPECT_EQ(*c.exports[0].layers[0].Find("verbose"), "true");
  EXPECT_EQ(*c.exports[0].layers[0].Find("depth"), "3");
  EXPECT_EQ(c.exports[0].id, 77);
}

TEST_F(ConfigTest, ErrorsNameFileLineAndKey) {
  std::string e = Error("[server]\nnfs_prot = 5\n");
  EXPECT_NE(e.find(path_ + ":2"), std::string::npos) << e;
  EXPECT_NE(e.find("server.nfs_prot"), std::string::npos) << e;
  EXPECT_NE(e.find("unknown key"), std::string::npos) << e;

  e = Error("[server]\n\nnfs_port = 70000\n");
  EXPECT_NE(e.find(":3"), std::string::npos) << e;
  EXPECT_NE(e.find("between 0 and 65535"), std::string::npos) << e;

  e = Error("[server]\nlisten = \"127.0.0.1\"\n");
  EXPECT_NE(e.find("server.listen"), std::string::npos) << e;

  e = Error("[[export]]\npath = \"/\"\n");
  EXPECT_NE(e.find("export[0].layers"), std::string::npos) << e;

  e = Error("[[export]]\npath = \"relative\"\nlayers = [ { type = \"posix\" } ]\n");
  EXPECT_NE(e.find("must be absolute"), std::string::npos) << e;

  e = Error("[[export]]\npath = \"/\"\nlayers = [ { root = \"/x\" } ]\n");
  EXPECT_NE(e.find("layers[0].type"), std::string::npos) << e;

  e = Error("[server]\nlog_level = \"loud\"\n");
  EXPECT_NE(e.find("log_level"), std::string::npos) << e;
}

TEST_F(ConfigTest, SyntaxErrorsGiveLineAndColumn) {
  std::string e = Error("[server\n");
  EXPECT_EQ(e.rfind(path_ + ":1:", 0), 0u) << e;
  e = Error("a = = 1\n");
  EXPECT_NE(e.find(":1:"), std::string::npos) << e;
}

TEST_F(ConfigTest, GarbageFilesAreRefusedCleanly) {
  std::string junk;
  for (int i = 0; i < 4096; ++i) junk.push_back(static_cast<char>((i * 7919) & 0xff));
  EXPECT_FALSE(Error(junk).empty());
  EXPECT_FALSE(Error(std::string(100000, '[')).empty());
}

TEST(ExportArgument, ParsesPathAndDir) {
  ExportSpec e = ParseExportArgument("/data=/srv/d", {"ro"});
  EXPECT_EQ(e.path, "/data");
  EXPECT_EQ(e.options, std::vector<std::string>{"ro"});
  ASSERT_EQ(e.layers.size(), 1u);
  EXPECT_EQ(*e.layers[0].Find("root"), "/srv/d");
  EXPECT_THROW(ParseExportArgument("/data", {}), ConfigError);
  EXPECT_THROW(ParseExportArgument("data=/x", {}), ConfigError);
  EXPECT_THROW(ParseExportArgument("/=", {}), ConfigError);
}

}  // namespace
}  // namespace loopfs::daemon

namespace loopfs::daemon {
namespace {

TEST(ShippedExample, ExamplesLoopfsTomlParses) {
  DaemonConfig c;
  LoadConfigFile(LOOPFS_SOURCE_DIR "/examples/loopfs.toml", &c);
  ASSERT_EQ(c.exports.size(), 2u);
  EXPECT_EQ(c.exports[1].path, "/public");
}

}  // namespace
}  // namespace loopfs::daemon
