// A scratch tree for automount layer tests: backing directories, a map, a state directory,
// and helpers that drive the layer through the Layer API (no NFS involved).
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "layers/automount/automount_layer.h"
#include "tests/unit/automount/temp_dir.h"

namespace loopfs::automount::testing {

// Collects a listing.
class CollectSink final : public DirSink {
 public:
  struct Item {
    std::string name;
    uint64_t fileid;
    uint64_t cookie;
    std::optional<NodeHandle> handle;
  };
  bool Add(const DirEntry& e) override {
    items.push_back({std::string(e.name), e.fileid, e.cookie, e.handle});
    return items.size() < limit;
  }
  std::vector<std::string> Names() const {
    std::vector<std::string> names;
    for (const Item& i : items) names.push_back(i.name);
    return names;
  }
  std::vector<Item> items;
  size_t limit = SIZE_MAX;
};

class AutomountTest : public ::testing::Test {
 protected:
  AutomountTest() {
    dir_.Write("srv/a/hello.txt", "hello from a");
    dir_.Write("srv/b/other.txt", "from b");
    dir_.Write("srv/wild/w1/wild.txt", "wild one");
    std::filesystem::create_directories(dir_.path() + "/state");
  }

  std::string Srv(const std::string& sub) const { return dir_.path() + "/srv/" + sub; }
  std::string WriteMap(const std::string& text) { return dir_.Write("auto.map", text); }
  std::string DefaultMap() {
    return WriteMap("a :" + Srv("a") + "\nb :" + Srv("b") + "\n* :" + Srv("wild") + "/&\n");
  }

  AutomountOptions Options() {
    AutomountOptions o;
    o.map = dir_.path() + "/auto.map";
    o.state = dir_.path() + "/state";
    o.watch = false;
    o.idle = std::chrono::minutes(10);
    o.table.backoff_min = std::chrono::milliseconds(100);
    o.table.backoff_max = std::chrono::milliseconds(400);
    o.load.loopfs_mount_points = {"/nonexistent-loopfs-mount"};
    return o;
  }

  std::unique_ptr<AutomountLayer> Open(AutomountOptions o) {
    std::string error;
    auto layer = AutomountLayer::Open(std::move(o), &error);
    EXPECT_TRUE(layer) << error;
    return layer;
  }

  Status LookupIn(Layer& l, const NodeHandle& dir, std::string_view name, NodeHandle* out,
                  Attr* attr = nullptr) {
    LookupRes res;
    Status st = l.Lookup(ctx_, dir, name, &res);
    if (st.ok()) {
      *out = res.handle;
      if (attr && res.attr) *attr = *res.attr;
    }
    return st;
  }
  NodeHandle RootOf(Layer& l) {
    NodeHandle root;
    EXPECT_TRUE(l.Root(ctx_, &root).ok());
    return root;
  }
  // Looks a path up from the root, "a/hello.txt"; an empty handle if any step fails.
  NodeHandle Walk(Layer& l, const std::string& path) {
    NodeHandle h = RootOf(l);
    for (const auto& part : std::filesystem::path(path)) {
      NodeHandle next;
      Status st = LookupIn(l, h, part.string(), &next);
      if (!st.ok()) {
        ADD_FAILURE() << "lookup " << part << " in " << path << ": " << StatusName(st);
        return {};
      }
      h = next;
    }
    return h;
  }
  Status List(Layer& l, const NodeHandle& dir, std::vector<std::string>* names) {
    CollectSink sink;
    ReadDirRes res;
    Status st = l.ReadDir(ctx_, dir, 0, CookieVerifier{}, false, sink, &res);
    *names = sink.Names();
    return st;
  }
  std::string ReadAll(Layer& l, const NodeHandle& fh) {
    std::vector<uint8_t> buf(4096);
    ReadRes res;
    Status st = l.Read(ctx_, fh, 0, buf, &res);
    if (!st.ok()) return "<" + std::string(StatusName(st)) + ">";
    return std::string(buf.begin(), buf.begin() + res.count);
  }
  static std::optional<EntryStatus> StatusOf(const AutomountLayer& l, const std::string& key) {
    for (const EntryStatus& s : l.Status()) {
      if (s.key == key) return s;
    }
    return std::nullopt;
  }
  static uint64_t Attaches(const AutomountLayer& l, const std::string& key) {
    auto s = StatusOf(l, key);
    return s ? s->attaches : 0;
  }
  // Polls `pred` every 10 ms for up to `limit`.
  template <typename Pred>
  static bool Eventually(Pred pred, std::chrono::milliseconds limit = std::chrono::seconds(5)) {
    auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
      if (pred()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return pred();
  }

  TempDir dir_;
  RequestContext ctx_;
};

}  // namespace loopfs::automount::testing
