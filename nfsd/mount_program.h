// The MOUNT program, versions 1 and 3 (RFC 1813 appendix I), served by rpc/.
// See nfsd/nfs3_program.h for how the daemon builds it.
//
// MNT accepts an export's path or any directory below it (resolved by
// LOOKUPs through the export's stack, never above the export) and answers
// with a handle the NFS program accepts.  Version 1's MNT cannot carry our
// handles (32 bytes fixed, ours are up to 61) and would only serve NFSv2,
// which loopfs does not speak: it is answered with MNT3ERR_NOTSUPP.  The
// other procedures work in both versions, as showmount(8) uses version 1.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "nfsd/export.h"
#include "nfsd/file_handle.h"
#include "nfsd/mount_list.h"
#include "rpc/program.h"

namespace loopfs::nfsd {

inline constexpr uint32_t kMountProgram = 100005;

class MountProgram : public rpc::Program {
 public:
  // groups: the client names EXPORT lists for every export.  loopfsd listens
  // on loopback only, hence the default; showmount prints them as
  // "/path 127.0.0.1,::1".
  MountProgram(std::shared_ptr<const ExportTableHolder> exports, const HandleKey& key,
               std::vector<std::string> groups = {"127.0.0.1", "::1"});

  uint32_t number() const override { return kMountProgram; }
  std::string_view name() const override { return "mount"; }
  uint32_t low_version() const override { return 1; }
  uint32_t high_version() const override { return 3; }
  bool HasVersion(uint32_t vers) const override { return vers == 1 || vers == 3; }
  std::string_view ProcName(uint32_t vers, uint32_t proc) const override;
  // MOUNT's procedures are safe to repeat (MNT just answers again).
  bool IsNonIdempotent(uint32_t, uint32_t) const override { return false; }
  rpc::DispatchStatus Dispatch(const rpc::CallInfo& call, XDR* args, XDR* result) override;

  // Current mounts, for DUMP and `loopfs status`.
  const MountList& mounts() const { return mounts_; }

 private:
  rpc::DispatchStatus Mnt(const rpc::CallInfo& call, XDR* args, XDR* result);
  rpc::DispatchStatus Dump(XDR* result);
  rpc::DispatchStatus Umnt(const rpc::CallInfo& call, XDR* args);
  rpc::DispatchStatus UmntAll(const rpc::CallInfo& call);
  rpc::DispatchStatus ExportList(XDR* result);

  std::shared_ptr<const ExportTableHolder> exports_;
  HandleKey key_;
  std::vector<std::string> groups_;
  MountList mounts_;
};

}  // namespace loopfs::nfsd
