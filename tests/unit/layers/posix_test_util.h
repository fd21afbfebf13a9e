// Shared fixtures for the posix layer's tests: a temporary export root, a
// layer over it, and helpers that keep each test about its subject.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "layers/posix/posix_layer.h"

namespace loopfs::testing {

// Tests that resolve handles (CAP_DAC_READ_SEARCH) or switch to other users
// need root; elsewhere they skip.
#define LOOPFS_SKIP_UNLESS_ROOT()                                                   \
  do {                                                                              \
    if (geteuid() != 0) GTEST_SKIP() << "needs root (CAP_DAC_READ_SEARCH, setfsuid)"; \
  } while (0)

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/loopfs-layers-XXXXXX";
    char* p = mkdtemp(tmpl);
    if (p != nullptr) path_ = p;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline RequestContext Ctx(uint32_t uid = 0, uint32_t gid = 0,
                          std::vector<uint32_t> groups = {}) {
  RequestContext ctx;
  ctx.cred.uid = uid;
  ctx.cred.gid = gid;
  ctx.cred.ngroups = static_cast<uint32_t>(groups.size());
  for (size_t i = 0; i < groups.size() && i < kMaxGroups; ++i) ctx.cred.groups[i] = groups[i];
  return ctx;
}

struct SeenEntry {
  std::string name;
  uint64_t cookie = 0;
  uint64_t fileid = 0;
  std::optional<NodeHandle> handle;
  std::optional<Attr> attr;
};

// Accepts up to limit entries per call, keeping copies.
class VectorSink : public DirSink {
 public:
  explicit VectorSink(size_t limit = SIZE_MAX) : limit_(limit) {}
  bool Add(const DirEntry& e) override {
    if (entries.size() >= limit_) return false;
    entries.push_back({std::string(e.name), e.cookie, e.fileid, e.handle, e.attr});
    return true;
  }
  std::vector<SeenEntry> entries;

 private:
  size_t limit_;
};

class PosixLayerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    LOOPFS_SKIP_UNLESS_ROOT();
    ASSERT_FALSE(dir_.path().empty());
    layer_ = Open();
    ASSERT_NE(layer_, nullptr);
    ASSERT_TRUE(layer_->Root(root_ctx_, &root_).ok());
  }

  std::unique_ptr<posix::PosixLayer> Open(std::optional<posix::CookieScheme> cookies = {}) {
    posix::PosixOptions options;
    options.root = dir_.path();
    options.cookies = cookies;
    std::string error;
    auto layer = posix::PosixLayer::Open(options, &error);
    EXPECT_NE(layer, nullptr) << error;
    return layer;
  }

  NodeHandle Lookup(const NodeHandle& dir, std::string_view name,
                    const RequestContext& ctx = RequestContext()) {
    LookupRes res;
    Status s = layer_->Lookup(ctx, dir, name, &res);
    EXPECT_TRUE(s.ok()) << name << ": " << StatusName(s);
    return res.handle;
  }

  NodeHandle CreateFile(const NodeHandle& dir, std::string_view name, uint32_t mode = 0644,
                        const RequestContext& ctx = RequestContext()) {
    SetAttrArgs args;
    args.mode = mode;
    CreateRes res;
    Status s = layer_->Create(ctx, dir, name, CreateMode::kGuarded, args, {}, &res);
    EXPECT_TRUE(s.ok()) << name << ": " << StatusName(s);
    return res.handle.value_or(NodeHandle{});
  }

  NodeHandle MakeDir(const NodeHandle& dir, std::string_view name, uint32_t mode = 0755,
                     const RequestContext& ctx = RequestContext()) {
    SetAttrArgs args;
    args.mode = mode;
    CreateRes res;
    Status s = layer_->MkDir(ctx, dir, name, args, &res);
    EXPECT_TRUE(s.ok()) << name << ": " << StatusName(s);
    return res.handle.value_or(NodeHandle{});
  }

  Attr GetAttr(const NodeHandle& fh) {
    Attr a;
    Status s = layer_->GetAttr(root_ctx_, fh, &a);
    EXPECT_TRUE(s.ok()) << StatusName(s);
    return a;
  }

  Status WriteString(const NodeHandle& fh, uint64_t offset, std::string_view text,
                     const RequestContext& ctx = RequestContext()) {
    WriteRes res;
    return layer_->Write(ctx, fh, offset,
                         {reinterpret_cast<const uint8_t*>(text.data()), text.size()},
                         StableHow::kUnstable, &res);
  }

  std::string ReadString(const NodeHandle& fh, uint64_t offset, size_t count,
                         Status* status = nullptr, const RequestContext& ctx = RequestContext()) {
    std::vector<uint8_t> buf(count);
    ReadRes res;
    Status s = layer_->Read(ctx, fh, offset, buf, &res);
    if (status) *status = s;
    return std::string(reinterpret_cast<char*>(buf.data()), res.count);
  }

  // Lists a whole directory, limit entries per call.
  std::vector<SeenEntry> ListAll(const NodeHandle& dir, bool plus = false, size_t limit = 64) {
    std::vector<SeenEntry> all;
    uint64_t cookie = 0;
    CookieVerifier verf{};
    for (int calls = 0; calls < 1000000; ++calls) {
      VectorSink sink(limit);
      ReadDirRes res;
      Status s = layer_->ReadDir(root_ctx_, dir, cookie, verf, plus, sink, &res);
      EXPECT_TRUE(s.ok()) << StatusName(s);
      if (!s.ok()) break;
      verf = res.verifier;
      for (auto& e : sink.entries) all.push_back(e);
      if (res.eof) break;
      if (sink.entries.empty()) {
        ADD_FAILURE() << "no progress";
        break;
      }
      cookie = sink.entries.back().cookie;
    }
    return all;
  }

  TempDir dir_;
  std::unique_ptr<posix::PosixLayer> layer_;
  NodeHandle root_;
  RequestContext root_ctx_;
};

}  // namespace loopfs::testing
