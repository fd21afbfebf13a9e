#include "tests/support/nfs3_client.h"

#include <poll.h>

#include <cstring>
#include <functional>

#include <fmt/format.h>
// libnfs's headers: the context API first, then the raw RPC layer and the
// rpcgen types it uses.
#include <nfsc/libnfs.h>
// (own block: the raw headers need libnfs.h first)
#include <nfsc/libnfs-raw-mount.h>
#include <nfsc/libnfs-raw-nfs.h>
#include <nfsc/libnfs-raw.h>

#include "tests/support/test_server.h"

namespace loopfs::testing {
namespace {

Time3 ToTime(const nfstime3& t) { return {t.seconds, t.nseconds}; }

Attr3 ToAttr(const fattr3& a) {
  Attr3 r;
  r.type = static_cast<uint32_t>(a.type);
  r.mode = a.mode;
  r.nlink = a.nlink;
  r.uid = a.uid;
  r.gid = a.gid;
  r.size = a.size;
  r.used = a.used;
  r.rdev_major = a.rdev.specdata1;
  r.rdev_minor = a.rdev.specdata2;
  r.fsid = a.fsid;
  r.fileid = a.fileid;
  r.atime = ToTime(a.atime);
  r.mtime = ToTime(a.mtime);
  r.ctime = ToTime(a.ctime);
  return r;
}

std::optional<Attr3> ToAttr(const post_op_attr& p) {
  if (!p.attributes_follow) return std::nullopt;
  return ToAttr(p.post_op_attr_u.attributes);
}

Wcc3 ToWcc(const wcc_data& w) {
  Wcc3 r;
  r.has_before = w.before.attributes_follow != 0;
  if (r.has_before) {
    r.before_size = w.before.pre_op_attr_u.attributes.size;
    r.before_mtime = ToTime(w.before.pre_op_attr_u.attributes.mtime);
    r.before_ctime = ToTime(w.before.pre_op_attr_u.attributes.ctime);
  }
  r.after = ToAttr(w.after);
  return r;
}

Fh ToFh(const nfs_fh3& fh) {
  auto* p = reinterpret_cast<const uint8_t*>(fh.data.data_val);
  return Fh(p, p + fh.data.data_len);
}

std::optional<Fh> ToFh(const post_op_fh3& p) {
  if (!p.handle_follows) return std::nullopt;
  return ToFh(p.post_op_fh3_u.handle);
}

// libnfs's argument structs take non-const pointers; it does not write
// through them.
nfs_fh3 FromFh(const Fh& fh) {
  nfs_fh3 r{};
  r.data.data_len = static_cast<u_int>(fh.size());
  r.data.data_val = reinterpret_cast<char*>(const_cast<uint8_t*>(fh.data()));
  return r;
}

char* Name(const std::string& s) { return const_cast<char*>(s.c_str()); }

sattr3 FromSetAttr(const SetAttr3& a) {
  sattr3 s{};
  if (a.mode) {
    s.mode.set_it = 1;
    s.mode.set_mode3_u.mode = *a.mode;
  }
  if (a.uid) {
    s.uid.set_it = 1;
    s.uid.set_uid3_u.uid = *a.uid;
  }
  if (a.gid) {
    s.gid.set_it = 1;
    s.gid.set_gid3_u.gid = *a.gid;
  }
  if (a.size) {
    s.size.set_it = 1;
    s.size.set_size3_u.size = *a.size;
  }
  s.atime.set_it = static_cast<time_how>(a.atime_how);
  s.atime.set_atime_u.atime = {a.atime.seconds, a.atime.nseconds};
  s.mtime.set_it = static_cast<time_how>(a.mtime_how);
  s.mtime.set_mtime_u.mtime = {a.mtime.seconds, a.mtime.nseconds};
  return s;
}

// libnfs's XDR decoder allocates list nodes (entry3, mountbody...) at
// 4-byte alignment; copying them out keeps UBSan's alignment check quiet.
template <class T>
T Load(const T* p) {
  T v;
  std::memcpy(static_cast<void*>(&v), p, sizeof(T));
  return v;
}

template <size_t N>
std::array<uint8_t, N> ToArray(const char* p) {
  std::array<uint8_t, N> r{};
  std::memcpy(r.data(), p, N);
  return r;
}

}  // namespace

struct Nfs3Client::Pending {
  bool done = false;
  std::function<void(int status, void* data)> on_reply;
};

void Nfs3Client::Callback(rpc_context*, int status, void* data, void* private_data) {
  auto* p = static_cast<Pending*>(private_data);
  p->on_reply(status, data);
  p->done = true;
}

bool Nfs3Client::Wait(rpc_context* rpc, Pending* p) {
  auto deadline = std::chrono::steady_clock::now() + timeout_;
  while (!p->done) {
    if (std::chrono::steady_clock::now() > deadline) {
      // Completes p (and every other call in flight) with an error, so no
      // callback can run after this frame is gone.
      rpc_disconnect(rpc, "test timeout");
      broken_ = true;
      return p->done;
    }
    pollfd pfd{rpc_get_fd(rpc), static_cast<short>(rpc_which_events(rpc)), 0};
    if (poll(&pfd, 1, 100) < 0 && errno != EINTR) break;
    if (rpc_service(rpc, pfd.revents) < 0) {
      broken_ = true;
      // rpc_service failing means the socket is dead; pending calls were
      // failed by libnfs.
      break;
    }
  }
  if (!p->done) rpc_disconnect(rpc, "connection lost");
  return p->done;
}

template <class Res, class Start, class Fill>
Res Nfs3Client::Run(rpc_context* rpc, Start start, Fill fill) {
  Res res;
  if (rpc == nullptr || broken_) {
    res.error = "client not connected";
    return res;
  }
  Pending p;
  p.on_reply = [&](int status, void* data) {
    if (status != RPC_STATUS_SUCCESS) {
      res.error = data != nullptr && status == RPC_STATUS_ERROR
                      ? static_cast<const char*>(data)
                      : fmt::format("rpc status {}", status);
      return;
    }
    res.rpc_ok = true;
    fill(data, &res);
  };
  if (start(&Callback, &p) != 0) {
    res.error = fmt::format("could not queue call: {}", rpc_get_error(rpc));
    return res;
  }
  Wait(rpc, &p);
  if (!p.done) res.error = "no reply";
  return res;
}

bool Nfs3Client::ConnectTo(rpc_context* rpc, uint16_t port, int program, int version) {
  Pending p;
  bool ok = false;
  std::string err;
  p.on_reply = [&](int status, void* data) {
    ok = status == RPC_STATUS_SUCCESS;
    if (!ok && data != nullptr) err = static_cast<const char*>(data);
  };
  if (rpc_connect_port_async(rpc, "127.0.0.1", port, program, version, &Callback, &p) != 0) {
    fmt::print(stderr, "nfs3 client: connect to {}: {}\n", port, rpc_get_error(rpc));
    return false;
  }
  Wait(rpc, &p);
  if (!ok) fmt::print(stderr, "nfs3 client: connect to {} failed: {}\n", port, err);
  return ok;
}

std::unique_ptr<Nfs3Client> Nfs3Client::ConnectMountOnly(const TestServer& server,
                                                         const ClientOptions& opts) {
  std::unique_ptr<Nfs3Client> c(new Nfs3Client());
  c->timeout_ = opts.timeout;
  c->mount_ = rpc_init_context();
  if (c->mount_ == nullptr) return nullptr;
  c->SetCredentials(opts.uid, opts.gid);
  if (!c->ConnectTo(c->mount_, server.mount_port(), 100005, 3)) return nullptr;
  return c;
}

std::unique_ptr<Nfs3Client> Nfs3Client::Connect(const TestServer& server,
                                                const ClientOptions& opts) {
  auto c = ConnectMountOnly(server, opts);
  if (!c) return nullptr;
  MntRes m = c->Mnt(server.export_path(opts.export_index));
  if (!m.ok()) {
    fmt::print(stderr, "nfs3 client: MNT {} failed: status {} {}\n",
               server.export_path(opts.export_index), m.status, m.error);
    return nullptr;
  }
  c->root_ = m.fh;
  c->nfs_ = rpc_init_context();
  if (c->nfs_ == nullptr) return nullptr;
  c->SetCredentials(opts.uid, opts.gid);
  if (!c->ConnectTo(c->nfs_, server.nfs_port(), 100003, 3)) return nullptr;
  return c;
}

Nfs3Client::~Nfs3Client() {
  if (nfs_ != nullptr) rpc_destroy_context(nfs_);
  if (mount_ != nullptr) rpc_destroy_context(mount_);
}

void Nfs3Client::SetCredentials(uint32_t uid, uint32_t gid) {
  for (rpc_context* r : {mount_, nfs_}) {
    if (r == nullptr) continue;
    rpc_set_uid(r, static_cast<int>(uid));
    rpc_set_gid(r, static_cast<int>(gid));
  }
}

Res3 Nfs3Client::Null() {
  return Run<Res3>(
      nfs_, [&](rpc_cb cb, void* p) { return rpc_nfs3_null_async(nfs_, cb, p); },
      [](void*, Res3* r) { r->status = 0; });
}

GetAttrRes Nfs3Client::GetAttr(const Fh& fh) {
  GETATTR3args args{};
  args.object = FromFh(fh);
  return Run<GetAttrRes>(
      nfs_, [&](rpc_cb cb, void* p) { return rpc_nfs3_getattr_async(nfs_, cb, &args, p); },
      [](void* d, GetAttrRes* r) {
        auto* res = static_cast<GETATTR3res*>(d);
        r->status = res->status;
        if (res->status == NFS3_OK) r->attr = ToAttr(res->GETATTR3res_u.resok.obj_attributes);
      });
}

SetAttrRes Nfs3Client::SetAttr(const Fh& fh, const SetAttr3& attr,
                               std::optional<Time3> guard_ctime) {
  SETATTR3args args{};
  args.object = FromFh(fh);
  args.new_attributes = FromSetAttr(attr);
  if (guard_ctime) {
    args.guard.check = 1;
    args.guard.sattrguard3_u.obj_ctime = {guard_ctime->seconds, guard_ctime->nseconds};
  }
  return Run<SetAttrRes>(
      nfs_, [&](rpc_cb cb, void* p) { return rpc_nfs3_setattr_async(nfs_, cb, &args, p); },
      [](void* d, SetAttrRes* r) {
        auto* res = static_cast<SETATTR3res*>(d);
        r->status = res->status;
        r->wcc = ToWcc(res->status == NFS3_OK ? res->SETATTR3res_u.resok.obj_wcc
                                              : res->SETATTR3res_u.resfail.obj_wcc);
      });
}

LookupRes Nfs3Client::Lookup(const Fh& dir, const std::string& name) {
  LOOKUP3args args{};
  args.what.dir = FromFh(dir);
  args.what.name = Name(name);
  return Run<LookupRes>(
      nfs_, [&](rpc_cb cb, void* p) { return rpc_nfs3_lookup_async(nfs_, cb, &args, p); },
      [](void* d, LookupRes* r) {
        auto* res = static_cast<LOOKUP3res*>(d);
        r->status = res->status;
        if (res->status == NFS3_OK) {
          r->fh = ToFh(res->LOOKUP3res_u.resok.object);
          r->attr = ToAttr(res->LOOKUP3res_u.resok.obj_attributes);
          r->dir_attr = ToAttr(res->LOOKUP3res_u.resok.dir_attributes);
        } else {
          r->dir_attr = ToAttr(res->LOOKUP3res_u.resfail.dir_attributes);
        }
      });
}

AccessRes Nfs3Client::Access(const Fh& fh, uint32_t access) {
  ACCESS3args args{};
  args.object = FromFh(fh);
  args.access = access;
  return Run<AccessRes>(
      nfs_, [&](rpc_cb cb, void* p) { return rpc_nfs3_access_async(nfs_, cb, &args, p); },
      [](void* d, AccessRes* r) {
        auto* res = static_cast<ACCESS3res*>(d);
        r->status = res->status;
        if (res->status == NFS3_OK) {
          r->access = res->ACCESS3res_u.resok.access;
          r->attr = ToAttr(res->ACCESS3res_u.resok.obj_attributes);
        } else {
          r->attr = ToAttr(res->ACCESS3res_u.resfail.obj_attributes);
        }
      });
}

ReadLinkRes Nfs3Client::ReadLink(const Fh& fh) {
  READLINK3args args{};
  args.symlink = FromFh(fh);
  return Run<ReadLinkRes>(
      nfs_, [&](rpc_cb cb, void* p) { return rpc_nfs3_readlink_async(nfs_, cb, &args, p); },
      [](void* d, ReadLinkRes* r) {
        auto* res = static_cast<READLINK3res*>(d);
        r->status = res->status;
        if (res->status == NFS3_OK) {
          r->target = res->READLINK3res_u.resok.data;
          r->attr = ToAttr(res->READLINK3res_u.resok.symlink_attributes);
        } else {
          r->attr = ToAttr(res->READLINK3res_u.resfail.symlink_attributes);
        }
      });
}

ReadRes Nfs3Client::Read(const Fh& fh, uint64_t offset, uint32_t count) {
  READ3args args{};
  args.file = FromFh(fh);
  args.offset = offset;
  args.count = count;
  return Run<ReadRes>(
      nfs_, [&](rpc_cb cb, void* p) { return rpc_nfs3_read_async(nfs_, cb, &args, p); },
      [](void* d, ReadRes* r) {
        auto* res = static_cast<READ3res*>(d);
        r->status = res->status;
        if (res->status == NFS3_OK) {
          const auto& ok = res->READ3res_u.resok;
          r->count = ok.count;
          r->eof = ok.eof != 0;
          r->attr = ToAttr(ok.file_attributes);
          auto* b = reinterpret_cast<const uint8_t*>(ok.data.data_val);
          r->data.assign(b, b + ok.data.data_len);
        } else {
          r->attr = ToAttr(res->READ3res_u.resfail.file_attributes);
        }
      });
}

WriteRes Nfs3Client::Write(const Fh& fh, uint64_t offset, const Bytes& data, uint32_t stable) {
  WRITE3args args{};
  args.file = FromFh(fh);
  args.offset = offset;
  args.count = static_cast<count3>(data.size());
  args.stable = static_cast<stable_how>(stable);
  args.data.data_len = static_cast<u_int>(data.size());
  args.data.data_val = reinterpret_cast<char*>(const_cast<uint8_t*>(data.data()));
  return Run<WriteRes>(
      nfs_, [&](rpc_cb cb, void* p) { return rpc_nfs3_write_async(nfs_, cb, &args, p); },
      [](void* d, WriteRes* r) {
        auto* res = static_cast<WRITE3res*>(d);
        r->status = res->status;
        if (res->status == NFS3_OK) {
          const auto& ok = res->WRITE3res_u.resok;
          r->count = ok.count;
          r->committed = ok.committed;
          r->verf = ToArray<8>(ok.verf);
          r->wcc = ToWcc(ok.file_wcc);
        } else {
          r->wcc = ToWcc(res->WRITE3res_u.resfail.file_wcc);
        }
      });
}

CommitRes Nfs3Client::Commit(const Fh& fh, uint64_t offset, uint32_t count) {
  COMMIT3args args{};
  args.file = FromFh(fh);
  args.offset = offset;
  args.count = count;
  return Run<CommitRes>(
      nfs_, [&](rpc_cb cb, void* p) { return rpc_nfs3_commit_async(nfs_, cb, &args, p); },
      [](void* d, CommitRes* r) {
        auto* res = static_cast<COMMIT3res*>(d);
        r->status = res->status;
        if (res->status == NFS3_OK) {
          r->verf = ToArray<8>(res->COMMIT3res_u.resok.verf);
          r->wcc = ToWcc(res->COMMIT3res_u.resok.file_wcc);
        } else {
          r->wcc = ToWcc(res->COMMIT3res_u.resfail.file_wcc);
        }
      });
}

// CREATE, MKDIR, SYMLINK and MKNOD share the shape of their results.
template <class Ok, class Fail>
void FillCreate(nfsstat3 status, const Ok& ok, const Fail& fail, CreateRes* r) {
  r->status = status;
  if (status == NFS3_OK) {
    r->fh = ToFh(ok.obj);
    r->attr = ToAttr(ok.obj_attributes);
    r->dir_wcc = ToWcc(ok.dir_wcc);
  } else {
    r->dir_wcc = ToWcc(fail.dir_wcc);
  }
}
#define LOOPFS_FILL_CREATE(RES, U)                            \
  [](void* d, CreateRes* r) {                                 \
    auto* res = static_cast<RES*>(d);                         \
    FillCreate(res->status, res->U.resok, res->U.resfail, r); \
  }

CreateRes Nfs3Client::Create(const Fh& dir, const std::string& name, uint32_t mode,
                             const SetAttr3& attr, std::array<uint8_t, 8> verf) {
  CREATE3args args{};
  args.where.dir = FromFh(dir);
  args.where.name = Name(name);
  args.how.mode = static_cast<createmode3>(mode);
  if (mode == EXCLUSIVE) {
    std::memcpy(args.how.createhow3_u.verf, verf.data(), verf.size());
  } else {
    args.how.createhow3_u.obj_attributes = FromSetAttr(attr);
  }
  return Run<CreateRes>(
      nfs_, [&](rpc_cb cb, void* p) { return rpc_nfs3_create_async(nfs_, cb, &args, p); },
      LOOPFS_FILL_CREATE(CREATE3res, CREATE3res_u));
}

CreateRes Nfs3Client::MkDir(const Fh& dir, const std::string& name, const SetAttr3& attr) {
  MKDIR3args args{};
  args.where.dir = FromFh(dir);
  args.where.name = Name(name);
  args.attributes = FromSetAttr(attr);
  return Run<CreateRes>(
      nfs_, [&](rpc_cb cb, void* p) { return rpc_nfs3_mkdir_async(nfs_, cb, &args, p); },
      LOOPFS_FILL_CREATE(MKDIR3res, MKDIR3res_u));
}

CreateRes Nfs3Client::SymLink(const Fh& dir, const std::string& name, const std::string& target,
                              const SetAttr3& attr) {
  SYMLINK3args args{};
  args.where.dir = FromFh(dir);
  args.where.name = Name(name);
  args.symlink.symlink_attributes = FromSetAttr(attr);
  args.symlink.symlink_data = Name(target);
  return Run<CreateRes>(
      nfs_, [&](rpc_cb cb, void* p) { return rpc_nfs3_symlink_async(nfs_, cb, &args, p); },
      LOOPFS_FILL_CREATE(SYMLINK3res, SYMLINK3res_u));
}

CreateRes Nfs3Client::MkNod(const Fh& dir, const std::string& name, uint32_t type,
                            const SetAttr3& attr, uint32_t major, uint32_t minor) {
  MKNOD3args args{};
  args.where.dir = FromFh(dir);
  args.where.name = Name(name);
  args.what.type = static_cast<ftype3>(type);
  switch (type) {
    case NF3CHR:
      args.what.mknoddata3_u.chr_device.dev_attributes = FromSetAttr(attr);
      args.what.mknoddata3_u.chr_device.spec = {major, minor};
      break;
    case NF3BLK:
      args.what.mknoddata3_u.blk_device.dev_attributes = FromSetAttr(attr);
      args.what.mknoddata3_u.blk_device.spec = {major, minor};
      break;
    case NF3SOCK:
      args.what.mknoddata3_u.sock_attributes = FromSetAttr(attr);
      break;
    case NF3FIFO:
      args.what.mknoddata3_u.pipe_attributes = FromSetAttr(attr);
      break;
    default:
      break;
  }
  return Run<CreateRes>(
      nfs_, [&](rpc_cb cb, void* p) { return rpc_nfs3_mknod_async(nfs_, cb, &args, p); },
      LOOPFS_FILL_CREATE(MKNOD3res, MKNOD3res_u));
}
#undef LOOPFS_FILL_CREATE

RemoveRes Nfs3Client::Remove(const Fh& dir, const std::string& name) {
  REMOVE3args args{};
  args.object.dir = FromFh(dir);
  args.object.name = Name(name);
  return Run<RemoveRes>(
      nfs_, [&](rpc_cb cb, void* p) { return rpc_nfs3_remove_async(nfs_, cb, &args, p); },
      [](void* d, RemoveRes* r) {
        auto* res = static_cast<REMOVE3res*>(d);
        r->status = res->status;
        r->dir_wcc = ToWcc(res->status == NFS3_OK ? res->REMOVE3res_u.resok.dir_wcc
                                                  : res->REMOVE3res_u.resfail.dir_wcc);
      });
}

RemoveRes Nfs3Client::RmDir(const Fh& dir, const std::string& name) {
  RMDIR3args args{};
  args.object.dir = FromFh(dir);
  args.object.name = Name(name);
  return Run<RemoveRes>(
      nfs_, [&](rpc_cb cb, void* p) { return rpc_nfs3_rmdir_async(nfs_, cb, &args, p); },
      [](void* d, RemoveRes* r) {
        auto* res = static_cast<RMDIR3res*>(d);
        r->status = res->status;
        r->dir_wcc = ToWcc(res->status == NFS3_OK ? res->RMDIR3res_u.resok.dir_wcc
                                                  : res->RMDIR3res_u.resfail.dir_wcc);
      });
}

RenameRes Nfs3Client::Rename(const Fh& from_dir, const std::string& from, const Fh& to_dir,
                             const std::string& to) {
  RENAME3args args{};
  args.from.dir = FromFh(from_dir);
  args.from.name = Name(from);
  args.to.dir = FromFh(to_dir);
  args.to.name = Name(to);
  return Run<RenameRes>(
      nfs_, [&](rpc_cb cb, void* p) { return rpc_nfs3_rename_async(nfs_, cb, &args, p); },
      [](void* d, RenameRes* r) {
        auto* res = static_cast<RENAME3res*>(d);
        r->status = res->status;
        if (res->status == NFS3_OK) {
          r->from_wcc = ToWcc(res->RENAME3res_u.resok.fromdir_wcc);
          r->to_wcc = ToWcc(res->RENAME3res_u.resok.todir_wcc);
        } else {
          r->from_wcc = ToWcc(res->RENAME3res_u.resfail.fromdir_wcc);
          r->to_wcc = ToWcc(res->RENAME3res_u.resfail.todir_wcc);
        }
      });
}

LinkRes Nfs3Client::Link(const Fh& file, const Fh& dir, const std::string& name) {
  LINK3args args{};
  args.file = FromFh(file);
  args.link.dir = FromFh(dir);
  args.link.name = Name(name);
  return Run<LinkRes>(
      nfs_, [&](rpc_cb cb, void* p) { return rpc_nfs3_link_async(nfs_, cb, &args, p); },
      [](void* d, LinkRes* r) {
        auto* res = static_cast<LINK3res*>(d);
        r->status = res->status;
        if (res->status == NFS3_OK) {
          r->attr = ToAttr(res->LINK3res_u.resok.file_attributes);
          r->dir_wcc = ToWcc(res->LINK3res_u.resok.linkdir_wcc);
        } else {
          r->attr = ToAttr(res->LINK3res_u.resfail.file_attributes);
          r->dir_wcc = ToWcc(res->LINK3res_u.resfail.linkdir_wcc);
        }
      });
}

ReadDirRes Nfs3Client::ReadDir(const Fh& dir, uint64_t cookie, std::array<uint8_t, 8> verf,
                               uint32_t count) {
  READDIR3args args{};
  args.dir = FromFh(dir);
  args.cookie = cookie;
  std::memcpy(args.cookieverf, verf.data(), verf.size());
  args.count = count;
  return Run<ReadDirRes>(
      nfs_, [&](rpc_cb cb, void* p) { return rpc_nfs3_readdir_async(nfs_, cb, &args, p); },
      [](void* d, ReadDirRes* r) {
        auto* res = static_cast<READDIR3res*>(d);
        r->status = res->status;
        if (res->status != NFS3_OK) {
          r->dir_attr = ToAttr(res->READDIR3res_u.resfail.dir_attributes);
          return;
        }
        const auto& ok = res->READDIR3res_u.resok;
        r->dir_attr = ToAttr(ok.dir_attributes);
        r->verf = ToArray<8>(ok.cookieverf);
        r->eof = ok.reply.eof != 0;
        for (const entry3* p = ok.reply.entries; p != nullptr;) {
          entry3 e = Load(p);
          r->entries.push_back({e.fileid, e.name, e.cookie, std::nullopt, std::nullopt});
          p = e.nextentry;
        }
      });
}

ReadDirRes Nfs3Client::ReadDirPlus(const Fh& dir, uint64_t cookie, std::array<uint8_t, 8> verf,
                                   uint32_t dircount, uint32_t maxcount) {
  READDIRPLUS3args args{};
  args.dir = FromFh(dir);
  args.cookie = cookie;
  std::memcpy(args.cookieverf, verf.data(), verf.size());
  args.dircount = dircount;
  args.maxcount = maxcount;
  return Run<ReadDirRes>(
      nfs_, [&](rpc_cb cb, void* p) { return rpc_nfs3_readdirplus_async(nfs_, cb, &args, p); },
      [](void* d, ReadDirRes* r) {
        auto* res = static_cast<READDIRPLUS3res*>(d);
        r->status = res->status;
        if (res->status != NFS3_OK) {
          r->dir_attr = ToAttr(res->READDIRPLUS3res_u.resfail.dir_attributes);
          return;
        }
        const auto& ok = res->READDIRPLUS3res_u.resok;
        r->dir_attr = ToAttr(ok.dir_attributes);
        r->verf = ToArray<8>(ok.cookieverf);
        r->eof = ok.reply.eof != 0;
        for (const entryplus3* p = ok.reply.entries; p != nullptr;) {
          entryplus3 e = Load(p);
          r->entries.push_back(
              {e.fileid, e.name, e.cookie, ToAttr(e.name_attributes), ToFh(e.name_handle)});
          p = e.nextentry;
        }
      });
}

FsStatRes Nfs3Client::FsStat(const Fh& fh) {
  FSSTAT3args args{};
  args.fsroot = FromFh(fh);
  return Run<FsStatRes>(
      nfs_, [&](rpc_cb cb, void* p) { return rpc_nfs3_fsstat_async(nfs_, cb, &args, p); },
      [](void* d, FsStatRes* r) {
        auto* res = static_cast<FSSTAT3res*>(d);
        r->status = res->status;
        if (res->status != NFS3_OK) {
          r->attr = ToAttr(res->FSSTAT3res_u.resfail.obj_attributes);
          return;
        }
        const auto& ok = res->FSSTAT3res_u.resok;
        r->attr = ToAttr(ok.obj_attributes);
        r->tbytes = ok.tbytes;
        r->fbytes = ok.fbytes;
        r->abytes = ok.abytes;
        r->tfiles = ok.tfiles;
        r->ffiles = ok.ffiles;
        r->afiles = ok.afiles;
        r->invarsec = ok.invarsec;
      });
}

FsInfoRes Nfs3Client::FsInfo(const Fh& fh) {
  FSINFO3args args{};
  args.fsroot = FromFh(fh);
  return Run<FsInfoRes>(
      nfs_, [&](rpc_cb cb, void* p) { return rpc_nfs3_fsinfo_async(nfs_, cb, &args, p); },
      [](void* d, FsInfoRes* r) {
        auto* res = static_cast<FSINFO3res*>(d);
        r->status = res->status;
        if (res->status != NFS3_OK) {
          r->attr = ToAttr(res->FSINFO3res_u.resfail.obj_attributes);
          return;
        }
        const auto& ok = res->FSINFO3res_u.resok;
        r->attr = ToAttr(ok.obj_attributes);
        r->rtmax = ok.rtmax;
        r->rtpref = ok.rtpref;
        r->rtmult = ok.rtmult;
        r->wtmax = ok.wtmax;
        r->wtpref = ok.wtpref;
        r->wtmult = ok.wtmult;
        r->dtpref = ok.dtpref;
        r->maxfilesize = ok.maxfilesize;
        r->time_delta = ToTime(ok.time_delta);
        r->properties = ok.properties;
      });
}

PathConfRes Nfs3Client::PathConf(const Fh& fh) {
  PATHCONF3args args{};
  args.object = FromFh(fh);
  return Run<PathConfRes>(
      nfs_, [&](rpc_cb cb, void* p) { return rpc_nfs3_pathconf_async(nfs_, cb, &args, p); },
      [](void* d, PathConfRes* r) {
        auto* res = static_cast<PATHCONF3res*>(d);
        r->status = res->status;
        if (res->status != NFS3_OK) {
          r->attr = ToAttr(res->PATHCONF3res_u.resfail.obj_attributes);
          return;
        }
        const auto& ok = res->PATHCONF3res_u.resok;
        r->attr = ToAttr(ok.obj_attributes);
        r->linkmax = ok.linkmax;
        r->name_max = ok.name_max;
        r->no_trunc = ok.no_trunc != 0;
        r->chown_restricted = ok.chown_restricted != 0;
        r->case_insensitive = ok.case_insensitive != 0;
        r->case_preserving = ok.case_preserving != 0;
      });
}

Res3 Nfs3Client::MountNull() {
  return Run<Res3>(
      mount_, [&](rpc_cb cb, void* p) { return rpc_mount3_null_async(mount_, cb, p); },
      [](void*, Res3* r) { r->status = 0; });
}

MntRes Nfs3Client::Mnt(const std::string& path) {
  return Run<MntRes>(
      mount_, [&](rpc_cb cb, void* p) { return rpc_mount3_mnt_async(mount_, cb, Name(path), p); },
      [](void* d, MntRes* r) {
        auto* res = static_cast<mountres3*>(d);
        r->status = res->fhs_status;
        if (res->fhs_status != MNT3_OK) return;
        const auto& ok = res->mountres3_u.mountinfo;
        auto* b = reinterpret_cast<const uint8_t*>(ok.fhandle.fhandle3_val);
        r->fh.assign(b, b + ok.fhandle.fhandle3_len);
        for (u_int i = 0; i < ok.auth_flavors.auth_flavors_len; ++i) {
          r->flavors.push_back(ok.auth_flavors.auth_flavors_val[i]);
        }
      });
}

MntRes Nfs3Client::Mnt1(const std::string& path) {
  return Run<MntRes>(
      mount_, [&](rpc_cb cb, void* p) { return rpc_mount1_mnt_async(mount_, cb, Name(path), p); },
      [](void* d, MntRes* r) {
        auto* res = static_cast<mountres1*>(d);
        r->status = res->fhs_status;
        if (res->fhs_status != MNT1_OK) return;
        auto* b = reinterpret_cast<const uint8_t*>(res->mountres1_u.mountinfo.fhandle);
        r->fh.assign(b, b + FHSIZE);
      });
}

DumpRes Nfs3Client::Dump() {
  return Run<DumpRes>(
      mount_, [&](rpc_cb cb, void* p) { return rpc_mount3_dump_async(mount_, cb, p); },
      [](void* d, DumpRes* r) {
        r->status = 0;
        auto* list = static_cast<mountlist*>(d);
        for (mountbody* p = list != nullptr ? *list : nullptr; p != nullptr;) {
          mountbody m = Load(p);
          r->mounts.push_back({m.ml_hostname, m.ml_directory});
          p = m.ml_next;
        }
      });
}

Res3 Nfs3Client::Umnt(const std::string& path) {
  return Run<Res3>(
      mount_, [&](rpc_cb cb, void* p) { return rpc_mount3_umnt_async(mount_, cb, Name(path), p); },
      [](void*, Res3* r) { r->status = 0; });
}

Res3 Nfs3Client::UmntAll() {
  return Run<Res3>(
      mount_, [&](rpc_cb cb, void* p) { return rpc_mount3_umntall_async(mount_, cb, p); },
      [](void*, Res3* r) { r->status = 0; });
}

ExportRes Nfs3Client::Export() {
  return Run<ExportRes>(
      mount_, [&](rpc_cb cb, void* p) { return rpc_mount3_export_async(mount_, cb, p); },
      [](void* d, ExportRes* r) {
        r->status = 0;
        auto* list = static_cast<exports*>(d);
        for (exportnode* p = list != nullptr ? *list : nullptr; p != nullptr;) {
          exportnode e = Load(p);
          r->dirs.push_back(e.ex_dir);
          p = e.ex_next;
        }
      });
}

LookupRes Nfs3Client::LookupPath(const std::string& path) {
  LookupRes r;
  r.rpc_ok = true;
  r.status = 0;
  r.fh = root_;
  size_t pos = 0;
  while (pos < path.size()) {
    size_t slash = path.find('/', pos);
    if (slash == std::string::npos) slash = path.size();
    std::string part = path.substr(pos, slash - pos);
    pos = slash + 1;
    if (part.empty()) continue;
    r = Lookup(r.fh, part);
    if (!r.ok()) return r;
  }
  return r;
}

ReadDirRes Nfs3Client::ReadDirAll(const Fh& dir, bool plus, uint32_t count) {
  ReadDirRes all;
  uint64_t cookie = 0;
  std::array<uint8_t, 8> verf{};
  for (int guard = 0; guard < 1000000; ++guard) {
    ReadDirRes part =
        plus ? ReadDirPlus(dir, cookie, verf, count, count * 4) : ReadDir(dir, cookie, verf, count);
    if (!part.ok()) return part;
    all.rpc_ok = true;
    all.status = 0;
    all.verf = part.verf;
    all.dir_attr = part.dir_attr;
    for (auto& e : part.entries) all.entries.push_back(std::move(e));
    if (part.eof) {
      all.eof = true;
      return all;
    }
    if (part.entries.empty()) {
      // Not eof, yet no progress: the server is broken; report it.
      all.rpc_ok = false;
      all.error = "READDIR returned no entries and no eof";
      return all;
    }
    cookie = all.entries.back().cookie;
    verf = part.verf;
  }
  all.error = "READDIR did not end";
  all.rpc_ok = false;
  return all;
}

const char* Nfsstat3Name(uint32_t status) { return nfsstat3_to_str(static_cast<int>(status)); }

}  // namespace loopfs::testing
