// A server with several exports of temporary directories, and short-hands
// for the NFSv3 procedures the tests use to set things up.
#pragma once

#include <sys/stat.h>

#include <cstring>
#include <string>
#include <vector>

#include "tests/unit/nfsd/nfsd_test_env.h"

namespace loopfs::nfsd::testing {

// Parameterised by the base layer: "memory" (always) and "posix" (skipped
// when the posix layer cannot serve the temporary directory here).
class Nfs3Fixture : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    const std::string base = GetParam();
    for (const char* d : {"/ro", "/open", "/squash", "/fault", "/noattr", "/eio"}) {
      ASSERT_EQ(mkdir((dir_.path() + d).c_str(), 0755), 0);
    }
    ExportOptions root_ok;
    root_ok.root_squash = false;
    ExportOptions ro = root_ok;
    ro.read_only = true;
    ExportOptions open = root_ok;
    open.insecure = true;
    // The squashed export's root is world-writable, so squashed users can
    // create in it.
    ASSERT_EQ(chmod((dir_.path() + "/squash").c_str(), 0777), 0);
    std::vector<ExportConfig> configs = {
        BaseExport(base, "/", dir_.path(), root_ok),
        BaseExport(base, "/ro", dir_.path() + "/ro", ro),
        BaseExport(base, "/open", dir_.path() + "/open", open),
        BaseExport(base, "/squash", dir_.path() + "/squash", {},
                   base == "memory" ? std::map<std::string, std::string>{{"root_mode", "777"}}
                                    : std::map<std::string, std::string>{}),
    };
    ExportConfig fault = BaseExport(base, "/fault", dir_.path() + "/fault", root_ok);
    fault.layers.insert(fault.layers.begin(),
                        LayerParams("fault", {{"getattr_status", "9999"}}, "test"));
    configs.push_back(fault);
    ExportConfig noattr = BaseExport(base, "/noattr", dir_.path() + "/noattr", root_ok);
    noattr.layers.insert(noattr.layers.begin(),
                         LayerParams("fault", {{"read_without_attr", "1"}}, "test"));
    configs.push_back(noattr);
    ExportConfig eio = BaseExport(base, "/eio", dir_.path() + "/eio", root_ok);
    eio.layers.insert(
        eio.layers.begin(),
        LayerParams("fault", {{"write_status", "5"}, {"commit_status", "5"}}, "test"));
    configs.push_back(eio);
    if (base == "posix") {
      // Probe first, so an unusable posix layer skips rather than fails.
      TestRegistry probe;
      std::string err;
      if (!ExportTable::Build({configs[0]}, probe.get(), &err)) {
        GTEST_SKIP() << "posix layer unavailable here: " << err;
      }
    }
    server_ = std::make_unique<Server>(configs);
    root_ = server_->Mount("/");
    ASSERT_FALSE(root_.empty());
  }

  Server& s() { return *server_; }

  nfsstat3 Lookup(std::vector<uint8_t>& dir, std::string name, std::vector<uint8_t>* out = nullptr,
                  const Caller& who = {}) {
    LOOKUP3args a{{Fh(dir), Fname(name)}};
    Decoded<LOOKUP3res, xdr_LOOKUP3res> r;
    EXPECT_EQ(s().Nfs(NFSPROC3_LOOKUP, xdr_LOOKUP3args, &a, xdr_LOOKUP3res, r.get(), who),
              rpc::DispatchStatus::kSuccess);
    if (r->status == NFS3_OK && out != nullptr) *out = FhBytes(r->LOOKUP3res_u.resok.object);
    return r->status;
  }

  nfsstat3 Create(std::vector<uint8_t>& dir, std::string name, std::vector<uint8_t>* out = nullptr,
                  createmode3 mode = GUARDED, const Caller& who = {}, const char* verf = nullptr) {
    CREATE3args a{};
    a.where = {Fh(dir), Fname(name)};
    a.how.mode = mode;
    if (mode == EXCLUSIVE) {
      std::memcpy(a.how.createhow3_u.verf, verf, 8);
    } else {
      a.how.createhow3_u.obj_attributes.mode.set_it = TRUE;
      a.how.createhow3_u.obj_attributes.mode.set_mode3_u.mode = 0644;
    }
    Decoded<CREATE3res, xdr_CREATE3res> r;
    EXPECT_EQ(s().Nfs(NFSPROC3_CREATE, xdr_CREATE3args, &a, xdr_CREATE3res, r.get(), who),
              rpc::DispatchStatus::kSuccess);
    if (r->status == NFS3_OK && out != nullptr) {
      EXPECT_TRUE(r->CREATE3res_u.resok.obj.handle_follows);
      *out = FhBytes(r->CREATE3res_u.resok.obj.post_op_fh3_u.handle);
    }
    return r->status;
  }

  nfsstat3 MkDir(std::vector<uint8_t>& dir, std::string name, std::vector<uint8_t>* out = nullptr,
                 const Caller& who = {}) {
    MKDIR3args a{};
    a.where = {Fh(dir), Fname(name)};
    a.attributes.mode.set_it = TRUE;
    a.attributes.mode.set_mode3_u.mode = 0755;
    Decoded<MKDIR3res, xdr_MKDIR3res> r;
    EXPECT_EQ(s().Nfs(NFSPROC3_MKDIR, xdr_MKDIR3args, &a, xdr_MKDIR3res, r.get(), who),
              rpc::DispatchStatus::kSuccess);
    if (r->status == NFS3_OK && out != nullptr) {
      *out = FhBytes(r->MKDIR3res_u.resok.obj.post_op_fh3_u.handle);
    }
    return r->status;
  }

  nfsstat3 Write(std::vector<uint8_t>& fh, uint64_t offset, const std::string& data,
                 stable_how stable = FILE_SYNC, WriteVerf* verf = nullptr) {
    WRITE3args a{};
    a.file = Fh(fh);
    a.offset = offset;
    a.count = static_cast<count3>(data.size());
    a.stable = stable;
    a.data.data_len = static_cast<u_int>(data.size());
    a.data.data_val = const_cast<char*>(data.data());
    Decoded<WRITE3res, xdr_WRITE3res> r;
    EXPECT_EQ(s().Nfs(NFSPROC3_WRITE, xdr_WRITE3args, &a, xdr_WRITE3res, r.get()),
              rpc::DispatchStatus::kSuccess);
    if (r->status == NFS3_OK) {
      EXPECT_EQ(r->WRITE3res_u.resok.count, data.size());
      EXPECT_GE(r->WRITE3res_u.resok.committed, stable);
      if (verf != nullptr) std::memcpy(verf->data(), r->WRITE3res_u.resok.verf, 8);
    }
    return r->status;
  }

  nfsstat3 GetAttr(std::vector<uint8_t>& fh, fattr3* out = nullptr, const Caller& who = {}) {
    GETATTR3args a{Fh(fh)};
    Decoded<GETATTR3res, xdr_GETATTR3res> r;
    EXPECT_EQ(s().Nfs(NFSPROC3_GETATTR, xdr_GETATTR3args, &a, xdr_GETATTR3res, r.get(), who),
              rpc::DispatchStatus::kSuccess);
    if (r->status == NFS3_OK && out != nullptr) *out = r->GETATTR3res_u.resok.obj_attributes;
    return r->status;
  }

  TempDir dir_;
  std::unique_ptr<Server> server_;
  std::vector<uint8_t> root_;
};

inline std::string LayerName(const ::testing::TestParamInfo<std::string>& param) {
  return param.param;
}

#define LOOPFS_NFSD_INSTANTIATE(suite)                                          \
  INSTANTIATE_TEST_SUITE_P(Layers, suite, ::testing::Values("memory", "posix"), \
                           ::loopfs::nfsd::testing::LayerName)

}  // namespace loopfs::nfsd::testing
