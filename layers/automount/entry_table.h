// EntryTable: the automount layer's per-key state machine.
//
//   idle ──first use──▶ attaching ──ok──▶ attached ──idle, nothing in flight──▶ idle
//                           │
//                           └─fail─▶ down (until a backoff passes: 1 s doubling to 60 s)
//
// "Resolving" (asking the map) and "attaching" (building the entry's layer stack) run on a
// job thread of their own, one per key at a time, so that:
//   - a key is resolved and attached exactly once however many callers ask at once: the first
//     starts the job, the others wait on the table's condition variable;
//   - a caller never waits longer than the attach timeout (nor its own deadline): it gets
//     NFS3ERR_IO then while the job goes on, and later callers fail fast until it ends;
//   - requests for other keys are never held up: the table lock is not held while a map is
//     asked or a layer built.
// Failures mark the key down with exponential backoff, during which calls fail at once with
// the failure's status (NFS3ERR_IO, or NFS3ERR_ACCES for a vault without a key).
//
// Calls inside an entry hold a Lease: it counts the call as in flight (an entry is never
// detached under a call) and stamps the entry's last use when it ends.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "layers/automount/map_entry.h"
#include "layers/automount/map_source.h"
#include "layers/layer.h"

namespace loopfs::automount {

struct EntryState;  // one key's state (entry_table.cc)

// An attached entry: its layer stack and what the automount layer needs to translate handles
// and fileids.
struct AttachedEntry {
  std::shared_ptr<Layer> layer;
  NodeHandle inner_root;
  uint64_t inner_root_fileid = 0;
  bool read_only = false;
};

// For `loopfs automount status`.
struct EntryStatus {
  enum class State { kIdle, kAttaching, kAttached, kDown };
  std::string key;
  State state = State::kIdle;
  std::string fstype;  // empty until the map has been asked
  std::optional<std::chrono::system_clock::time_point> attach_time;
  std::optional<std::chrono::system_clock::time_point> last_use;
  std::string last_error;
  uint64_t attaches = 0;  // how many times the stack was built
  uint32_t in_flight = 0;
};
std::string_view EntryStateName(EntryStatus::State state);

struct EntryTableOptions {
  std::chrono::milliseconds attach_timeout{5000};
  std::chrono::milliseconds backoff_min{1000};
  std::chrono::milliseconds backoff_max{60000};
};

class EntryTable {
 public:
  // What the table asks of its layer.  Both are called on job threads, never under the lock.
  struct Hooks {
    // The map's answer for the key, for a caller with `cred` (the ${uid}... of the map).
    std::function<LookupResult(const std::string& key, const Credentials& cred)> resolve;
    // Builds the entry's stack.  On failure: nullptr, *status (kIo, kAcces, kNotsupp...) and
    // *error for the log and status output.
    std::function<std::unique_ptr<Layer>(const MapEntry& entry, Status* status, std::string* error)>
        attach;
  };

  class Lease {
   public:
    Lease() = default;
    Lease(Lease&& o) noexcept { *this = std::move(o); }
    Lease& operator=(Lease&& o) noexcept;
    ~Lease() { Release(); }

    const AttachedEntry& attached() const { return attached_; }
    // An UNSTABLE write keeps the entry attached until a COMMIT (or 2 x idle).
    void NoteUnstableWrite();
    void NoteCommit();

   private:
    friend class EntryTable;
    void Release();
    EntryTable* table_ = nullptr;
    std::shared_ptr<EntryState> state_;
    AttachedEntry attached_;
  };

  EntryTable(EntryTableOptions options, Hooks hooks);
  ~EntryTable();  // waits for running jobs (each bounded by the map's and attach's timeouts)
  EntryTable(const EntryTable&) = delete;
  EntryTable& operator=(const EntryTable&) = delete;

  // Asks the map about `key` without attaching; the answer is kept until Reconcile drops it,
  // so the first caller's credentials decide what ${uid} etc. stand for.  kOk with *entry,
  // kNoent, or kIo (map error, timeout, down).  Bounded by ctx.deadline and the timeout.
  Status Resolve(uint64_t key_id, const std::string& key, const RequestContext& ctx,
                 MapEntry* entry);
  // Resolves and attaches `key` and leases it for one call.
  Status Acquire(uint64_t key_id, const std::string& key, const RequestContext& ctx, Lease* lease);
  // A lease only if the key is attached right now (never attaches).
  bool TryAcquire(uint64_t key_id, Lease* lease);

  // Detaches entries unused for `idle` with nothing in flight (2 x idle with uncommitted
  // writes).  The stacks are destroyed outside the lock, before this returns.
  size_t DetachIdle(std::chrono::milliseconds idle);

  // After a map reload: `decide` says per key whether it stays as is (kKeep), must be asked
  // again and re-attached on next use (kRefresh), or has left the map (kRemove).  Detached
  // stacks are destroyed outside the lock.
  enum class Verdict { kKeep, kRefresh, kRemove };
  void Reconcile(
      const std::function<Verdict(const std::string& key, const std::optional<MapEntry>& resolved,
                                  bool attached)>& decide);

  std::vector<EntryStatus> Snapshot() const;

 private:
  std::shared_ptr<EntryState> Get(uint64_t key_id, const std::string& key);
  // Waits (lock held) until the key is resolved (and attached if `attach`), starting the job
  // if none runs.
  loopfs::Status Wait(std::unique_lock<std::mutex>& lock, const std::shared_ptr<EntryState>& e,
                      bool attach, const RequestContext& ctx);
  void RunJob(const std::shared_ptr<EntryState>& e, bool attach, Credentials cred);
  void MarkDown(EntryState& e, loopfs::Status status, std::string error);

  const EntryTableOptions options_;
  const Hooks hooks_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::map<uint64_t, std::shared_ptr<EntryState>> entries_;  // guarded by mutex_
  std::vector<std::thread> jobs_;                            // guarded by mutex_
  std::vector<std::thread::id> finished_jobs_;               // guarded by mutex_
};

}  // namespace loopfs::automount
