#include "bench/nfs_session.h"

#include <nfsc/libnfs-raw-mount.h>

namespace loopfs::bench {
namespace {

std::string StatusText(const char* what, int status) {
  return std::string(what) + ": " + nfsstat3_to_str(status);
}

}  // namespace

bool NfsSession::Open(const ServerEndpoint& endpoint, int connections, std::string* error) {
  RpcClient mount;
  if (!mount.Connect(endpoint.host, endpoint.mount_port, MOUNT_PROGRAM, MOUNT_V3, 1,
                     kSetupTimeout, error)) {
    *error = "MOUNT: " + *error;
    return false;
  }
  std::string export_path = endpoint.export_path;
  int mount_status = -1;
  bool handle_ok = false;
  const bool called = mount.CallAndWait(
      0,
      [&](rpc_context* rpc, rpc_cb cb, void* priv) {
        return rpc_mount3_mnt_async(rpc, cb, export_path.data(), priv);
      },
      [&](void* data) {
        const auto* res = static_cast<mountres3*>(data);
        mount_status = res->fhs_status;
        if (mount_status == MNT3_OK) {
          const fhandle3& fh = res->mountres3_u.mountinfo.fhandle;
          handle_ok = root_.Assign(fh.fhandle3_val, fh.fhandle3_len);
        }
      },
      kSetupTimeout, error);
  if (!called) {
    *error = "MNT " + export_path + ": " + *error;
    return false;
  }
  if (mount_status != MNT3_OK || !handle_ok) {
    *error = "MNT " + export_path + " refused (status " + std::to_string(mount_status) + ")";
    return false;
  }
  if (!nfs_.Connect(endpoint.host, endpoint.nfs_port, NFS_PROGRAM, NFS_V3, connections,
                    kSetupTimeout, error)) {
    *error = "NFS: " + *error;
    return false;
  }
  return true;
}

bool NfsSession::Lookup(const FileHandle& dir, const std::string& name, FileHandle* object,
                        std::string* error) {
  std::string name_copy = name;
  int status = -1;
  bool handle_ok = false;
  const bool called = nfs_.CallAndWait(
      0,
      [&](rpc_context* rpc, rpc_cb cb, void* priv) {
        LOOKUP3args args{};
        args.what.dir = dir.AsArgument();
        args.what.name = name_copy.data();
        return rpc_nfs3_lookup_async(rpc, cb, &args, priv);
      },
      [&](void* data) {
        const auto* res = static_cast<LOOKUP3res*>(data);
        status = res->status;
        if (status == NFS3_OK) handle_ok = object->Assign(res->LOOKUP3res_u.resok.object);
      },
      kSetupTimeout, error);
  if (!called) return false;
  if (status != NFS3_OK) {
    *error = StatusText(("LOOKUP " + name).c_str(), status);
    return false;
  }
  if (!handle_ok) *error = "LOOKUP " + name + ": oversized handle";
  return handle_ok;
}

bool NfsSession::LookupPath(const std::string& path, FileHandle* object, std::string* error) {
  FileHandle current = root_;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    const std::string part = path.substr(start, end - start);
    start = end + 1;
    if (part.empty() || part == ".") continue;
    FileHandle next;
    if (!Lookup(current, part, &next, error)) return false;
    current = next;
  }
  *object = current;
  return true;
}

bool NfsSession::Create(const FileHandle& dir, const std::string& name, FileHandle* object,
                        std::string* error) {
  std::string name_copy = name;
  int status = -1;
  bool handle_ok = false;
  const bool called = nfs_.CallAndWait(
      0,
      [&](rpc_context* rpc, rpc_cb cb, void* priv) {
        CREATE3args args{};
        args.where.dir = dir.AsArgument();
        args.where.name = name_copy.data();
        args.how.mode = UNCHECKED;
        sattr3& attrs = args.how.createhow3_u.obj_attributes;
        attrs.mode.set_it = 1;
        attrs.mode.set_mode3_u.mode = 0644;
        attrs.size.set_it = 1;
        attrs.size.set_size3_u.size = 0;
        return rpc_nfs3_create_async(rpc, cb, &args, priv);
      },
      [&](void* data) {
        const auto* res = static_cast<CREATE3res*>(data);
        status = res->status;
        if (status != NFS3_OK) return;
        const post_op_fh3& fh = res->CREATE3res_u.resok.obj;
        if (fh.handle_follows) handle_ok = object->Assign(fh.post_op_fh3_u.handle);
      },
      kSetupTimeout, error);
  if (!called) return false;
  if (status != NFS3_OK) {
    *error = StatusText(("CREATE " + name).c_str(), status);
    return false;
  }
  // A server may omit the handle (RFC 1813 allows it); fall back to LOOKUP.
  return handle_ok || Lookup(dir, name, object, error);
}

bool NfsSession::Remove(const FileHandle& dir, const std::string& name, std::string* error) {
  std::string name_copy = name;
  int status = -1;
  const bool called = nfs_.CallAndWait(
      0,
      [&](rpc_context* rpc, rpc_cb cb, void* priv) {
        REMOVE3args args{};
        args.object.dir = dir.AsArgument();
        args.object.name = name_copy.data();
        return rpc_nfs3_remove_async(rpc, cb, &args, priv);
      },
      [&](void* data) { status = static_cast<REMOVE3res*>(data)->status; }, kSetupTimeout,
      error);
  if (!called) return false;
  if (status != NFS3_OK && status != NFS3ERR_NOENT) {
    *error = StatusText(("REMOVE " + name).c_str(), status);
    return false;
  }
  return true;
}

bool NfsSession::Size(const FileHandle& object, uint64_t* size, std::string* error) {
  int status = -1;
  const bool called = nfs_.CallAndWait(
      0,
      [&](rpc_context* rpc, rpc_cb cb, void* priv) {
        GETATTR3args args{};
        args.object = object.AsArgument();
        return rpc_nfs3_getattr_async(rpc, cb, &args, priv);
      },
      [&](void* data) {
        const auto* res = static_cast<GETATTR3res*>(data);
        status = res->status;
        if (status == NFS3_OK) *size = res->GETATTR3res_u.resok.obj_attributes.size;
      },
      kSetupTimeout, error);
  if (!called) return false;
  if (status != NFS3_OK) {
    *error = StatusText("GETATTR", status);
    return false;
  }
  return true;
}

bool NfsSession::Commit(size_t connection, const FileHandle& file, std::string* error) {
  int status = -1;
  const bool called = nfs_.CallAndWait(
      connection,
      [&](rpc_context* rpc, rpc_cb cb, void* priv) {
        COMMIT3args args{};
        args.file = file.AsArgument();
        return rpc_nfs3_commit_async(rpc, cb, &args, priv);
      },
      [&](void* data) { status = static_cast<COMMIT3res*>(data)->status; }, kSetupTimeout,
      error);
  if (!called) return false;
  if (status != NFS3_OK) {
    *error = StatusText("COMMIT", status);
    return false;
  }
  return true;
}

}  // namespace loopfs::bench
