// CREATE+REMOVE and READDIRPLUS: calls that change or walk a directory.
#include <cstring>
#include <string_view>
#include <utility>

#include "bench/nfs_session.h"
#include "bench/readdirplus_entries.h"
#include "bench/workloads.h"

namespace loopfs::bench {
namespace {

class CreateRemoveWorkload final : public Workload {
 public:
  CreateRemoveWorkload(FileHandle dir, std::string prefix)
      : dir_(dir), prefix_(std::move(prefix)) {}

  std::vector<std::string> CallKinds() const override { return {"CREATE", "REMOVE"}; }

  void Prepare(size_t slots, size_t /*connections*/) override { slots_.resize(slots); }

  int Issue(rpc_context* rpc, size_t slot, rpc_cb callback, void* private_data) override {
    SlotState& state = slots_[slot];
    const std::string name = NameOf(slot, state.sequence);
    // libnfs encodes the arguments before returning, so `name` may die afterwards.
    char* name_arg = const_cast<char*>(name.c_str());
    if (state.created) {
      REMOVE3args args{};
      args.object.dir = dir_.AsArgument();
      args.object.name = name_arg;
      return rpc_nfs3_remove_async(rpc, callback, &args, private_data);
    }
    CREATE3args args{};
    args.where.dir = dir_.AsArgument();
    args.where.name = name_arg;
    args.how.mode = UNCHECKED;
    args.how.createhow3_u.obj_attributes.mode.set_it = 1;
    args.how.createhow3_u.obj_attributes.mode.set_mode3_u.mode = 0644;
    return rpc_nfs3_create_async(rpc, callback, &args, private_data);
  }

  CallOutcome Complete(size_t slot, void* reply) override {
    SlotState& state = slots_[slot];
    if (state.created) {
      const bool ok = static_cast<REMOVE3res*>(reply)->status == NFS3_OK;
      state.created = false;
      ++state.sequence;
      return CallOutcome{.call_kind = 1, .ok = ok, .units = ok ? 1u : 0u};
    }
    const bool ok = static_cast<CREATE3res*>(reply)->status == NFS3_OK;
    if (ok) {
      state.created = true;
    } else {
      ++state.sequence;
    }
    return CallOutcome{.call_kind = 0, .ok = ok};
  }

  int Finish(NfsSession& session, std::string* error) override {
    // Slots stopped between CREATE and REMOVE leave a file behind; clean it up.
    int calls = 0;
    for (size_t slot = 0; slot < slots_.size(); ++slot) {
      SlotState& state = slots_[slot];
      if (!state.created) continue;
      if (!session.Remove(dir_, NameOf(slot, state.sequence), error)) return -1;
      state.created = false;
      ++state.sequence;
      ++calls;
    }
    return calls;
  }

 private:
  struct SlotState {
    bool created = false;
    uint64_t sequence = 0;
  };

  std::string NameOf(size_t slot, uint64_t sequence) const {
    return prefix_ + "." + std::to_string(slot) + "." + std::to_string(sequence);
  }

  FileHandle dir_;
  std::string prefix_;
  std::vector<SlotState> slots_;
};

class ReaddirplusWorkload final : public Workload {
 public:
  ReaddirplusWorkload(FileHandle dir, uint32_t dircount, uint32_t maxcount)
      : dir_(dir), dircount_(dircount), maxcount_(maxcount) {}

  std::vector<std::string> CallKinds() const override { return {"READDIRPLUS"}; }

  void Prepare(size_t slots, size_t /*connections*/) override { listings_.resize(slots); }

  int Issue(rpc_context* rpc, size_t slot, rpc_cb callback, void* private_data) override {
    Listing& listing = listings_[slot];
    if (listing.cookie == 0) {
      listing.started = Clock::now();
      listing.entries = 0;
      std::memset(listing.verifier, 0, sizeof(listing.verifier));
    }
    READDIRPLUS3args args{};
    args.dir = dir_.AsArgument();
    args.cookie = listing.cookie;
    std::memcpy(args.cookieverf, listing.verifier, sizeof(args.cookieverf));
    args.dircount = dircount_;
    args.maxcount = maxcount_;
    return rpc_nfs3_readdirplus_async(rpc, callback, &args, private_data);
  }

  CallOutcome Complete(size_t slot, void* reply) override {
    Listing& listing = listings_[slot];
    const auto* res = static_cast<READDIRPLUS3res*>(reply);
    if (res->status != NFS3_OK) {
      listing.cookie = 0;  // start over
      return CallOutcome{};
    }
    const READDIRPLUS3resok& ok = res->READDIRPLUS3res_u.resok;
    std::memcpy(listing.verifier, ok.cookieverf, sizeof(listing.verifier));
    bool progressed = false;
    ForEachEntry(ok.reply.entries, [&](const entryplus3& e) {
      const std::string_view name = e.name != nullptr ? e.name : "";
      if (name != "." && name != "..") ++listing.entries;
      listing.cookie = e.cookie;
      progressed = true;
    });
    if (!ok.reply.eof) {
      if (progressed) return CallOutcome{.call_kind = 0, .ok = true};
      listing.cookie = 0;  // a reply with no entries and no EOF would loop forever
      return CallOutcome{};
    }
    listing_time_.Record(Clock::now() - listing.started);
    // Every full listing of an unchanging directory must see the same number of entries.
    const bool consistent = expected_entries_ == 0 || listing.entries == expected_entries_;
    if (expected_entries_ == 0) expected_entries_ = listing.entries;
    listing.cookie = 0;
    return CallOutcome{.call_kind = 0, .ok = consistent, .units = 1};
  }

  const LatencyRecorder* UnitLatency() const override { return &listing_time_; }
  void BeginRun() override {
    listing_time_.Reset();
    for (Listing& listing : listings_) listing.cookie = 0;
  }

 private:
  struct Listing {
    uint64_t cookie = 0;
    char verifier[NFS3_COOKIEVERFSIZE] = {};
    uint64_t entries = 0;
    Clock::time_point started;
  };

  FileHandle dir_;
  uint32_t dircount_;
  uint32_t maxcount_;
  std::vector<Listing> listings_;
  uint64_t expected_entries_ = 0;
  LatencyRecorder listing_time_;
};

}  // namespace

std::unique_ptr<Workload> MakeCreateRemoveWorkload(FileHandle dir, std::string prefix) {
  return std::make_unique<CreateRemoveWorkload>(dir, std::move(prefix));
}

std::unique_ptr<Workload> MakeReaddirplusWorkload(FileHandle dir, uint32_t dircount,
                                                  uint32_t maxcount) {
  return std::make_unique<ReaddirplusWorkload>(dir, dircount, maxcount);
}

}  // namespace loopfs::bench
