// A synchronous NFSv3 + MOUNT client for tests, built on libnfs's raw RPC API
// (rpc_nfs3_*_async / rpc_mount3_*_async) so every procedure can be called
// with exact arguments and its nfsstat3 and result body checked.
//
// Results are copied out of libnfs's buffers into plain structs.  A call that
// gets no reply in time disconnects the client (libnfs then completes all
// calls in flight), so a stuck server fails a test instead of hanging it.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/xdr_codec.h"

struct rpc_context;

namespace loopfs::testing {

class TestServer;

using Fh = Bytes;

struct Time3 {
  uint32_t seconds = 0;
  uint32_t nseconds = 0;
  bool operator==(const Time3&) const = default;
};

// fattr3
struct Attr3 {
  uint32_t type = 0;
  uint32_t mode = 0;
  uint32_t nlink = 0;
  uint32_t uid = 0;
  uint32_t gid = 0;
  uint64_t size = 0;
  uint64_t used = 0;
  uint32_t rdev_major = 0;
  uint32_t rdev_minor = 0;
  uint64_t fsid = 0;
  uint64_t fileid = 0;
  Time3 atime, mtime, ctime;
};

// wcc_data
struct Wcc3 {
  bool has_before = false;
  uint64_t before_size = 0;
  Time3 before_mtime, before_ctime;
  std::optional<Attr3> after;
};

// sattr3; a time's how is 0 (don't change), 1 (server time), 2 (client time).
struct SetAttr3 {
  std::optional<uint32_t> mode;
  std::optional<uint32_t> uid;
  std::optional<uint32_t> gid;
  std::optional<uint64_t> size;
  uint32_t atime_how = 0;
  Time3 atime;
  uint32_t mtime_how = 0;
  Time3 mtime;
};

// What every result has.  rpc_ok is false when there was no reply (timeout,
// connection lost) or the RPC itself failed (e.g. PROG_UNAVAIL, AUTH_ERROR);
// error then says why.  status is the nfsstat3 / mountstat3.
struct Res3 {
  bool rpc_ok = false;
  uint32_t status = UINT32_MAX;
  std::string error;
  bool ok() const { return rpc_ok && status == 0; }
};

struct GetAttrRes : Res3 {
  Attr3 attr;
};
struct SetAttrRes : Res3 {
  Wcc3 wcc;
};
struct LookupRes : Res3 {
  Fh fh;
  std::optional<Attr3> attr, dir_attr;
};
struct AccessRes : Res3 {
  uint32_t access = 0;
  std::optional<Attr3> attr;
};
struct ReadLinkRes : Res3 {
  std::string target;
  std::optional<Attr3> attr;
};
struct ReadRes : Res3 {
  Bytes data;
  uint32_t count = 0;
  bool eof = false;
  std::optional<Attr3> attr;
};
struct WriteRes : Res3 {
  uint32_t count = 0;
  uint32_t committed = 0;
  std::array<uint8_t, 8> verf{};
  Wcc3 wcc;
};
struct CommitRes : Res3 {
  std::array<uint8_t, 8> verf{};
  Wcc3 wcc;
};
// CREATE, MKDIR, SYMLINK, MKNOD
struct CreateRes : Res3 {
  std::optional<Fh> fh;
  std::optional<Attr3> attr;
  Wcc3 dir_wcc;
};
// REMOVE, RMDIR
struct RemoveRes : Res3 {
  Wcc3 dir_wcc;
};
struct RenameRes : Res3 {
  Wcc3 from_wcc, to_wcc;
};
struct LinkRes : Res3 {
  std::optional<Attr3> attr;
  Wcc3 dir_wcc;
};
struct DirEntry3 {
  uint64_t fileid = 0;
  std::string name;
  uint64_t cookie = 0;
  std::optional<Attr3> attr;  // READDIRPLUS only
  std::optional<Fh> fh;       // READDIRPLUS only
};
// READDIR and READDIRPLUS
struct ReadDirRes : Res3 {
  std::optional<Attr3> dir_attr;
  std::array<uint8_t, 8> verf{};
  std::vector<DirEntry3> entries;
  bool eof = false;
};
struct FsStatRes : Res3 {
  std::optional<Attr3> attr;
  uint64_t tbytes = 0, fbytes = 0, abytes = 0, tfiles = 0, ffiles = 0, afiles = 0;
  uint32_t invarsec = 0;
};
struct FsInfoRes : Res3 {
  std::optional<Attr3> attr;
  uint32_t rtmax = 0, rtpref = 0, rtmult = 0, wtmax = 0, wtpref = 0, wtmult = 0, dtpref = 0;
  uint64_t maxfilesize = 0;
  Time3 time_delta;
  uint32_t properties = 0;
};
struct PathConfRes : Res3 {
  std::optional<Attr3> attr;
  uint32_t linkmax = 0, name_max = 0;
  bool no_trunc = false, chown_restricted = false, case_insensitive = false,
       case_preserving = false;
};
struct MntRes : Res3 {
  Fh fh;
  std::vector<int> flavors;
};
struct MountEntry {
  std::string host, dir;
};
struct DumpRes : Res3 {
  std::vector<MountEntry> mounts;
};
struct ExportRes : Res3 {
  std::vector<std::string> dirs;
};

struct ClientOptions {
  uint32_t uid = 0;
  uint32_t gid = 0;
  size_t export_index = 0;
  std::chrono::milliseconds timeout{20000};
};

class Nfs3Client {
 public:
  // Mounts export export_index of server over TCP and connects to its NFS
  // port.  Returns nullptr (reason on stderr) on failure.
  static std::unique_ptr<Nfs3Client> Connect(const TestServer& server,
                                             const ClientOptions& opts = {});
  // Only the MOUNT connection (for MOUNT procedure tests).
  static std::unique_ptr<Nfs3Client> ConnectMountOnly(const TestServer& server,
                                                      const ClientOptions& opts = {});
  ~Nfs3Client();
  Nfs3Client(const Nfs3Client&) = delete;
  Nfs3Client& operator=(const Nfs3Client&) = delete;

  const Fh& root() const { return root_; }
  // AUTH_SYS identity for later calls.
  void SetCredentials(uint32_t uid, uint32_t gid);

  // NFSv3.
  Res3 Null();
  GetAttrRes GetAttr(const Fh& fh);
  SetAttrRes SetAttr(const Fh& fh, const SetAttr3& attr,
                     std::optional<Time3> guard_ctime = std::nullopt);
  LookupRes Lookup(const Fh& dir, const std::string& name);
  AccessRes Access(const Fh& fh, uint32_t access);
  ReadLinkRes ReadLink(const Fh& fh);
  ReadRes Read(const Fh& fh, uint64_t offset, uint32_t count);
  WriteRes Write(const Fh& fh, uint64_t offset, const Bytes& data, uint32_t stable = 2);
  CommitRes Commit(const Fh& fh, uint64_t offset = 0, uint32_t count = 0);
  // mode: 0 UNCHECKED, 1 GUARDED (attr used), 2 EXCLUSIVE (verf used).
  CreateRes Create(const Fh& dir, const std::string& name, uint32_t mode, const SetAttr3& attr = {},
                   std::array<uint8_t, 8> verf = {});
  CreateRes MkDir(const Fh& dir, const std::string& name, const SetAttr3& attr = {});
  CreateRes SymLink(const Fh& dir, const std::string& name, const std::string& target,
                    const SetAttr3& attr = {});
  // type: ftype3 (3 BLK, 4 CHR, 6 SOCK, 7 FIFO).
  CreateRes MkNod(const Fh& dir, const std::string& name, uint32_t type, const SetAttr3& attr = {},
                  uint32_t major = 0, uint32_t minor = 0);
  RemoveRes Remove(const Fh& dir, const std::string& name);
  RemoveRes RmDir(const Fh& dir, const std::string& name);
  RenameRes Rename(const Fh& from_dir, const std::string& from, const Fh& to_dir,
                   const std::string& to);
  LinkRes Link(const Fh& file, const Fh& dir, const std::string& name);
  ReadDirRes ReadDir(const Fh& dir, uint64_t cookie = 0, std::array<uint8_t, 8> verf = {},
                     uint32_t count = 8192);
  ReadDirRes ReadDirPlus(const Fh& dir, uint64_t cookie = 0, std::array<uint8_t, 8> verf = {},
                         uint32_t dircount = 8192, uint32_t maxcount = 32768);
  FsStatRes FsStat(const Fh& fh);
  FsInfoRes FsInfo(const Fh& fh);
  PathConfRes PathConf(const Fh& fh);

  // MOUNT v3 (and MNT v1).
  Res3 MountNull();
  MntRes Mnt(const std::string& path);
  MntRes Mnt1(const std::string& path);
  DumpRes Dump();
  Res3 Umnt(const std::string& path);
  Res3 UmntAll();
  ExportRes Export();

  // Convenience built on the calls above; a failed step fails the test
  // through the returned status.
  LookupRes LookupPath(const std::string& path);  // "a/b/c" from the root
  // Lists a whole directory with READDIR (or READDIRPLUS) in count-sized
  // pieces; status of the first failing call.
  ReadDirRes ReadDirAll(const Fh& dir, bool plus = false, uint32_t count = 4096);

  rpc_context* nfs_rpc() { return nfs_; }
  bool broken() const { return broken_; }

 private:
  Nfs3Client() = default;
  struct Pending;
  // Runs the event loop of rpc until pending completes or the timeout.
  bool Wait(rpc_context* rpc, Pending* p);
  static void Callback(rpc_context* rpc, int status, void* data, void* private_data);
  template <class Res, class Start, class Fill>
  Res Run(rpc_context* rpc, Start start, Fill fill);
  bool ConnectTo(rpc_context* rpc, uint16_t port, int program, int version);

  rpc_context* mount_ = nullptr;
  rpc_context* nfs_ = nullptr;
  Fh root_;
  std::chrono::milliseconds timeout_{20000};
  bool broken_ = false;
};

const char* Nfsstat3Name(uint32_t status);

}  // namespace loopfs::testing
