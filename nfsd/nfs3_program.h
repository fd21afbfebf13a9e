// The NFS version 3 program (RFC 1813), served by rpc/.
//
//   std::string err;
//   auto key = nfsd::LoadOrCreateHandleKey(state_dir, &err);          // nfsd/handle_key.h
//   auto exports = std::make_shared<nfsd::ExportTableHolder>(
//       nfsd::ExportTable::Build(configs, LayerRegistry::Global(), &err));  // nfsd/export.h
//   nfsd::Nfs3Program nfs(exports, *key);
//   nfsd::MountProgram mount(exports, *key);                          // nfsd/mount_program.h
//   ... register both with the rpc server ...
//
// Each call resolves its handles against the export table current when it
// starts; SIGHUP reloads swap the holder's table (ExportTableHolder::Swap).
#pragma once

#include <memory>

#include "nfsd/export.h"
#include "nfsd/file_handle.h"
#include "nfsd/write_verifier.h"
#include "rpc/program.h"

namespace loopfs::nfsd {

inline constexpr uint32_t kNfsProgram = 100003;
inline constexpr uint32_t kNfsVersion = 3;
// Transfer sizes announced by FSINFO and enforced on READ, WRITE, READDIR.
inline constexpr uint32_t kMaxTransfer = 1024 * 1024;

class Nfs3Program : public rpc::Program {
 public:
  Nfs3Program(std::shared_ptr<const ExportTableHolder> exports, const HandleKey& key);

  uint32_t number() const override { return kNfsProgram; }
  std::string_view name() const override { return "nfs"; }
  uint32_t low_version() const override { return kNfsVersion; }
  uint32_t high_version() const override { return kNfsVersion; }
  std::string_view ProcName(uint32_t vers, uint32_t proc) const override;
  bool IsNonIdempotent(uint32_t vers, uint32_t proc) const override;
  rpc::DispatchStatus Dispatch(const rpc::CallInfo& call, XDR* args, XDR* result) override;

  const WriteVerifier& write_verifier() const { return verifier_; }

 private:
  std::shared_ptr<const ExportTableHolder> exports_;
  HandleKey key_;
  WriteVerifier verifier_;
};

}  // namespace loopfs::nfsd
