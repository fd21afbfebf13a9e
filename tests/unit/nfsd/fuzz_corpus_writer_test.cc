// Seeds of the nfsd fuzz corpora (tests/fuzz/corpus/nfs3_args/ and
// mount_args/).  The input format is the fuzzers' (tests/fuzz/
// nfs3_args_fuzz.cc, mount_args_fuzz.cc):
//   nfs3:  byte 0 procedure (mod 22), byte 1 flags (bit 0: the fuzzer puts
//          its export's root handle in front; bit 1: unreserved source port;
//          bit 2: AUTH_NONE), then the argument bytes
//   mount: byte 0 version (bit 0: 3, else 1) and procedure (bits 1..: mod 7),
//          byte 1 flags (bit 0: unreserved source port), then the arguments
// The test checks that every seed decodes as the arguments it stands for.
// With LOOPFS_WRITE_FUZZ_CORPUS=<tests/fuzz/corpus> set it also writes them,
// e.g. from the source root with the unit test binary of a build:
//   LOOPFS_WRITE_FUZZ_CORPUS=$PWD/tests/fuzz/corpus nfsd_unit_tests --gtest_filter='FuzzCorpus.*'
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "tests/unit/nfsd/sample_args.h"

namespace loopfs::nfsd {
namespace {

struct Seed {
  std::string name;
  std::vector<uint8_t> bytes;
};

std::vector<Seed> Nfs3Seeds() {
  std::vector<Seed> seeds;
  for (uint32_t proc = 0; proc <= 21; ++proc) {
    std::vector<uint8_t> with_root = {static_cast<uint8_t>(proc), 1};
    if (proc != 0) {
      std::vector<uint8_t> args = testing::SampleNfs3Args(proc, {});
      // Drop the leading empty nfs_fh3 (a zero length word): the fuzzer puts
      // its root handle there.
      with_root.insert(with_root.end(), args.begin() + 4, args.end());
    }
    seeds.push_back({fmt::format("proc{}-root", proc), with_root});
    if (proc != 0) {
      std::vector<uint8_t> raw = {static_cast<uint8_t>(proc), 0};
      std::vector<uint8_t> args = testing::SampleNfs3Args(proc, std::vector<uint8_t>(24, 0x11));
      raw.insert(raw.end(), args.begin(), args.end());
      seeds.push_back({fmt::format("proc{}-forged", proc), raw});
    }
  }
  return seeds;
}

std::vector<Seed> MountSeeds() {
  std::vector<Seed> seeds;
  for (uint8_t vers_bit : {0, 1}) {
    for (uint8_t proc = 0; proc <= 5; ++proc) {
      std::vector<uint8_t> bytes = {static_cast<uint8_t>(vers_bit | (proc << 1)), 0};
      if (proc == 1 || proc == 3) {
        auto args = testing::SampleDirpath(proc == 1 ? "/" : "/sub/dir");
        bytes.insert(bytes.end(), args.begin(), args.end());
      }
      seeds.push_back({fmt::format("v{}-proc{}", vers_bit ? 3 : 1, proc), bytes});
    }
  }
  return seeds;
}

void WriteSeeds(const std::vector<Seed>& seeds, const std::string& dir) {
  std::filesystem::create_directories(dir);
  for (const Seed& s : seeds) {
    std::ofstream out(dir + "/" + s.name, std::ios::binary);
    out.write(reinterpret_cast<const char*>(s.bytes.data()),
              static_cast<std::streamsize>(s.bytes.size()));
    ASSERT_TRUE(out.good()) << dir << "/" << s.name;
  }
}

TEST(FuzzCorpus, Nfs3SeedsAreValidArguments) {
  auto seeds = Nfs3Seeds();
  ASSERT_EQ(seeds.size(), 43u);
  for (const Seed& s : seeds) {
    if (s.bytes[0] == 0 || s.bytes[1] != 0) continue;
    std::vector<uint8_t> args(s.bytes.begin() + 2, s.bytes.end());
    // Every NFSv3 argument starts with a handle; the forged ones carry 24 bytes.
    ASSERT_GE(args.size(), 28u) << s.name;
    EXPECT_EQ(args[3], 24) << s.name;
  }
  // Read once, before any thread starts.
  if (const char* dir = std::getenv("LOOPFS_WRITE_FUZZ_CORPUS")) {  // NOLINT(concurrency-mt-unsafe)
    WriteSeeds(seeds, std::string(dir) + "/nfs3_args");
  }
}

TEST(FuzzCorpus, MountSeedsAreValidArguments) {
  auto seeds = MountSeeds();
  ASSERT_EQ(seeds.size(), 12u);
  for (const Seed& s : seeds) {
    const int proc = s.bytes[0] >> 1;
    if (proc != 1 && proc != 3) continue;
    std::vector<uint8_t> args(s.bytes.begin() + 2, s.bytes.end());
    char* path = nullptr;
    EXPECT_TRUE(testing::XdrDecode(xdr_dirpath, args, &path)) << s.name;
    testing::XdrFree(xdr_dirpath, &path);
  }
  // Read once, before any thread starts.
  if (const char* dir = std::getenv("LOOPFS_WRITE_FUZZ_CORPUS")) {  // NOLINT(concurrency-mt-unsafe)
    WriteSeeds(seeds, std::string(dir) + "/mount_args");
  }
}

}  // namespace
}  // namespace loopfs::nfsd
