// The posix layer: passthrough to a local directory, the base of every
// export's stack.
//
// Confinement.  Every access is relative to the export root through *at()
// calls on O_PATH descriptors, one name component at a time, and symlinks
// are never followed (O_NOFOLLOW, AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH on the
// object's own fd).  LOOKUP ".." at the root answers the root.  Mount points
// inside the root are not crossed, like knfsd without crossmnt: the server
// can only issue handles its mount fd can decode, so LOOKUP of a directory
// that is the root of another mount answers NFS3ERR_ACCES, and READDIRPLUS
// omits its handle and attributes.  Export such a file system separately.
//
// Handles.  name_to_handle_at/open_by_handle_at (layers/posix/handle_codec.h)
// with the root fd as mount fd, so handles name inodes, survive renames and
// restarts, and an unlinked inode answers NFS3ERR_STALE.  Like knfsd with
// no_subtree_check, a handle stays valid if a local user moves its object
// out of the export root.  Needs CAP_DAC_READ_SEARCH (run as root); handles
// are resolved as root before switching to the caller's ids.  A root on a
// file system without export support (name_to_handle_at gives EOPNOTSUPP,
// e.g. overlayfs without nfs_export=on, some FUSE file systems) or with
// kernel handles over 46 bytes is refused at start-up with an error.  (The
// planned fallback for those: an in-memory table inode+generation → path
// relative to the root, resolved with openat2(RESOLVE_BENEATH |
// RESOLVE_NO_MAGICLINKS); it would survive renames done through the server
// but not a restart.)
//
// Credentials.  Every file system call runs under the caller's fsuid, fsgid
// and groups (CredentialScope), so new objects get the caller as owner and
// the kernel's permission checks, sticky-directory rules and setuid/setgid
// clearing apply as they would locally.  Data I/O goes through cached fds the
// server opened as root, so permission for READ, WRITE and SETATTR(size) is
// checked per call instead, as knfsd does: the owner of a file may always
// read and write it (a client that creates a file 0444 and then writes it,
// "open then chmod"), others need R_OK (or X_OK, since a client cannot tell
// reading for exec from reading) or W_OK for the caller (faccessat2 with
// AT_EACCESS under the caller's ids).
//
// Caches (all bounded LRUs, sharded): resolved O_PATH fds by handle; open
// data fds by handle and access mode; open directory streams by handle.  An
// entry whose inode has lost its last link answers STALE and is dropped;
// REMOVE, RMDIR and RENAME drop the victim's entries at once, so a deleted
// file's blocks are not pinned by the server.
//
// READDIR cookies.  On file systems whose directory offsets are stable
// (ext4, xfs, btrfs: hash or index based) a cookie is the getdents64 d_off
// of the entry, resumed with lseek on a cached open directory: O(1) to
// resume, unaffected by removals.  tmpfs, ramfs and overlayfs offsets are
// positions (tmpfs before Linux 6.6) that shift when an entry before them
// goes away; there the cookie is a 64-bit hash of the entry's name and a
// listing is a snapshot of the directory sorted by that hash (cached while
// the directory's mtime and ctime stay the same); a listing resumes at the
// first name hashing above the cookie, so removals never skip or repeat a
// surviving entry.  "." and ".." come first with cookies 1 and 2.  The cookie
// verifier is derived from the directory's handle, not its mtime, so a
// client's cookies survive changes to the directory and server restarts.
#pragma once

#include <sys/stat.h>

#include <memory>
#include <mutex>
#include <string>

#include "layers/layer.h"
#include "layers/posix/handle_codec.h"
#include "layers/lru_cache.h"
#include "layers/posix/scoped_fd.h"
#include "layers/registry.h"

namespace loopfs::posix {

enum class CookieScheme {
  kOffset,    // getdents64 d_off
  kNameHash,  // hash of the name over a sorted snapshot
};

struct PosixOptions {
  std::string root;
  // Unset: chosen from the root's file system type.
  std::optional<CookieScheme> cookies;
  size_t path_cache_entries = 4096;
  size_t data_cache_entries = 1024;
  size_t dir_cache_entries = 256;
};

class PosixLayer final : public Layer {
 public:
  // Opens the root and checks that handles work on it.  nullptr and *error
  // on failure; the message names the "root" key.
  static std::unique_ptr<PosixLayer> Open(const PosixOptions& options, std::string* error);

  std::string_view type() const override { return "posix"; }
  CookieScheme cookie_scheme() const { return cookies_; }

  Status Root(const RequestContext& ctx, NodeHandle* root) override;
  Status GetAttr(const RequestContext& ctx, const NodeHandle& fh, Attr* attr) override;
  Status SetAttr(const RequestContext& ctx, const NodeHandle& fh, const SetAttrArgs& args,
                 const std::optional<NfsTime>& guard_ctime, Wcc* wcc) override;
  Status Lookup(const RequestContext& ctx, const NodeHandle& dir, std::string_view name,
                LookupRes* res) override;
  Status Access(const RequestContext& ctx, const NodeHandle& fh, uint32_t access,
                AccessRes* res) override;
  Status ReadLink(const RequestContext& ctx, const NodeHandle& fh, ReadLinkRes* res) override;
  Status Read(const RequestContext& ctx, const NodeHandle& fh, uint64_t offset,
              std::span<uint8_t> buf, ReadRes* res) override;
  Status Write(const RequestContext& ctx, const NodeHandle& fh, uint64_t offset,
               std::span<const uint8_t> data, StableHow stable, WriteRes* res) override;
  Status Commit(const RequestContext& ctx, const NodeHandle& fh, uint64_t offset, uint32_t count,
                CommitRes* res) override;
  Status Create(const RequestContext& ctx, const NodeHandle& dir, std::string_view name,
                CreateMode mode, const SetAttrArgs& args, const CreateVerifier& verf,
                CreateRes* res) override;
  Status MkDir(const RequestContext& ctx, const NodeHandle& dir, std::string_view name,
               const SetAttrArgs& args, CreateRes* res) override;
  Status SymLink(const RequestContext& ctx, const NodeHandle& dir, std::string_view name,
                 std::string_view target, const SetAttrArgs& args, CreateRes* res) override;
  Status MkNod(const RequestContext& ctx, const NodeHandle& dir, std::string_view name,
               FileType type, const SetAttrArgs& args, uint32_t rdev_major, uint32_t rdev_minor,
               CreateRes* res) override;
  Status Remove(const RequestContext& ctx, const NodeHandle& dir, std::string_view name,
                RemoveRes* res) override;
  Status RmDir(const RequestContext& ctx, const NodeHandle& dir, std::string_view name,
               RemoveRes* res) override;

  Status Rename(const RequestContext& ctx, const NodeHandle& from_dir, std::string_view from_name,
                const NodeHandle& to_dir, std::string_view to_name, RenameRes* res) override;
  Status Link(const RequestContext& ctx, const NodeHandle& fh, const NodeHandle& dir,
              std::string_view name, LinkRes* res) override;
  Status ReadDir(const RequestContext& ctx, const NodeHandle& dir, uint64_t cookie,
                 const CookieVerifier& verf, bool plus, DirSink& sink, ReadDirRes* res) override;
  Status FsStat(const RequestContext& ctx, const NodeHandle& fh, FsStatRes* res) override;
  Status FsInfo(const RequestContext& ctx, const NodeHandle& fh, FsInfoRes* res) override;
  Status PathConf(const RequestContext& ctx, const NodeHandle& fh, PathConfRes* res) override;

 private:
  Status Unlink(const RequestContext& ctx, const NodeHandle& dir, std::string_view name,
                bool directory, RemoveRes* res);
  // A resolved handle: an fd on the inode (O_PATH, or the fd it was created
  // with) and its attributes when resolved.
  struct Node {
    NodeHandle handle;
    SharedFd fd;
    struct stat st {};
    int get() const { return fd->get(); }
  };
  struct DataKey {
    NodeHandle handle;
    bool write = false;
    bool operator==(const DataKey&) const = default;
  };
  struct DataKeyHash {
    size_t operator()(const DataKey& k) const { return NodeHandleHash()(k.handle) ^ k.write; }
  };
  struct DirStream;
  struct Snapshot;

  PosixLayer(const PosixOptions& options, ScopedFd root_fd);

  // handle → node; kStale if the inode is gone, kBadhandle if the bytes are
  // not a handle.  Runs as root on a cache miss whatever the thread's ids.
  Status Resolve(const NodeHandle& handle, Node* node);
  Status ResolveDir(const NodeHandle& handle, Node* node);
  // open_by_handle_at(root, handle, flags) as root (it needs
  // CAP_DAC_READ_SEARCH, which a non-zero fsuid drops), whatever the
  // thread's ids.  kStale if the inode is gone.
  Status OpenHandle(const NodeHandle& handle, int flags, ScopedFd* fd);
  // The handle of an open fd (or of name in dirfd without following).  A
  // handle on another mount than the root's answers kAcces (see above).
  Status HandleOf(int dirfd, const char* name, NodeHandle* handle);
  // Looks up one name under the caller's ids (already switched).
  Status LookupChild(const Node& dir, std::string_view name, Node* child);
  // Drops every cache entry of handle.
  void Forget(const NodeHandle& handle);
  bool IsRoot(const struct stat& st) const {
    return st.st_dev == root_st_.st_dev && st.st_ino == root_st_.st_ino;
  }
  Attr ToAttr(const struct stat& st) const;
  std::optional<Attr> StatAttr(int fd) const;
  void FillWcc(const Node& node, Wcc* wcc) const;
  Status Fail(std::string_view op, int err) const;

  // Data path.
  Status DataFd(const Node& node, bool write, SharedFd* fd);
  Status CheckDataAccess(const Node& node, const Credentials& cred, bool write) const;

  // Creation helpers.
  Status FinishCreate(const Node& dir, ScopedFd child_fd, const SetAttrArgs& args,
                      std::optional<uint32_t> want_mode, CreateRes* res);
  Status ApplyAttrs(const Node& node, const SetAttrArgs& args, bool skip_mode);
  Status ChmodFd(int fd, uint32_t mode) const;

  // Readdir.
  CookieVerifier VerifierFor(const NodeHandle& dir) const;
  Status ReadDirOffsets(const RequestContext& ctx, const Node& dir, uint64_t cookie, bool plus,
                        DirSink& sink, ReadDirRes* res);
  Status ReadDirHashed(const RequestContext& ctx, const Node& dir, uint64_t cookie, bool plus,
                       DirSink& sink, ReadDirRes* res);
  bool FillPlus(const Node& dir, std::string_view name, DirEntry* entry);
  std::shared_ptr<const Snapshot> SnapshotOf(const Node& dir, Status* status);

  ScopedFd root_fd_;
  struct stat root_st_ {};
  int root_mount_id_ = -1;
  NodeHandle root_handle_;
  CookieScheme cookies_ = CookieScheme::kOffset;
  ShardedLruCache<NodeHandle, SharedFd, NodeHandleHash> path_cache_;
  ShardedLruCache<DataKey, SharedFd, DataKeyHash> data_cache_;
  ShardedLruCache<NodeHandle, std::shared_ptr<DirStream>, NodeHandleHash> dir_cache_;
  ShardedLruCache<NodeHandle, std::shared_ptr<const Snapshot>, NodeHandleHash> snapshots_;
};

// The registry factory for type "posix" (params: root, readdir_cookies).
LayerFactory PosixLayerFactory();

// The cookie for name under CookieScheme::kNameHash: stable across restarts,
// never 0, 1 or 2.
uint64_t NameCookie(std::string_view name);

}  // namespace loopfs::posix
