// loopfsd refuses to serve a vault it cannot open: wrong passphrase, no gocryptfs.conf, a
// feature flag it does not implement or a required one missing, no passphrase file, no root
// IV.  Each is a start-up error (exit status 2) whose message on stderr says what is wrong.
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>

#include <fmt/format.h>

#include "tests/integration/encrypt_vault_fixture.h"

namespace loopfs::testing::encrypt_it {
namespace {

using loopfs::encrypt::testing::ReadFileBytes;
using loopfs::encrypt::testing::WriteFileBytes;

struct Outcome {
  int status = -1;
  std::string err;
};

class EncryptStartupTest : public VaultTest {
 protected:
  bool NeedsFuse() const override { return false; }
  void SetUp() override {
    VaultTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    const char* bin = getenv("LOOPFSD_BIN");
    ASSERT_NE(bin, nullptr) << "set LOOPFSD_BIN to the loopfsd to test";
    bin_ = bin;
    InitVault();
  }

  // Runs loopfsd on `toml` until it exits (bounded by `timeout`); stderr is kept apart.
  Outcome Run(const std::string& toml) {
    const std::string config = base_ + "/loopfs.toml";
    const std::string err = base_ + "/stderr";
    WriteFileBytes(config, toml);
    Outcome out;
    out.status = RunProgram(
        {"sh", "-c", "exec timeout 60 \"$0\" \"$@\" >/dev/null 2>'" + err + "'", bin_, "--config",
         config, "--port", "0", "--mount-port", "0", "--listen", "127.0.0.1", "--no-rpcbind",
         "--state-dir", base_ + "/state"},
        nullptr);
    out.err = ReadFileBytes(err);
    return out;
  }

  // The config file holds only an owner-readable copy: edit a writable one.
  void EditConfig(const std::string& from, const std::string& to) {
    const std::string path = cipher_ + "/gocryptfs.conf";
    std::string text = ReadFileBytes(path);
    const size_t at = text.find(from);
    ASSERT_NE(at, std::string::npos) << from << " not in " << text;
    text.replace(at, from.size(), to);
    std::filesystem::remove(path);
    WriteFileBytes(path, text, 0400);
  }

  void ExpectRefused(const std::string& toml, const std::string& message) {
    const Outcome out = Run(toml);
    EXPECT_EQ(out.status, 2) << out.err;
    EXPECT_NE(out.err.find(message), std::string::npos)
        << "stderr should say \"" << message << "\"; it says:\n"
        << out.err;
    EXPECT_NE(out.err.find("encrypt"), std::string::npos) << "names the layer: " << out.err;
    // One clear message, not the same words twice.
    EXPECT_EQ(out.err.find("gocryptfs.conf: gocryptfs.conf"), std::string::npos) << out.err;
  }

  std::string bin_;
};

TEST_F(EncryptStartupTest, StartsWithTheRightPassphrase) {
  StartServer();
  EXPECT_TRUE(client_->Null().ok());
}

TEST_F(EncryptStartupTest, WrongPassphrase) {
  WriteFileBytes(passfile_, "not the passphrase\n", 0600);
  ExpectRefused(ServerToml(), "wrong passphrase");
}

TEST_F(EncryptStartupTest, NotAVault) {
  std::filesystem::remove(cipher_ + "/gocryptfs.conf");
  ExpectRefused(ServerToml(), "no gocryptfs.conf");
}

TEST_F(EncryptStartupTest, UnsupportedFeatureFlag) {
  EditConfig("\"HKDF\",", "\"HKDF\",\n\t\t\"Argon2\",");
  ExpectRefused(ServerToml(), "Argon2");
}

TEST_F(EncryptStartupTest, MissingRequiredFeatureFlag) {
  EditConfig("\"HKDF\",", "");
  ExpectRefused(ServerToml(), "HKDF");
}

TEST_F(EncryptStartupTest, NoPassphraseFile) {
  std::filesystem::remove(passfile_);
  ExpectRefused(ServerToml(), passfile_);
}

TEST_F(EncryptStartupTest, NoRootDirIv) {
  std::filesystem::remove(cipher_ + "/gocryptfs.diriv");
  ExpectRefused(ServerToml(), "gocryptfs.diriv");
}

TEST_F(EncryptStartupTest, NoLayerBelow) {
  ExpectRefused(fmt::format("[[export]]\npath = \"/\"\nlayers = [ {{ type = \"encrypt\", "
                            "passfile = \"{}\" }} ]\n",
                            passfile_),
                "below");
}

}  // namespace
}  // namespace loopfs::testing::encrypt_it
