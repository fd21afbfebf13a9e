// The automount layer's life cycle, map handling and the automount directory itself; the
// operations inside entries are in automount_ops.cc.
#include "layers/automount/automount_layer.h"

#include <grp.h>
#include <pwd.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <ctime>

#include "layers/automount/automount_handle.h"
#include "layers/automount/mount_guard.h"
#include "layers/automount/program_map.h"

namespace loopfs::automount {

using Clock = std::chrono::steady_clock;

namespace {

LookupContext MakeLookupContext(const Credentials& cred) {
  LookupContext c;
  c.uid = cred.uid;
  c.gid = cred.gid;
  c.user = std::to_string(cred.uid);
  c.group = std::to_string(cred.gid);
  c.home = "/";
  std::array<char, 4096> buf{};
  passwd pw{};
  passwd* pwp = nullptr;
  if (getpwuid_r(cred.uid, &pw, buf.data(), buf.size(), &pwp) == 0 && pwp != nullptr) {
    c.user = pw.pw_name;
    if (pw.pw_dir != nullptr && pw.pw_dir[0] == '/') c.home = pw.pw_dir;
  }
  group gr{};
  group* grp = nullptr;
  if (getgrgid_r(cred.gid, &gr, buf.data(), buf.size(), &grp) == 0 && grp != nullptr) {
    c.group = gr.gr_name;
  }
  std::array<char, 256> host{};
  if (gethostname(host.data(), host.size() - 1) == 0) c.host = host.data();
  return c;
}

NfsTime Now() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return {static_cast<uint32_t>(ts.tv_sec), static_cast<uint32_t>(ts.tv_nsec)};
}

// Whether an attached entry must be rebuilt after a reload: any field that reaches the stack.
bool SameEntry(const MapEntry& a, const MapEntry& b) {
  return a.fstype == b.fstype && a.read_only == b.read_only && a.path == b.path &&
         a.nfs_locations == b.nfs_locations && a.passfile == b.passfile && a.extpass == b.extpass &&
         a.port == b.port && a.timeo == b.timeo && a.retrans == b.retrans &&
         a.other_options == b.other_options;
}

std::string Hex64(uint64_t v) { return fmt::format("{:016x}", v); }

void LogLoadErrors(const std::string& map, const LoadResult& loaded, std::string* joined) {
  std::string all;
  for (const MapError& e : loaded.errors) {
    if (!all.empty()) all += "; ";
    all += e.message;
  }
  spdlog::error("automount: map {} is not usable, keeping the previous one: {}", map, all);
  if (joined) *joined = std::move(all);
}

}  // namespace

std::unique_ptr<AutomountLayer> AutomountLayer::Open(AutomountOptions options, std::string* error) {
  if (options.map.empty()) {
    *error = "key \"map\" is required: the path of the automount map, e.g. /etc/loopfs/auto.map";
    return nullptr;
  }
  if (options.load.loopfs_mount_points.empty()) {
    options.load.loopfs_mount_points = ReadLoopbackNfsMountPoints();
  }
  LoadResult loaded = LoadMap(options.map, options.load);
  if (!loaded.ok()) {
    std::string all;
    for (const MapError& e : loaded.errors) {
      if (!all.empty()) all += "; ";
      all += e.message;
    }
    *error = fmt::format("key \"map\": {}", all);
    return nullptr;
  }
  for (const std::string& w : loaded.warnings) spdlog::warn("automount: {}", w);
  return std::unique_ptr<AutomountLayer>(new AutomountLayer(std::move(options), loaded));
}

AutomountLayer::AutomountLayer(AutomountOptions options, const LoadResult& loaded)
    : options_(std::move(options)) {
  std::string state = options_.state.empty()
                          ? "/var/lib/loopfs/automount-" + Hex64(KeyId(loaded.map->path()))
                          : options_.state;
  known_keys_ = std::make_unique<KnownKeys>(state + "/known-keys");
  {
    std::lock_guard lock(map_mutex_);
    InstallMap(loaded.map);
  }
  EntryTable::Hooks hooks;
  hooks.resolve = [this](const std::string& key, const Credentials& cred) {
    return ResolveKey(key, cred);
  };
  hooks.attach = [this](const MapEntry& entry, loopfs::Status* status, std::string* error) {
    return AttachEntry(entry, status, error);
  };
  table_ = std::make_unique<EntryTable>(options_.table, std::move(hooks));
  if (options_.watch) {
    watcher_ = std::make_unique<MapWatcher>([this] { Reload(); });
    watcher_->Watch(loaded.files);
  }
  reaper_ = std::thread(&AutomountLayer::Reap, this);
}

AutomountLayer::~AutomountLayer() {
  watcher_.reset();  // its callback reloads into the table
  {
    std::lock_guard lock(reaper_mutex_);
    stopping_ = true;
  }
  reaper_wake_.notify_all();
  reaper_.join();
  table_.reset();  // waits for attach jobs, which use the map and options
}

void AutomountLayer::Reap() {
  const auto period =
      std::clamp(options_.idle / 4, std::chrono::milliseconds(10), std::chrono::milliseconds(1000));
  std::unique_lock lock(reaper_mutex_);
  while (!stopping_) {
    reaper_wake_.wait_for(lock, period);
    if (stopping_) break;
    lock.unlock();
    table_->DetachIdle(options_.idle);
    lock.lock();
  }
}

std::shared_ptr<const MapSource> AutomountLayer::map() const {
  std::lock_guard lock(map_mutex_);
  return map_;
}

void AutomountLayer::InstallMap(std::shared_ptr<const MapSource> map) {
  map_ = std::move(map);
  key_names_.clear();
  listed_ids_.clear();
  for (const std::string& key : map_->List()) {
    key_names_[KeyId(key)] = key;
    listed_ids_.insert(KeyId(key));
  }
  for (const std::string& key : known_keys_->Keys()) key_names_.emplace(KeyId(key), key);
  negative_.clear();
  // The root's mtime and ctime are its change id: they must move on every reload, also
  // within one clock tick.
  NfsTime now = Now();
  if (now.seconds < change_time_.seconds ||
      (now.seconds == change_time_.seconds && now.nseconds <= change_time_.nseconds)) {
    now = change_time_;
    if (++now.nseconds >= 1'000'000'000) {
      now.nseconds = 0;
      now.seconds++;
    }
  }
  change_time_ = now;
}

bool AutomountLayer::Reload(std::string* error) {
  std::lock_guard serial(reload_mutex_);
  LoadResult loaded = LoadMap(options_.map, options_.load);
  if (watcher_) watcher_->Watch(loaded.files);  // also when it failed: to notice the fix
  if (!loaded.ok()) {
    LogLoadErrors(options_.map, loaded, error);
    return false;
  }
  for (const std::string& w : loaded.warnings) spdlog::warn("automount: {}", w);
  std::shared_ptr<const MapSource> fresh = loaded.map;
  {
    std::lock_guard lock(map_mutex_);
    InstallMap(fresh);
  }
  const bool program = dynamic_cast<const ProgramMap*>(fresh.get()) != nullptr;
  const LookupContext context = MakeLookupContext(Credentials{});
  table_->Reconcile(
      [&](const std::string& key, const std::optional<MapEntry>& resolved, bool attached) {
        // A program map is not asked again for every key: attached entries stay, the others are
        // asked on next use.
        if (program) return attached ? EntryTable::Verdict::kKeep : EntryTable::Verdict::kRefresh;
        LookupResult r = fresh->Lookup(key, context);
        if (!r.found()) return EntryTable::Verdict::kRemove;
        if (resolved && SameEntry(*resolved, r.entry())) return EntryTable::Verdict::kKeep;
        return EntryTable::Verdict::kRefresh;
      });
  spdlog::info("automount: map {} reloaded", options_.map);
  return true;
}

std::vector<EntryStatus> AutomountLayer::Status() const { return table_->Snapshot(); }

bool AutomountLayer::KeyOf(uint64_t key_id, std::string* key) const {
  std::lock_guard lock(map_mutex_);
  auto it = key_names_.find(key_id);
  if (it == key_names_.end()) return false;
  *key = it->second;
  return true;
}

LookupResult AutomountLayer::ResolveKey(const std::string& key, const Credentials& cred) {
  return map()->Lookup(key, MakeLookupContext(cred));
}

std::unique_ptr<Layer> AutomountLayer::AttachEntry(const MapEntry& entry, loopfs::Status* status,
                                                   std::string* error) {
  // A key the map does not list by name (a wildcard match, a program map's key) must be found
  // again after a restart, or its handles go stale.  Recorded on attach rather than on
  // LOOKUP, so that scanning names under a wildcard does not grow the file.
  bool listed;
  {
    std::lock_guard lock(map_mutex_);
    listed = listed_ids_.contains(KeyId(entry.key));
  }
  if (!listed) known_keys_->Add(entry.key);
  auto it = options_.attachers.find(entry.fstype);
  if (it != options_.attachers.end()) return it->second(entry, status, error);
  if (entry.fstype == FsType::kAuto) {
    AutomountOptions nested = options_;
    nested.map = entry.path;
    std::string state = options_.state.empty()
                            ? "/var/lib/loopfs/automount-" + Hex64(KeyId(map()->path()))
                            : options_.state;
    nested.state = state + "/nested-" + Hex64(KeyId(entry.key));
    nested.load.enclosing_maps.push_back(map()->path());
    std::string why;
    std::unique_ptr<Layer> layer = AutomountLayer::Open(std::move(nested), &why);
    if (!layer) {
      *status = Nfsstat3::kIo;
      *error = fmt::format("nested map of {} ({}): {}", entry.key, entry.origin, why);
    }
    return layer;
  }
  static const AttacherTable base = BaseAttachers();
  auto b = base.find(entry.fstype);
  if (b == base.end()) {
    *status = Nfsstat3::kNotsupp;
    *error = fmt::format("no attacher for entry type {}", FsTypeName(entry.fstype));
    return nullptr;
  }
  return b->second(entry, status, error);
}

Attr AutomountLayer::RootAttr() const {
  Attr a;
  a.type = FileType::kDir;
  a.mode = 0555;
  a.nlink = 2;
  a.size = 4096;
  a.used = 4096;
  a.fileid = kRootFileid;
  std::lock_guard lock(map_mutex_);
  a.atime = a.mtime = a.ctime = change_time_;
  return a;
}

Attr AutomountLayer::EntryRootAttr(uint64_t key_id) const {
  Attr a = RootAttr();
  a.fileid = EntryRootFileid(key_id);
  return a;
}

loopfs::Status AutomountLayer::Root(const RequestContext&, NodeHandle* root) {
  *root = RootHandle();
  return loopfs::Status::Ok();
}

loopfs::Status AutomountLayer::LookupKey(const RequestContext& ctx, std::string_view name,
                                         LookupRes* res) {
  res->dir_attr = RootAttr();
  if (name == "." || name == "..") {
    res->handle = RootHandle();
    res->attr = res->dir_attr;
    return loopfs::Status::Ok();
  }
  // Ignored and impossible names never reach the map (or its program).
  if (!KeyProblem(name).empty()) return Nfsstat3::kNoent;
  std::string key(name);
  {
    std::lock_guard lock(map_mutex_);
    auto it = negative_.find(key);
    if (it != negative_.end()) {
      if (Clock::now() < it->second) return Nfsstat3::kNoent;
      negative_.erase(it);
    }
  }
  const uint64_t key_id = KeyId(key);
  MapEntry entry;
  loopfs::Status st = table_->Resolve(key_id, key, ctx, &entry);
  if (st.code() == Nfsstat3::kNoent) {
    std::lock_guard lock(map_mutex_);
    if (negative_.size() > 4096) negative_.clear();  // bound it against scans
    negative_[key] = Clock::now() + options_.negative_ttl;
    return st;
  }
  if (!st.ok()) return st;
  {
    // For this run; AttachEntry records unlisted keys for the next one.
    std::lock_guard lock(map_mutex_);
    key_names_[key_id] = key;
  }
  res->handle = EntryRootHandle(key_id);
  Attr attr;
  st = GetAttr(ctx, res->handle, &attr);
  if (st.ok()) res->attr = attr;
  return loopfs::Status::Ok();
}

loopfs::Status AutomountLayer::ReadRootDir(uint64_t cookie, bool plus, DirSink& sink,
                                           ReadDirRes* res) {
  res->dir_attr = RootAttr();
  res->verifier = {};  // cookies are key ids: valid whatever changed
  std::vector<std::pair<uint64_t, std::string>> keys;
  if (options_.browse) {
    for (std::string& key : map()->List()) keys.emplace_back(KeyId(key), std::move(key));
    std::sort(keys.begin(), keys.end());
  }
  auto add = [&](uint64_t fileid, std::string_view name, uint64_t c,
                 std::optional<NodeHandle> handle, std::optional<Attr> attr) {
    DirEntry e;
    e.fileid = fileid;
    e.name = name;
    e.cookie = c;
    if (plus) {
      e.handle = handle;
      e.attr = attr;
    }
    return sink.Add(e);
  };
  res->eof = false;
  if (cookie < 1 && !add(kRootFileid, ".", 1, RootHandle(), res->dir_attr)) return Nfsstat3::kOk;
  if (cookie < 2 && !add(kRootFileid, "..", 2, RootHandle(), res->dir_attr)) return Nfsstat3::kOk;
  for (const auto& [id, key] : keys) {
    // Ids 0..2 are taken by the start, "." and ".."; a key hashing there (one in 2^62) is
    // not listed, though LOOKUP still finds it.
    if (id <= 2 || id <= cookie) continue;
    if (!add(EntryRootFileid(id), key, id, EntryRootHandle(id), EntryRootAttr(id))) {
      return loopfs::Status::Ok();
    }
  }
  res->eof = true;
  return loopfs::Status::Ok();
}

}  // namespace loopfs::automount
