#include "layers/automount/entry_table.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace loopfs::automount {

using Clock = std::chrono::steady_clock;

struct EntryState {
  uint64_t key_id = 0;
  std::string key;
  std::optional<MapEntry> resolved;
  AttachedEntry attached;  // layer is null while not attached
  // Bumped whenever the entry is refreshed or removed, so a job that was running then drops
  // its result instead of installing a stack for an entry that changed meanwhile.
  uint64_t generation = 0;
  bool removed = false;  // left the table (not in the map): waiters answer NOENT

  bool job_running = false;
  Clock::time_point job_started;

  std::optional<Clock::time_point> down_until;
  Status down_status;
  std::chrono::milliseconds backoff{0};

  uint32_t in_flight = 0;
  bool uncommitted = false;
  Clock::time_point last_use;
  std::optional<std::chrono::system_clock::time_point> attach_time, last_use_wall;
  std::string last_error;
  uint64_t attaches = 0;
};

std::string_view EntryStateName(EntryStatus::State state) {
  switch (state) {
    case EntryStatus::State::kIdle:
      return "idle";
    case EntryStatus::State::kAttaching:
      return "attaching";
    case EntryStatus::State::kAttached:
      return "attached";
    case EntryStatus::State::kDown:
      return "down";
  }
  return "?";
}

EntryTable::Lease& EntryTable::Lease::operator=(Lease&& o) noexcept {
  if (this != &o) {
    Release();
    table_ = std::exchange(o.table_, nullptr);
    state_ = std::move(o.state_);
    attached_ = std::move(o.attached_);
  }
  return *this;
}

void EntryTable::Lease::Release() {
  if (table_ == nullptr) return;
  {
    std::lock_guard lock(table_->mutex_);
    state_->in_flight--;
    state_->last_use = Clock::now();
    state_->last_use_wall = std::chrono::system_clock::now();
  }
  table_ = nullptr;
  state_.reset();
  attached_ = {};
}

void EntryTable::Lease::NoteUnstableWrite() {
  if (table_ == nullptr) return;
  std::lock_guard lock(table_->mutex_);
  state_->uncommitted = true;
}

void EntryTable::Lease::NoteCommit() {
  if (table_ == nullptr) return;
  std::lock_guard lock(table_->mutex_);
  state_->uncommitted = false;
}

EntryTable::EntryTable(EntryTableOptions options, Hooks hooks)
    : options_(options), hooks_(std::move(hooks)) {}

EntryTable::~EntryTable() {
  std::vector<std::thread> jobs;
  {
    std::lock_guard lock(mutex_);
    jobs.swap(jobs_);
  }
  for (std::thread& t : jobs) t.join();
}

std::shared_ptr<EntryState> EntryTable::Get(uint64_t key_id, const std::string& key) {
  auto& slot = entries_[key_id];
  if (!slot) {
    slot = std::make_shared<EntryState>();
    slot->key_id = key_id;
    slot->key = key;
  }
  return slot;
}

void EntryTable::MarkDown(EntryState& e, loopfs::Status status, std::string error) {
  e.backoff =
      e.backoff.count() == 0 ? options_.backoff_min : std::min(e.backoff * 2, options_.backoff_max);
  e.down_until = Clock::now() + e.backoff;
  e.down_status = status;
  spdlog::warn("automount: {} is down for {} ms: {}", e.key, e.backoff.count(), error);
  e.last_error = std::move(error);
}

loopfs::Status EntryTable::Wait(std::unique_lock<std::mutex>& lock,
                                const std::shared_ptr<EntryState>& e, bool attach,
                                const RequestContext& ctx) {
  const Clock::time_point bound = std::min(ctx.deadline, Clock::now() + options_.attach_timeout);
  for (;;) {
    if (e->removed) return Nfsstat3::kNoent;
    if (e->resolved && (!attach || e->attached.layer)) return loopfs::Status::Ok();
    const Clock::time_point now = Clock::now();
    if (e->down_until && now < *e->down_until) return e->down_status;
    if (e->job_running) {
      // A job past the bound: the caller that started it has been answered IO already;
      // everyone else fails fast until it ends.
      if (now - e->job_started >= options_.attach_timeout) return Nfsstat3::kIo;
    } else {
      // Reap the threads of jobs that ended (they no longer touch the lock).
      for (std::thread::id id : finished_jobs_) {
        auto it = std::find_if(jobs_.begin(), jobs_.end(),
                               [id](const std::thread& t) { return t.get_id() == id; });
        if (it != jobs_.end()) {
          it->join();
          jobs_.erase(it);
        }
      }
      finished_jobs_.clear();
      e->job_running = true;
      e->job_started = now;
      jobs_.emplace_back(&EntryTable::RunJob, this, e, attach, ctx.cred);
    }
    if (now >= bound) {
      spdlog::warn(
          "automount: {} is not ready within the wait allowed (attach timeout {} ms or the "
          "client's deadline); answering NFS3ERR_IO while it goes on",
          e->key, options_.attach_timeout.count());
      return Nfsstat3::kIo;
    }
    // Wake at the bound, or when a job someone else started passes the attach timeout
    // (then this caller fails fast like any later one).
    Clock::time_point wake = bound;
    if (e->job_running) wake = std::min(wake, e->job_started + options_.attach_timeout);
    changed_.wait_until(lock, wake);
  }
}

void EntryTable::RunJob(const std::shared_ptr<EntryState>& e, bool attach, Credentials cred) {
  std::optional<MapEntry> entry;
  uint64_t generation = 0;
  {
    std::lock_guard lock(mutex_);
    entry = e->resolved;
    generation = e->generation;
  }
  std::optional<LookupResult> answer;
  if (!entry) {
    answer = hooks_.resolve(e->key, cred);
    if (answer->found()) entry = answer->entry();
  }
  AttachedEntry attached;
  loopfs::Status status = Nfsstat3::kIo;
  std::string error;
  if (entry && attach) {
    std::unique_ptr<Layer> layer = hooks_.attach(*entry, &status, &error);
    if (layer) {
      RequestContext root_ctx;
      Attr attr;
      loopfs::Status st = layer->Root(root_ctx, &attached.inner_root);
      if (st.ok()) st = layer->GetAttr(root_ctx, attached.inner_root, &attr);
      if (st.ok()) {
        attached.layer = std::move(layer);
        attached.inner_root_fileid = attr.fileid;
        attached.read_only = entry->read_only;
      } else {
        status = st;
        error = fmt::format("the root of {} answers {}", entry->path, StatusName(st));
      }
    }
  }
  std::unique_lock lock(mutex_);
  if (generation == e->generation && !e->removed) {
    if (!entry) {
      if (answer->kind() == LookupResult::Kind::kNotFound) {
        e->removed = true;
        auto it = entries_.find(e->key_id);
        if (it != entries_.end() && it->second == e) entries_.erase(it);
      } else {
        MarkDown(*e, Nfsstat3::kIo, "map: " + answer->message());
      }
    } else {
      e->resolved = entry;
      if (attach) {
        if (attached.layer) {
          e->attached = attached;
          e->attaches++;
          e->attach_time = std::chrono::system_clock::now();
          e->last_use = Clock::now();
          e->last_use_wall = e->attach_time;
          e->uncommitted = false;
          e->backoff = std::chrono::milliseconds(0);
          e->down_until.reset();
          e->last_error.clear();
          spdlog::info("automount: attached {} ({} {})", e->key, FsTypeName(entry->fstype),
                       entry->path);
        } else {
          MarkDown(*e, status, std::move(error));
        }
      }
    }
  }
  e->job_running = false;
  finished_jobs_.push_back(std::this_thread::get_id());
  changed_.notify_all();
  lock.unlock();
  // A stack built for an entry that changed meanwhile is destroyed here, unlocked.
  attached = {};
}

loopfs::Status EntryTable::Resolve(uint64_t key_id, const std::string& key,
                                   const RequestContext& ctx, MapEntry* entry) {
  std::unique_lock lock(mutex_);
  std::shared_ptr<EntryState> e = Get(key_id, key);
  loopfs::Status st = Wait(lock, e, /*attach=*/false, ctx);
  if (st.ok()) *entry = *e->resolved;
  return st;
}

loopfs::Status EntryTable::Acquire(uint64_t key_id, const std::string& key,
                                   const RequestContext& ctx, Lease* lease) {
  std::unique_lock lock(mutex_);
  std::shared_ptr<EntryState> e = Get(key_id, key);
  loopfs::Status st = Wait(lock, e, /*attach=*/true, ctx);
  if (!st.ok()) return st;
  e->in_flight++;
  lock.unlock();
  *lease = Lease();
  lease->table_ = this;
  lease->attached_ = e->attached;
  lease->state_ = std::move(e);
  return st;
}

bool EntryTable::TryAcquire(uint64_t key_id, Lease* lease) {
  std::unique_lock lock(mutex_);
  auto it = entries_.find(key_id);
  if (it == entries_.end() || !it->second->attached.layer) return false;
  std::shared_ptr<EntryState> e = it->second;
  e->in_flight++;
  AttachedEntry attached = e->attached;
  lock.unlock();
  *lease = Lease();
  lease->table_ = this;
  lease->attached_ = std::move(attached);
  lease->state_ = std::move(e);
  return true;
}

size_t EntryTable::DetachIdle(std::chrono::milliseconds idle) {
  std::vector<AttachedEntry> detached;
  {
    std::lock_guard lock(mutex_);
    const Clock::time_point now = Clock::now();
    for (auto& [id, e] : entries_) {
      if (!e->attached.layer || e->in_flight > 0 || e->job_running) continue;
      if (now - e->last_use < (e->uncommitted ? 2 * idle : idle)) continue;
      spdlog::info("automount: detaching {} (idle)", e->key);
      detached.push_back(std::exchange(e->attached, {}));
      e->uncommitted = false;
    }
  }
  return detached.size();  // the stacks are destroyed here, unlocked
}

void EntryTable::Reconcile(
    const std::function<Verdict(const std::string&, const std::optional<MapEntry>&, bool)>&
        decide) {
  std::vector<AttachedEntry> detached;
  {
    std::lock_guard lock(mutex_);
    for (auto it = entries_.begin(); it != entries_.end();) {
      EntryState& e = *it->second;
      Verdict v = decide(e.key, e.resolved, e.attached.layer != nullptr);
      if (v == Verdict::kKeep) {
        ++it;
        continue;
      }
      e.generation++;
      e.resolved.reset();
      e.down_until.reset();
      e.backoff = std::chrono::milliseconds(0);
      if (e.attached.layer) detached.push_back(std::exchange(e.attached, {}));
      if (v == Verdict::kRemove) {
        e.removed = true;
        it = entries_.erase(it);
      } else {
        ++it;
      }
    }
    changed_.notify_all();
  }
}

std::vector<EntryStatus> EntryTable::Snapshot() const {
  std::lock_guard lock(mutex_);
  std::vector<EntryStatus> out;
  const Clock::time_point now = Clock::now();
  for (const auto& [id, e] : entries_) {
    EntryStatus s;
    s.key = e->key;
    if (e->job_running) {
      s.state = EntryStatus::State::kAttaching;
    } else if (e->attached.layer) {
      s.state = EntryStatus::State::kAttached;
    } else if (e->down_until && now < *e->down_until) {
      s.state = EntryStatus::State::kDown;
    }
    if (e->resolved) s.fstype = std::string(FsTypeName(e->resolved->fstype));
    s.attach_time = e->attach_time;
    s.last_use = e->last_use_wall;
    s.last_error = e->last_error;
    s.attaches = e->attaches;
    s.in_flight = e->in_flight;
    out.push_back(std::move(s));
  }
  std::sort(out.begin(), out.end(),
            [](const EntryStatus& a, const EntryStatus& b) { return a.key < b.key; });
  return out;
}

}  // namespace loopfs::automount
