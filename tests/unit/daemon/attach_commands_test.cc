// The attach/detach control commands given malformed requests: every one is refused with a
// message, nothing is attached, and the passphrase in the request is wiped.
#include "nfsd/daemon/attach_commands.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "layers/registry.h"

namespace loopfs::daemon {
namespace {

class AttachCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RegisterBuiltinLayers(LayerRegistry::Global());  // idempotent: a taken name is kept
    RegisterAttachCommands(control_, &exports_);
  }
  nlohmann::json Run(const std::string& line) { return control_.Execute(line); }

  ControlServer control_;
  RuntimeExports exports_{std::make_shared<nfsd::ExportTableHolder>()};
};

TEST_F(AttachCommandsTest, GarbageIsRefusedWithAMessage) {
  const std::string dir = std::filesystem::temp_directory_path().string();
  const char* requests[] = {
      R"({"cmd": "attach"})",
      R"({"cmd": "attach", "cipherdir": 5, "export": "/x", "passphrase": "p"})",
      R"({"cmd": "attach", "cipherdir": "/nonexistent/dir", "export": "/x", "passphrase": "p"})",
      R"({"cmd": "attach", "cipherdir": "relative", "export": "/x", "passphrase": "p"})",
      R"({"cmd": "attach", "cipherdir": "/", "export": "/x", "passphrase": ["p"]})",
      R"({"cmd": "attach", "cipherdir": "/", "export": "/x", "passphrase": "p", "options": 7})",
      R"({"cmd": "attach", "cipherdir": "/", "export": "/x", "passphrase": "p", "options": [1]})",
      R"({"cmd": "attach", "cipherdir": "/", "export": "/x", "passphrase": "p", "options": ["bogus"]})",
      R"({"cmd": "detach"})",
      R"({"cmd": "detach", "export": null})",
      R"({"cmd": "detach", "export": "/never-attached"})",
  };
  for (const char* r : requests) {
    nlohmann::json reply = Run(r);
    EXPECT_FALSE(reply.value("ok", true)) << r;
    EXPECT_FALSE(reply.value("error", std::string()).empty()) << r;
  }
  // A directory that is not a vault: the error names the missing config file.
  nlohmann::json reply = Run(R"({"cmd": "attach", "cipherdir": ")" + dir +
                             R"(", "export": "/x", "passphrase": "p"})");
  EXPECT_FALSE(reply.value("ok", true));
  EXPECT_NE(reply.value("error", std::string()).find("gocryptfs.conf"), std::string::npos)
      << reply.dump();
  EXPECT_EQ(exports_.holder()->Get()->size(), 0u);
}

}  // namespace
}  // namespace loopfs::daemon
