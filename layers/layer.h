// The layer interface: one vnode-level operation per NFSv3 procedure.
//
// An export is a stack of layers (top first in the config); nfsd/ calls the
// top one and each stacked layer calls the one below it.  A stacked layer
// derives from ForwardingLayer (layers/forwarding_layer.h) and overrides only
// what it changes.
//
// Contract for every operation:
//  - It is called concurrently from many worker threads; implementations are
//    thread-safe.
//  - It never throws.  The returned Status is the NFSv3 status of the call.
//  - The result struct is filled as far as possible on failure too: post-op
//    attributes and wcc_data are what keep a Linux client's caches right,
//    and RFC 1813 returns them on both paths.
//  - Names have already been checked by nfsd/ (non-empty, at most 255 bytes,
//    no '/' or NUL); "." and ".." may arrive on LOOKUP and must not escape the
//    layer's tree.
//  - Handles have already been authenticated by nfsd/: every handle a layer
//    receives is one it issued, though the object may since have gone away
//    (answer kStale).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "layers/status.h"
#include "layers/types.h"

namespace loopfs {

struct LookupRes {
  NodeHandle handle;
  std::optional<Attr> attr;      // of the object found
  std::optional<Attr> dir_attr;  // of the directory searched
};

struct AccessRes {
  uint32_t granted = 0;  // subset of the bits asked for
  std::optional<Attr> attr;
};

struct ReadLinkRes {
  std::string target;
  std::optional<Attr> attr;
};

struct ReadRes {
  uint32_t count = 0;  // bytes placed at the start of the caller's buffer
  bool eof = false;
  std::optional<Attr> attr;
};

struct WriteRes {
  uint32_t count = 0;
  StableHow committed = StableHow::kUnstable;
  Wcc wcc;
};

struct CommitRes {
  Wcc wcc;
};

// CREATE, MKDIR, SYMLINK, MKNOD.
struct CreateRes {
  std::optional<NodeHandle> handle;
  std::optional<Attr> attr;
  Wcc dir_wcc;
};

struct RemoveRes {
  Wcc dir_wcc;
};

struct RenameRes {
  Wcc from_dir_wcc;
  Wcc to_dir_wcc;
};

struct LinkRes {
  std::optional<Attr> attr;  // of the file linked
  Wcc dir_wcc;
};

// One directory entry.  For READDIRPLUS the layer fills handle and attr when
// it can (they are optional on the wire too, e.g. for "..").
struct DirEntry {
  uint64_t fileid = 0;
  std::string_view name;
  uint64_t cookie = 0;  // resumes the listing just after this entry
  std::optional<NodeHandle> handle;
  std::optional<Attr> attr;
};

// Receives entries in order.  Add() returns false when the entry does not fit
// in the reply; the layer then stops, and that entry is not part of the reply
// (its predecessor's cookie resumes at it next time).
class DirSink {
 public:
  virtual ~DirSink() = default;
  virtual bool Add(const DirEntry& entry) = 0;
};

struct ReadDirRes {
  std::optional<Attr> dir_attr;
  CookieVerifier verifier{};
  bool eof = false;
};

struct FsStatRes {
  uint64_t tbytes = 0, fbytes = 0, abytes = 0;
  uint64_t tfiles = 0, ffiles = 0, afiles = 0;
  uint32_t invarsec = 0;
  std::optional<Attr> attr;
};

// The layer-dependent part of FSINFO; transfer sizes and properties that
// belong to the server are filled in by nfsd/.
struct FsInfoRes {
  uint64_t maxfilesize = 0;
  std::optional<Attr> attr;
};

struct PathConfRes {
  uint32_t linkmax = 0;
  uint32_t name_max = 255;
  bool no_trunc = true;
  bool chown_restricted = true;
  bool case_insensitive = false;
  bool case_preserving = true;
  std::optional<Attr> attr;
};

class Layer {
 public:
  virtual ~Layer() = default;

  // The registered type name, e.g. "posix".
  virtual std::string_view type() const = 0;

  // The handle of the root of this layer's tree (what MNT hands out).
  virtual Status Root(const RequestContext& ctx, NodeHandle* root) = 0;

  virtual Status GetAttr(const RequestContext& ctx, const NodeHandle& fh, Attr* attr) = 0;
  // guard_ctime: if set, the change happens only if the object's ctime equals
  // it (else kNotSync).  wcc is filled on success and on failure.
  virtual Status SetAttr(const RequestContext& ctx, const NodeHandle& fh, const SetAttrArgs& args,
                         const std::optional<NfsTime>& guard_ctime, Wcc* wcc) = 0;
  virtual Status Lookup(const RequestContext& ctx, const NodeHandle& dir, std::string_view name,
                        LookupRes* res) = 0;
  // access: ACCESS3 bits wanted; res->granted is computed for ctx.cred.
  virtual Status Access(const RequestContext& ctx, const NodeHandle& fh, uint32_t access,
                        AccessRes* res) = 0;
  virtual Status ReadLink(const RequestContext& ctx, const NodeHandle& fh, ReadLinkRes* res) = 0;
  // Reads up to buf.size() bytes at offset into buf.
  virtual Status Read(const RequestContext& ctx, const NodeHandle& fh, uint64_t offset,
                      std::span<uint8_t> buf, ReadRes* res) = 0;
  virtual Status Write(const RequestContext& ctx, const NodeHandle& fh, uint64_t offset,
                       std::span<const uint8_t> data, StableHow stable, WriteRes* res) = 0;
  virtual Status Commit(const RequestContext& ctx, const NodeHandle& fh, uint64_t offset,
                        uint32_t count, CommitRes* res) = 0;
  // For kExclusive, args is ignored and verf identifies the create: a repeat
  // with the same verifier succeeds and returns the same file; another
  // verifier on an existing name gets kExist.
  virtual Status Create(const RequestContext& ctx, const NodeHandle& dir, std::string_view name,
                        CreateMode mode, const SetAttrArgs& args, const CreateVerifier& verf,
                        CreateRes* res) = 0;
  virtual Status MkDir(const RequestContext& ctx, const NodeHandle& dir, std::string_view name,
                       const SetAttrArgs& args, CreateRes* res) = 0;
  virtual Status SymLink(const RequestContext& ctx, const NodeHandle& dir, std::string_view name,
                         std::string_view target, const SetAttrArgs& args, CreateRes* res) = 0;
  // type is kChr, kBlk, kSock or kFifo; rdev is used for the first two.
  virtual Status MkNod(const RequestContext& ctx, const NodeHandle& dir, std::string_view name,
                       FileType type, const SetAttrArgs& args, uint32_t rdev_major,
                       uint32_t rdev_minor, CreateRes* res) = 0;
  virtual Status Remove(const RequestContext& ctx, const NodeHandle& dir, std::string_view name,
                        RemoveRes* res) = 0;
  virtual Status RmDir(const RequestContext& ctx, const NodeHandle& dir, std::string_view name,
                       RemoveRes* res) = 0;
  // POSIX rename(2) semantics: replaces a file, or an empty directory with a
  // directory.
  virtual Status Rename(const RequestContext& ctx, const NodeHandle& from_dir,
                        std::string_view from_name, const NodeHandle& to_dir,
                        std::string_view to_name, RenameRes* res) = 0;
  virtual Status Link(const RequestContext& ctx, const NodeHandle& fh, const NodeHandle& dir,
                      std::string_view name, LinkRes* res) = 0;
  // Lists dir starting after cookie (0: from the start).  A cookie remains
  // valid while other entries are added or removed.  verf is the verifier the
  // client got with cookie (zeros with cookie 0); a stale one gets kBadCookie.
  // plus: also fill DirEntry::handle and ::attr (READDIRPLUS).
  virtual Status ReadDir(const RequestContext& ctx, const NodeHandle& dir, uint64_t cookie,
                         const CookieVerifier& verf, bool plus, DirSink& sink,
                         ReadDirRes* res) = 0;
  virtual Status FsStat(const RequestContext& ctx, const NodeHandle& fh, FsStatRes* res) = 0;
  virtual Status FsInfo(const RequestContext& ctx, const NodeHandle& fh, FsInfoRes* res) = 0;
  virtual Status PathConf(const RequestContext& ctx, const NodeHandle& fh, PathConfRes* res) = 0;
};

}  // namespace loopfs
