// Internal to the NFSv3 program: what one call's procedure needs besides its
// arguments (the export table snapshot, handle resolution, credentials, the
// write verifier) and small XDR helpers shared by the nfs3_proc_*.cc files.
#pragma once

#include <optional>
#include <string_view>

#include "layers/layer.h"
#include "nfsd/export.h"
#include "nfsd/file_handle.h"
#include "nfsd/nfs3_prot.h"
#include "nfsd/write_verifier.h"
#include "rpc/program.h"

namespace loopfs::nfsd {

// A resolved handle: the export it belongs to and the layer's node.
struct Nfs3Target {
  const Export* exp = nullptr;
  NodeHandle node;

  Layer* layer() const { return exp->stack.get(); }
  uint64_t fsid() const { return exp->fsid; }
};

class Nfs3Call {
 public:
  Nfs3Call(const rpc::CallInfo& info, const ExportTable& table, const HandleKey& key,
           WriteVerifier& verifier)
      : info_(info), table_(table), key_(key), verifier_(verifier) {}

  const rpc::CallInfo& info() const { return info_; }
  WriteVerifier& verifier() { return verifier_; }

  // Authenticates fh (kBadhandle), finds its export (kStale if gone), checks
  // the caller's source port against the export (sets too_weak()), and on the
  // first handle of the call builds ctx() for that export.  A second handle
  // in another export is kXdev.
  Status Resolve(const nfs_fh3& fh, Nfs3Target* out);
  bool too_weak() const { return too_weak_; }
  const RequestContext& ctx() const { return ctx_; }

  WireHandle EncodeHandle(const Nfs3Target& within, const NodeHandle& node) const;

  // The layer's status, made safe to send: a value outside nfsstat3 becomes
  // kServerfault; kServerfault is logged with the procedure and the client.
  Status Checked(Status st);
  // Best-effort attributes for failure paths that never reached the layer.
  std::optional<Attr> AttrOf(const Nfs3Target& target);

  // Encodes the result; an encoding failure is logged and is SYSTEM_ERR.
  template <typename T>
  rpc::DispatchStatus Reply(bool_t (*encode)(XDR*, T*), T* res, XDR* out) {
    if (encode(out, res)) return rpc::DispatchStatus::kSuccess;
    LogEncodeFailure();
    return rpc::DispatchStatus::kSystemErr;
  }
  void LogEncodeFailure() const;
  std::string_view proc_name() const;

 private:
  const rpc::CallInfo& info_;
  const ExportTable& table_;
  const HandleKey& key_;
  WriteVerifier& verifier_;
  const Export* exp_ = nullptr;
  bool too_weak_ = false;
  RequestContext ctx_;
};

// Decoded arguments of type T, freed with the same XDR routine.
template <typename T, bool_t (*Fn)(XDR*, T*)>
class XdrArgs {
 public:
  XdrArgs() = default;
  ~XdrArgs() { xdr_free(reinterpret_cast<xdrproc_t>(Fn), reinterpret_cast<char*>(&value_)); }
  XdrArgs(const XdrArgs&) = delete;
  XdrArgs& operator=(const XdrArgs&) = delete;

  bool Decode(XDR* xdr) { return Fn(xdr, &value_) != 0; }
  T* operator->() { return &value_; }
  T& operator*() { return value_; }

 private:
  T value_{};
};

inline std::string_view NameOf(const filename3& name) {
  return {name.filename3_val == nullptr ? "" : name.filename3_val, name.filename3_len};
}

// An nfs_fh3 that points into w (which must outlive it).
inline nfs_fh3 ToNfsFh3(WireHandle& w) {
  nfs_fh3 fh{};
  fh.data.data_len = w.size;
  fh.data.data_val = reinterpret_cast<char*>(w.data.data());
  return fh;
}

inline nfsstat3 ToNfsstat3(Status st) { return static_cast<nfsstat3>(st.code()); }

// Procedure handlers, one per RFC 1813 procedure (NULL is the program's).
namespace nfs3proc {
using rpc::DispatchStatus;
DispatchStatus GetAttr(Nfs3Call& call, XDR* args, XDR* res);
DispatchStatus SetAttr(Nfs3Call& call, XDR* args, XDR* res);
DispatchStatus Lookup(Nfs3Call& call, XDR* args, XDR* res);
DispatchStatus Access(Nfs3Call& call, XDR* args, XDR* res);
DispatchStatus ReadLink(Nfs3Call& call, XDR* args, XDR* res);
DispatchStatus Read(Nfs3Call& call, XDR* args, XDR* res);
DispatchStatus Write(Nfs3Call& call, XDR* args, XDR* res);
DispatchStatus Create(Nfs3Call& call, XDR* args, XDR* res);
DispatchStatus MkDir(Nfs3Call& call, XDR* args, XDR* res);
DispatchStatus SymLink(Nfs3Call& call, XDR* args, XDR* res);
DispatchStatus MkNod(Nfs3Call& call, XDR* args, XDR* res);
DispatchStatus Remove(Nfs3Call& call, XDR* args, XDR* res);
DispatchStatus RmDir(Nfs3Call& call, XDR* args, XDR* res);
DispatchStatus Rename(Nfs3Call& call, XDR* args, XDR* res);
DispatchStatus Link(Nfs3Call& call, XDR* args, XDR* res);
DispatchStatus ReadDir(Nfs3Call& call, XDR* args, XDR* res);
DispatchStatus ReadDirPlus(Nfs3Call& call, XDR* args, XDR* res);
DispatchStatus FsStat(Nfs3Call& call, XDR* args, XDR* res);
DispatchStatus FsInfo(Nfs3Call& call, XDR* args, XDR* res);
DispatchStatus PathConf(Nfs3Call& call, XDR* args, XDR* res);
DispatchStatus Commit(Nfs3Call& call, XDR* args, XDR* res);
}  // namespace nfs3proc

}  // namespace loopfs::nfsd
