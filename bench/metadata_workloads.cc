// GETATTR, LOOKUP and ACCESS: small calls whose cost is almost all RPC and dispatch overhead.
#include <utility>

#include "bench/workloads.h"

namespace loopfs::bench {
namespace {

class GetattrWorkload final : public Workload {
 public:
  explicit GetattrWorkload(std::vector<FileHandle> objects) : objects_(std::move(objects)) {}

  std::vector<std::string> CallKinds() const override { return {"GETATTR"}; }

  int Issue(rpc_context* rpc, size_t /*slot*/, rpc_cb callback, void* private_data) override {
    GETATTR3args args{};
    args.object = objects_[next_++ % objects_.size()].AsArgument();
    return rpc_nfs3_getattr_async(rpc, callback, &args, private_data);
  }

  CallOutcome Complete(size_t /*slot*/, void* reply) override {
    const auto* res = static_cast<GETATTR3res*>(reply);
    return CallOutcome{.call_kind = 0, .ok = res->status == NFS3_OK, .units = 1};
  }

 private:
  std::vector<FileHandle> objects_;
  size_t next_ = 0;
};

class LookupWorkload final : public Workload {
 public:
  LookupWorkload(FileHandle dir, std::vector<std::string> names)
      : dir_(dir), names_(std::move(names)) {}

  std::vector<std::string> CallKinds() const override { return {"LOOKUP"}; }

  int Issue(rpc_context* rpc, size_t /*slot*/, rpc_cb callback, void* private_data) override {
    LOOKUP3args args{};
    args.what.dir = dir_.AsArgument();
    args.what.name = names_[next_++ % names_.size()].data();
    return rpc_nfs3_lookup_async(rpc, callback, &args, private_data);
  }

  CallOutcome Complete(size_t /*slot*/, void* reply) override {
    const auto* res = static_cast<LOOKUP3res*>(reply);
    return CallOutcome{.call_kind = 0, .ok = res->status == NFS3_OK, .units = 1};
  }

 private:
  FileHandle dir_;
  std::vector<std::string> names_;
  size_t next_ = 0;
};

class AccessWorkload final : public Workload {
 public:
  explicit AccessWorkload(std::vector<FileHandle> objects) : objects_(std::move(objects)) {}

  std::vector<std::string> CallKinds() const override { return {"ACCESS"}; }

  int Issue(rpc_context* rpc, size_t /*slot*/, rpc_cb callback, void* private_data) override {
    ACCESS3args args{};
    args.object = objects_[next_++ % objects_.size()].AsArgument();
    args.access = ACCESS3_READ | ACCESS3_LOOKUP | ACCESS3_MODIFY | ACCESS3_EXTEND |
                  ACCESS3_DELETE | ACCESS3_EXECUTE;
    return rpc_nfs3_access_async(rpc, callback, &args, private_data);
  }

  CallOutcome Complete(size_t /*slot*/, void* reply) override {
    const auto* res = static_cast<ACCESS3res*>(reply);
    return CallOutcome{.call_kind = 0, .ok = res->status == NFS3_OK, .units = 1};
  }

 private:
  std::vector<FileHandle> objects_;
  size_t next_ = 0;
};

}  // namespace

std::unique_ptr<Workload> MakeGetattrWorkload(std::vector<FileHandle> objects) {
  return std::make_unique<GetattrWorkload>(std::move(objects));
}

std::unique_ptr<Workload> MakeLookupWorkload(FileHandle dir, std::vector<std::string> names) {
  return std::make_unique<LookupWorkload>(dir, std::move(names));
}

std::unique_ptr<Workload> MakeAccessWorkload(std::vector<FileHandle> objects) {
  return std::make_unique<AccessWorkload>(std::move(objects));
}

}  // namespace loopfs::bench
