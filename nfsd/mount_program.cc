#include "nfsd/mount_program.h"

#include <spdlog/spdlog.h>

#include "nfsd/client_address.h"
#include "nfsd/mount_prot.h"
#include "nfsd/names.h"
#include "nfsd/squash.h"

namespace loopfs::nfsd {
namespace {

constexpr std::string_view kProcNames[] = {"NULL", "MNT", "DUMP", "UMNT", "UMNTALL", "EXPORT"};

mountstat3 ToMountstat3(Status st) {
  switch (st.code()) {
    case Nfsstat3::kOk:
      return MNT3_OK;
    case Nfsstat3::kPerm:
      return MNT3ERR_PERM;
    case Nfsstat3::kNoent:
    case Nfsstat3::kStale:
      return MNT3ERR_NOENT;
    case Nfsstat3::kIo:
      return MNT3ERR_IO;
    case Nfsstat3::kAcces:
      return MNT3ERR_ACCES;
    case Nfsstat3::kNotdir:
      return MNT3ERR_NOTDIR;
    case Nfsstat3::kInval:
      return MNT3ERR_INVAL;
    case Nfsstat3::kNametoolong:
      return MNT3ERR_NAMETOOLONG;
    case Nfsstat3::kNotsupp:
      return MNT3ERR_NOTSUPP;
    default:
      return MNT3ERR_SERVERFAULT;
  }
}

// Walks from the export's root down the remaining components.  ".." is
// refused outright: a mount must not start above its export.
Status ResolveMountPath(const Export& exp, const RequestContext& ctx,
                        const std::vector<std::string>& rest, NodeHandle* out) {
  Layer* layer = exp.stack.get();
  NodeHandle node;
  Status st = layer->Root(ctx, &node);
  if (!st.ok()) return st;
  for (const std::string& comp : rest) {
    if (comp == "..") return Nfsstat3::kAcces;
    st = CheckName(comp, NameUse::kLookup);
    if (!st.ok()) return st;
    LookupRes lr;
    st = layer->Lookup(ctx, node, comp, &lr);
    if (!st.ok()) return st;
    node = lr.handle;
  }
  Attr attr;
  st = layer->GetAttr(ctx, node, &attr);
  if (!st.ok()) return st;
  if (attr.type != FileType::kDir) return Nfsstat3::kNotdir;
  *out = node;
  return Status::Ok();
}

struct DirpathArg {
  char* value = nullptr;
  ~DirpathArg() {
    xdr_free(reinterpret_cast<xdrproc_t>(xdr_dirpath), reinterpret_cast<char*>(&value));
  }
};

}  // namespace

MountProgram::MountProgram(std::shared_ptr<const ExportTableHolder> exports, const HandleKey& key,
                           std::vector<std::string> groups)
    : exports_(std::move(exports)), key_(key), groups_(std::move(groups)) {}

std::string_view MountProgram::ProcName(uint32_t vers, uint32_t proc) const {
  if (!HasVersion(vers) || proc >= std::size(kProcNames)) return {};
  return kProcNames[proc];
}

rpc::DispatchStatus MountProgram::Dispatch(const rpc::CallInfo& call, XDR* args, XDR* result) {
  if (!HasVersion(call.vers)) return rpc::DispatchStatus::kProcUnavail;
  switch (call.proc) {
    case MOUNTPROC3_NULL:
      return rpc::DispatchStatus::kSuccess;
    case MOUNTPROC3_MNT:
      return Mnt(call, args, result);
    case MOUNTPROC3_DUMP:
      return Dump(result);
    case MOUNTPROC3_UMNT:
      return Umnt(call, args);
    case MOUNTPROC3_UMNTALL:
      return UmntAll(call);
    case MOUNTPROC3_EXPORT:
      return ExportList(result);
    default:
      return rpc::DispatchStatus::kProcUnavail;
  }
}

rpc::DispatchStatus MountProgram::Mnt(const rpc::CallInfo& call, XDR* args, XDR* result) {
  DirpathArg path;
  if (!xdr_dirpath(args, &path.value)) return rpc::DispatchStatus::kGarbageArgs;
  // An empty path means the root: libnfs asks for "" when a URL names a file
  // at the top of the server (nfs://host/file), as nfs-cp users write it.
  const std::string mount_path =
      path.value == nullptr || path.value[0] == '\0' ? "/" : path.value;

  if (call.vers == 1) {
    fhstatus r{};
    r.fhs_status = MNT3ERR_NOTSUPP;
    spdlog::info("mount MNT v1 of '{}' from {}: not supported (loopfs serves NFSv3 only)",
                 mount_path, ClientName(call));
    return xdr_fhstatus(result, &r) ? rpc::DispatchStatus::kSuccess
                                    : rpc::DispatchStatus::kSystemErr;
  }

  std::shared_ptr<const ExportTable> table = exports_->Get();
  std::vector<std::string> rest;
  const Export* exp = table->FindForMount(mount_path, &rest);
  Status st = exp != nullptr ? Status::Ok() : Status(Nfsstat3::kNoent);
  if (st.ok()) {
    const bool reserved = call.peer != nullptr && call.peer->reserved_port();
    if ((!reserved && !exp->options.insecure) || ClaimsForeignUid(call)) {
      spdlog::info("mount MNT of '{}' from {}: refused (unreserved port or foreign uid)",
                   mount_path, ClientName(call));
      st = Nfsstat3::kAcces;
    }
  }
  NodeHandle node;
  if (st.ok()) {
    RequestContext ctx;
    ctx.cred = SquashCredentials(call, exp->options);
    if (call.peer != nullptr) ctx.client = call.peer->addr;
    ctx.read_only = exp->options.read_only;
    st = ResolveMountPath(*exp, ctx, rest, &node);
    if (st.code() == Nfsstat3::kServerfault) {
      spdlog::warn("mount MNT of '{}' from {}: server fault in the layer stack", mount_path,
                   ClientName(call));
    }
  }

  mountres3 r{};
  r.fhs_status = ToMountstat3(st);
  WireHandle wire;
  int flavors[] = {static_cast<int>(rpc::AuthFlavor::kSys)};
  if (st.ok()) {
    wire = EncodeFileHandle(key_, exp->id, 0, node);
    mountres3_ok& ok = r.mountres3_u.mountinfo;
    ok.fhandle.fhandle3_len = wire.size;
    ok.fhandle.fhandle3_val = reinterpret_cast<char*>(wire.data.data());
    ok.auth_flavors.auth_flavors_len = std::size(flavors);
    ok.auth_flavors.auth_flavors_val = flavors;
    mounts_.Add(ClientHost(call), mount_path);
  }
  return xdr_mountres3(result, &r) ? rpc::DispatchStatus::kSuccess
                                   : rpc::DispatchStatus::kSystemErr;
}

rpc::DispatchStatus MountProgram::Dump(XDR* result) {
  auto entries = mounts_.Snapshot();
  std::vector<mountbody> nodes(entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    nodes[i].ml_hostname = entries[i].first.data();
    nodes[i].ml_directory = entries[i].second.data();
    nodes[i].ml_next = i + 1 < nodes.size() ? &nodes[i + 1] : nullptr;
  }
  mountlist head = nodes.empty() ? nullptr : nodes.data();
  return xdr_mountlist(result, &head) ? rpc::DispatchStatus::kSuccess
                                      : rpc::DispatchStatus::kSystemErr;
}

rpc::DispatchStatus MountProgram::Umnt(const rpc::CallInfo& call, XDR* args) {
  DirpathArg path;
  if (!xdr_dirpath(args, &path.value)) return rpc::DispatchStatus::kGarbageArgs;
  // Only a privileged client may change the list (it is what DUMP reports).
  if (call.peer != nullptr && call.peer->reserved_port()) {
    mounts_.Remove(ClientHost(call), path.value == nullptr ? "" : path.value);
  }
  return rpc::DispatchStatus::kSuccess;
}

rpc::DispatchStatus MountProgram::UmntAll(const rpc::CallInfo& call) {
  if (call.peer != nullptr && call.peer->reserved_port()) mounts_.RemoveHost(ClientHost(call));
  return rpc::DispatchStatus::kSuccess;
}

rpc::DispatchStatus MountProgram::ExportList(XDR* result) {
  std::shared_ptr<const ExportTable> table = exports_->Get();
  std::vector<const Export*> list = table->List();
  std::vector<groupnode> group_nodes(groups_.size());
  for (size_t i = 0; i < groups_.size(); ++i) {
    group_nodes[i].gr_name = groups_[i].data();
    group_nodes[i].gr_next = i + 1 < group_nodes.size() ? &group_nodes[i + 1] : nullptr;
  }
  std::vector<exportnode> nodes(list.size());
  for (size_t i = 0; i < list.size(); ++i) {
    nodes[i].ex_dir = const_cast<char*>(list[i]->path.c_str());
    nodes[i].ex_groups = group_nodes.empty() ? nullptr : group_nodes.data();
    nodes[i].ex_next = i + 1 < nodes.size() ? &nodes[i + 1] : nullptr;
  }
  exports head = nodes.empty() ? nullptr : nodes.data();
  return xdr_exports(result, &head) ? rpc::DispatchStatus::kSuccess
                                    : rpc::DispatchStatus::kSystemErr;
}

}  // namespace loopfs::nfsd
