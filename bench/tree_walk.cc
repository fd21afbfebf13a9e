#include "bench/tree_walk.h"

#include <cstring>
#include <deque>
#include <string_view>
#include <vector>

#include "bench/readdirplus_entries.h"

namespace loopfs::bench {
namespace {

// A directory being listed: listings resume from the cookie of the last reply.
struct Listing {
  FileHandle dir;
  uint64_t cookie = 0;
  char verifier[NFS3_COOKIEVERFSIZE] = {};
};

// An entry waiting for its LOOKUP (and then GETATTR).
struct Entry {
  FileHandle dir;
  std::string name;
};

class Walker {
 public:
  Walker(NfsSession& session, const WalkOptions& options, WalkStats* stats)
      : session_(session), options_(options), stats_(stats) {
    const size_t connections = session.client().size();
    slots_.resize(connections * static_cast<size_t>(options.depth > 0 ? options.depth : 1));
    for (size_t i = 0; i < slots_.size(); ++i) {
      slots_[i].walker = this;
      slots_[i].connection = i % connections;
    }
  }

  bool Run(const FileHandle& top, std::string* error) {
    listings_.push_back(Listing{top});
    const auto start = Clock::now();
    DispatchIdle();
    const bool finished = session_.client().RunUntil(
        [&] { return (in_flight_ == 0 && !HasWork()) || !failure_.empty(); },
        start + options_.time_limit, error);
    stats_->seconds = std::chrono::duration<double>(Clock::now() - start).count();
    if (!finished) {
      session_.client().Abandon();
      if (error->find("timed out") != std::string::npos) *error = "walk exceeded its time limit";
      return false;
    }
    if (!failure_.empty()) {
      session_.client().Abandon();  // fail the calls still in flight while slots exist
      *error = failure_;
      return false;
    }
    return true;
  }

 private:
  enum class Step { kIdle, kReaddirplus, kLookup, kGetattr };

  struct Slot {
    Walker* walker = nullptr;
    size_t connection = 0;
    Step step = Step::kIdle;
    Listing listing;
    Entry entry;
    FileHandle object;
  };

  // Entries queue up faster than they are stat'ed; stop opening directories past this.
  static constexpr size_t kMaxQueuedEntries = 8192;

  bool HasWork() const { return !entries_.empty() || !listings_.empty(); }

  static void OnReply(rpc_context* /*rpc*/, int status, void* data, void* private_data) {
    auto* slot = static_cast<Slot*>(private_data);
    slot->walker->HandleReply(*slot, status, data);
  }

  void DispatchIdle() {
    for (Slot& slot : slots_) {
      if (slot.step == Step::kIdle && !Dispatch(slot)) break;
    }
  }

  // Gives an idle slot its next call; false when there is nothing to do.
  bool Dispatch(Slot& slot) {
    if (!failure_.empty()) return false;
    rpc_context* rpc = session_.client().context(slot.connection);
    int queued = -1;
    // Keep a listing going while the entry queue runs low, so slots do not wait on it.
    const bool list_next =
        !listings_.empty() && (entries_.empty() || entries_.size() < 2 * slots_.size());
    if (!list_next && !entries_.empty()) {
      slot.entry = std::move(entries_.front());
      entries_.pop_front();
      slot.step = Step::kLookup;
      LOOKUP3args args{};
      args.what.dir = slot.entry.dir.AsArgument();
      args.what.name = slot.entry.name.data();
      queued = rpc_nfs3_lookup_async(rpc, OnReply, &args, &slot);
    } else if (list_next) {
      slot.listing = listings_.front();
      listings_.pop_front();
      slot.step = Step::kReaddirplus;
      READDIRPLUS3args args{};
      args.dir = slot.listing.dir.AsArgument();
      args.cookie = slot.listing.cookie;
      std::memcpy(args.cookieverf, slot.listing.verifier, sizeof(args.cookieverf));
      args.dircount = options_.dircount;
      args.maxcount = options_.maxcount;
      queued = rpc_nfs3_readdirplus_async(rpc, OnReply, &args, &slot);
    } else {
      slot.step = Step::kIdle;
      return false;
    }
    if (queued != 0) {
      failure_ = std::string("cannot queue call: ") + rpc_get_error(rpc);
      slot.step = Step::kIdle;
      return false;
    }
    ++in_flight_;
    return true;
  }

  void HandleReply(Slot& slot, int status, void* data) {
    --in_flight_;
    ++stats_->calls;
    if (status != RPC_STATUS_SUCCESS) {
      if (failure_.empty()) {
        failure_ = status == RPC_STATUS_ERROR && data != nullptr
                       ? std::string("rpc failed: ") + static_cast<const char*>(data)
                       : std::string("rpc cancelled or timed out");
      }
      slot.step = Step::kIdle;
      return;
    }
    switch (slot.step) {
      case Step::kReaddirplus:
        OnListing(slot, *static_cast<READDIRPLUS3res*>(data));
        break;
      case Step::kLookup:
        if (OnLookup(slot, *static_cast<LOOKUP3res*>(data))) return;  // GETATTR queued
        break;
      case Step::kGetattr:
        OnGetattr(slot, *static_cast<GETATTR3res*>(data));
        break;
      case Step::kIdle:
        break;
    }
    slot.step = Step::kIdle;
    // A listing may have produced work for slots that had none.
    if (Dispatch(slot)) DispatchIdle();
  }

  void OnListing(Slot& slot, const READDIRPLUS3res& res) {
    if (res.status != NFS3_OK) {
      ++stats_->errors;
      return;  // give up on this directory
    }
    const READDIRPLUS3resok& ok = res.READDIRPLUS3res_u.resok;
    Listing next = slot.listing;
    std::memcpy(next.verifier, ok.cookieverf, sizeof(next.verifier));
    bool progressed = false;
    ForEachEntry(ok.reply.entries, [&](const entryplus3& e) {
      next.cookie = e.cookie;
      progressed = true;
      const std::string_view name = e.name != nullptr ? e.name : "";
      if (name.empty() || name == "." || name == "..") return;
      ++stats_->entries;
      entries_.push_back(Entry{slot.listing.dir, std::string(name)});
    });
    if (ok.reply.eof) {
      ++stats_->directories;
    } else if (progressed) {
      // Resume this directory once the queued entries are worked down.
      if (entries_.size() < kMaxQueuedEntries) {
        listings_.push_front(next);
      } else {
        listings_.push_back(next);
      }
    } else {
      ++stats_->errors;  // neither entries nor EOF: the listing cannot make progress
    }
  }

  bool OnLookup(Slot& slot, const LOOKUP3res& res) {
    if (res.status != NFS3_OK || !slot.object.Assign(res.LOOKUP3res_u.resok.object)) {
      ++stats_->errors;
      return false;
    }
    slot.step = Step::kGetattr;
    rpc_context* rpc = session_.client().context(slot.connection);
    GETATTR3args args{};
    args.object = slot.object.AsArgument();
    if (rpc_nfs3_getattr_async(rpc, OnReply, &args, &slot) != 0) {
      failure_ = std::string("cannot queue call: ") + rpc_get_error(rpc);
      return false;
    }
    ++in_flight_;
    return true;
  }

  void OnGetattr(Slot& slot, const GETATTR3res& res) {
    if (res.status != NFS3_OK) {
      ++stats_->errors;
      return;
    }
    if (res.GETATTR3res_u.resok.obj_attributes.type == NF3DIR) {
      listings_.push_back(Listing{slot.object});
    }
  }

  NfsSession& session_;
  const WalkOptions& options_;
  WalkStats* stats_;
  std::vector<Slot> slots_;
  std::deque<Listing> listings_;
  std::deque<Entry> entries_;
  size_t in_flight_ = 0;
  std::string failure_;
};

}  // namespace

bool WalkTree(NfsSession& session, const FileHandle& top, const WalkOptions& options,
              WalkStats* stats, std::string* error) {
  *stats = WalkStats();
  if (session.client().size() == 0) {
    *error = "no connections";
    return false;
  }
  Walker walker(session, options, stats);
  return walker.Run(top, error);
}

}  // namespace loopfs::bench
