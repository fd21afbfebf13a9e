// The automount layer: a directory whose entries are defined by a map (man/loopfs-automount.5)
// and come to life when used, Amd's idea done inside the server.  It is the top of an
// export's stack and has no lower layer:
//
//   { type = "automount", map = "/etc/loopfs/auto.map", idle = "5m", browse = true }
//
// Keys.  The export's root is the automount directory.  LOOKUP of a key asks the map (once,
// cached) and answers a directory with synthetic attributes *without attaching*, so `ls -l`,
// `stat` and shell completion never mount anything.  Unknown keys answer NOENT at once and
// are remembered for a short time; ignored names (IsIgnoredKey: dot-names, autorun.inf) never
// reach the map.  READDIR of the root lists the map's keys (browse = false: only "." and
// ".."), attaching nothing; cookies are the keys' ids, so they survive reloads.
//
// Attaching.  The first operation inside an entry (anything on its directory but GETATTR, or
// on an object below it) builds the entry's stack: exactly once per key, bounded in time, with
// backoff after failures (entry_table.h).  Entry types are a table (entry_attachers.h): posix,
// encrypt, auto (a nested automount layer for the sub-map); archive and nfs answer
// NFS3ERR_NOTSUPP for now.  Entries marked ro get read-only request contexts, so their layers
// answer NFS3ERR_ROFS to changes.
//
// Handles and fileids: automount_handle.h.  A handle names the key (by id) and the entry
// layer's handle, so it stays valid across detach, re-attach and restarts; only keys that left
// the map answer ESTALE.  Ids of keys the map lists are found by hashing the listed keys; keys
// it does not list (wildcard matches, program maps) are recorded in the state directory's
// known-keys file when first attached (a handle of such a key issued by LOOKUP alone
// does not survive a restart; the client looks the name up again).
//
// Idle detach.  A reaper thread detaches entries unused for `idle` with no call in flight;
// after an UNSTABLE WRITE not yet committed, only after 2 x idle.  Detaching destroys the
// entry's stack: fds are closed and a vault's keys wiped by the encrypt layer's destructor.
//
// Reload.  The map's files are watched (inotify) and Reload() rereads it (the SIGHUP path).
// A new map replaces the old one atomically; an invalid one is logged and the old one kept.
// Entries whose definition changed are detached and re-attach under the new one on next
// use; entries that left the map are dropped.  The root's mtime moves on every successful
// reload so clients revalidate their listing.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "layers/automount/entry_attachers.h"
#include "layers/automount/entry_table.h"
#include "layers/automount/known_keys.h"
#include "layers/automount/map_loader.h"
#include "layers/automount/map_watcher.h"
#include "layers/layer.h"
#include "layers/registry.h"

namespace loopfs::automount {

struct AutomountOptions {
  std::string map;                             // path of the map (required)
  std::chrono::milliseconds idle{5 * 60'000};  // detach after this long unused
  bool browse = true;                          // READDIR of the root lists the map's keys
  // Where the known-keys file lives; empty: /var/lib/loopfs/automount-<hash of the map path>.
  std::string state;
  std::chrono::milliseconds negative_ttl{2000};  // how long an unknown key stays unknown
  EntryTableOptions table;
  bool watch = true;  // inotify on the map's files
  LoadOptions load;   // program map settings, enclosing maps (for nested maps)
  // Entry types; those missing get the defaults (BaseAttachers() and a nested automount
  // layer for kAuto).  Tests replace rows to slow an attach down or count them.
  AttacherTable attachers;
};

class AutomountLayer final : public Layer {
 public:
  // Loads the map and starts the reaper (and the watcher).  nullptr and *error if the map
  // cannot be loaded.
  static std::unique_ptr<AutomountLayer> Open(AutomountOptions options, std::string* error);
  ~AutomountLayer() override;

  std::string_view type() const override { return "automount"; }

  // Rereads the map (SIGHUP).  False, keeping the old map, if the new one is invalid; *error
  // then says why (it is logged either way).
  bool Reload(std::string* error = nullptr);
  // One row per key known to this run (`loopfs automount status`).
  std::vector<EntryStatus> Status() const;
  const AutomountOptions& options() const { return options_; }

  loopfs::Status Root(const RequestContext& ctx, NodeHandle* root) override;
  loopfs::Status GetAttr(const RequestContext& ctx, const NodeHandle& fh, Attr* attr) override;
  loopfs::Status SetAttr(const RequestContext& ctx, const NodeHandle& fh, const SetAttrArgs& args,
                         const std::optional<NfsTime>& guard_ctime, Wcc* wcc) override;
  loopfs::Status Lookup(const RequestContext& ctx, const NodeHandle& dir, std::string_view name,
                        LookupRes* res) override;
  loopfs::Status Access(const RequestContext& ctx, const NodeHandle& fh, uint32_t access,
                        AccessRes* res) override;
  loopfs::Status ReadLink(const RequestContext& ctx, const NodeHandle& fh,
                          ReadLinkRes* res) override;
  loopfs::Status Read(const RequestContext& ctx, const NodeHandle& fh, uint64_t offset,
                      std::span<uint8_t> buf, ReadRes* res) override;
  loopfs::Status Write(const RequestContext& ctx, const NodeHandle& fh, uint64_t offset,
                       std::span<const uint8_t> data, StableHow stable, WriteRes* res) override;
  loopfs::Status Commit(const RequestContext& ctx, const NodeHandle& fh, uint64_t offset,
                        uint32_t count, CommitRes* res) override;
  loopfs::Status Create(const RequestContext& ctx, const NodeHandle& dir, std::string_view name,
                        CreateMode mode, const SetAttrArgs& args, const CreateVerifier& verf,
                        CreateRes* res) override;
  loopfs::Status MkDir(const RequestContext& ctx, const NodeHandle& dir, std::string_view name,
                       const SetAttrArgs& args, CreateRes* res) override;
  loopfs::Status SymLink(const RequestContext& ctx, const NodeHandle& dir, std::string_view name,
                         std::string_view target, const SetAttrArgs& args, CreateRes* res) override;
  loopfs::Status MkNod(const RequestContext& ctx, const NodeHandle& dir, std::string_view name,
                       FileType type, const SetAttrArgs& args, uint32_t rdev_major,
                       uint32_t rdev_minor, CreateRes* res) override;
  loopfs::Status Remove(const RequestContext& ctx, const NodeHandle& dir, std::string_view name,
                        RemoveRes* res) override;
  loopfs::Status RmDir(const RequestContext& ctx, const NodeHandle& dir, std::string_view name,
                       RemoveRes* res) override;
  loopfs::Status Rename(const RequestContext& ctx, const NodeHandle& from_dir,
                        std::string_view from_name, const NodeHandle& to_dir,
                        std::string_view to_name, RenameRes* res) override;
  loopfs::Status Link(const RequestContext& ctx, const NodeHandle& fh, const NodeHandle& dir,
                      std::string_view name, LinkRes* res) override;
  loopfs::Status ReadDir(const RequestContext& ctx, const NodeHandle& dir, uint64_t cookie,
                         const CookieVerifier& verf, bool plus, DirSink& sink,
                         ReadDirRes* res) override;
  loopfs::Status FsStat(const RequestContext& ctx, const NodeHandle& fh, FsStatRes* res) override;
  loopfs::Status FsInfo(const RequestContext& ctx, const NodeHandle& fh, FsInfoRes* res) override;
  loopfs::Status PathConf(const RequestContext& ctx, const NodeHandle& fh,
                          PathConfRes* res) override;

  // One call's decoded handle and the lease on its entry (automount_ops.cc).
  struct Target;

 private:
  AutomountLayer(AutomountOptions options, const LoadResult& loaded);

  // Decodes fh; for entry handles, attaches and leases the entry.  kStale for keys that left
  // the map.
  loopfs::Status Enter(const RequestContext& ctx, const NodeHandle& fh, Target* target);
  // Enter for a change in directory `dir`: kAcces (with the root's attributes in
  // *dir_wcc) when dir is the automount directory itself.
  loopfs::Status EnterToChange(const RequestContext& ctx, const NodeHandle& dir, Target* target,
                               Wcc* dir_wcc);
  // The key a key id stands for, if this layer knows it.
  bool KeyOf(uint64_t key_id, std::string* key) const;
  // Attributes of the root and of an entry's directory while not attached.
  Attr RootAttr() const;
  Attr EntryRootAttr(uint64_t key_id) const;
  // Lookup in the root.
  loopfs::Status LookupKey(const RequestContext& ctx, std::string_view name, LookupRes* res);
  loopfs::Status ReadRootDir(uint64_t cookie, bool plus, DirSink& sink, ReadDirRes* res);
  LookupResult ResolveKey(const std::string& key, const Credentials& cred);
  std::unique_ptr<Layer> AttachEntry(const MapEntry& entry, loopfs::Status* status,
                                     std::string* error);
  std::shared_ptr<const MapSource> map() const;
  void InstallMap(std::shared_ptr<const MapSource> map);  // under map_mutex_
  void Reap();

  const AutomountOptions options_;
  std::unique_ptr<KnownKeys> known_keys_;

  std::mutex reload_mutex_;  // one Reload() at a time (watcher and SIGHUP may race)
  mutable std::mutex map_mutex_;
  std::shared_ptr<const MapSource> map_;  // guarded by map_mutex_
  // Every key id this layer can name: the map's keys, the known-keys file's, and keys
  // looked up in this run.
  std::unordered_map<uint64_t, std::string> key_names_;  // guarded by map_mutex_
  std::unordered_set<uint64_t> listed_ids_;  // the map's own keys; guarded by map_mutex_
  // Unknown keys, until when they stay unknown.
  std::unordered_map<std::string, std::chrono::steady_clock::time_point> negative_;  // ditto
  NfsTime change_time_;                                                              // ditto

  std::unique_ptr<EntryTable> table_;
  std::unique_ptr<MapWatcher> watcher_;

  std::mutex reaper_mutex_;
  std::condition_variable reaper_wake_;
  bool stopping_ = false;  // guarded by reaper_mutex_
  std::thread reaper_;
};

// Parses { type = "automount", map = ..., idle = "5m", browse = true, state = "...",
// attach_timeout = "5s" }.
LayerFactory AutomountLayerFactory();

// "200ms", "30s", "5m", "1h", or a plain number of seconds.  False for anything else.
bool ParseDuration(std::string_view text, std::chrono::milliseconds* out);

}  // namespace loopfs::automount
