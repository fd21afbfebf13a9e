#include "nfsd/nfs3_program.h"

#include <spdlog/spdlog.h>

#include "nfsd/client_address.h"
#include "nfsd/nfs3_call.h"
#include "nfsd/squash.h"

namespace loopfs::nfsd {
namespace {

using Handler = rpc::DispatchStatus (*)(Nfs3Call&, XDR*, XDR*);

struct ProcEntry {
  std::string_view name;
  Handler handler;
  bool non_idempotent;
};

// Indexed by procedure number (RFC 1813 section 3).
constexpr ProcEntry kProcs[] = {
    {"NULL", nullptr, false},
    {"GETATTR", nfs3proc::GetAttr, false},
    {"SETATTR", nfs3proc::SetAttr, true},
    {"LOOKUP", nfs3proc::Lookup, false},
    {"ACCESS", nfs3proc::Access, false},
    {"READLINK", nfs3proc::ReadLink, false},
    {"READ", nfs3proc::Read, false},
    {"WRITE", nfs3proc::Write, true},
    {"CREATE", nfs3proc::Create, true},
    {"MKDIR", nfs3proc::MkDir, true},
    {"SYMLINK", nfs3proc::SymLink, true},
    {"MKNOD", nfs3proc::MkNod, true},
    {"REMOVE", nfs3proc::Remove, true},
    {"RMDIR", nfs3proc::RmDir, true},
    {"RENAME", nfs3proc::Rename, true},
    {"LINK", nfs3proc::Link, true},
    {"READDIR", nfs3proc::ReadDir, false},
    {"READDIRPLUS", nfs3proc::ReadDirPlus, false},
    {"FSSTAT", nfs3proc::FsStat, false},
    {"FSINFO", nfs3proc::FsInfo, false},
    {"PATHCONF", nfs3proc::PathConf, false},
    {"COMMIT", nfs3proc::Commit, false},
};

}  // namespace

Nfs3Program::Nfs3Program(std::shared_ptr<const ExportTableHolder> exports, const HandleKey& key)
    : exports_(std::move(exports)), key_(key) {}

std::string_view Nfs3Program::ProcName(uint32_t vers, uint32_t proc) const {
  if (vers != kNfsVersion || proc >= std::size(kProcs)) return {};
  return kProcs[proc].name;
}

bool Nfs3Program::IsNonIdempotent(uint32_t vers, uint32_t proc) const {
  return vers == kNfsVersion && proc < std::size(kProcs) && kProcs[proc].non_idempotent;
}

rpc::DispatchStatus Nfs3Program::Dispatch(const rpc::CallInfo& call, XDR* args, XDR* result) {
  if (call.vers != kNfsVersion || call.proc >= std::size(kProcs)) {
    return rpc::DispatchStatus::kProcUnavail;
  }
  if (call.proc == 0) return rpc::DispatchStatus::kSuccess;  // NULL: void in, void out
  if (ClaimsForeignUid(call)) {
    spdlog::warn("nfs {} from {}: AUTH_SYS uid {} but the socket belongs to {}; refused",
                 kProcs[call.proc].name, ClientName(call), call.sys.uid,
                 call.peer->owner_uid >= 0
                     ? fmt::format("uid {}", call.peer->owner_uid)
                     : std::string("an unknown user (unreserved port, owner not found)"));
    return rpc::DispatchStatus::kAuthTooWeak;
  }
  std::shared_ptr<const ExportTable> table = exports_->Get();
  Nfs3Call c(call, *table, key_, verifier_);
  rpc::DispatchStatus status = kProcs[call.proc].handler(c, args, result);
  if (c.too_weak()) {
    spdlog::info("nfs {} from {}: source port is not reserved and the export is not insecure",
                 kProcs[call.proc].name, ClientName(call));
    return rpc::DispatchStatus::kAuthTooWeak;
  }
  return status;
}

}  // namespace loopfs::nfsd
