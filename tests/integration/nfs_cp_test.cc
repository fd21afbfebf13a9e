// libnfs's nfs-cp copies a 64 MiB random file into the export and back out
// with identical bytes (issue 2, "done when").
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>

#include <fmt/format.h>

#include "tests/support/server_fixture.h"

namespace loopfs::testing {
namespace {

class NfsCpTest : public SharedServerTest<NfsCpTest> {
 public:
  static constexpr bool kMakeTestDir = false;

 protected:
  std::string Url(const std::string& file) {
    // libnfs splits server, export and file at slashes; the export "/"
    // therefore needs its own slash: nfs://127.0.0.1//file.
    return fmt::format("nfs://127.0.0.1{}/{}?version=3&nfsport={}&mountport={}",
                       server_->export_path(), file, server_->nfs_port(), server_->mount_port());
  }
  static int Run(const std::string& cmd) {
    int rc = std::system(cmd.c_str());
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  }
  static Bytes ReadAll(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }
};

TEST_F(NfsCpTest, SixtyFourMiBInAndOut) {
  auto src = server_->work_dir() / "source.bin";
  auto dst = server_->work_dir() / "copied-back.bin";
  Bytes data(64 << 20);
  std::mt19937_64 rng(std::random_device{}());
  for (size_t i = 0; i < data.size(); i += 8) {
    uint64_t v = rng();
    std::memcpy(&data[i], &v, 8);
  }
  std::ofstream(src, std::ios::binary)
      .write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));

  ASSERT_EQ(Run(fmt::format("nfs-cp '{}' '{}'", src.string(), Url("big.bin"))), 0);
  EXPECT_TRUE(ReadAll(server_->export_dir() / "big.bin") == data)
      << "bytes in the export differ from the source";
  ASSERT_EQ(Run(fmt::format("nfs-cp '{}' '{}'", Url("big.bin"), dst.string())), 0);
  EXPECT_TRUE(ReadAll(dst) == data) << "bytes copied back differ";
}

}  // namespace
}  // namespace loopfs::testing
