// Per-thread file system credentials: the posix layer acts on the local file
// system as the NFS caller.
//
// Linux keeps fsuid, fsgid and the supplementary groups per thread in the
// kernel, but glibc's setfsuid/setgroups wrappers broadcast the change to
// every thread of the process (POSIX wants process-wide ids).  A worker pool
// serving different users at once needs the raw system calls instead.
//
// Capabilities follow automatically: with a non-zero fsuid the kernel clears
// the file system capabilities (CAP_CHOWN, CAP_DAC_OVERRIDE,
// CAP_DAC_READ_SEARCH, CAP_FOWNER, CAP_FSETID, CAP_MKNOD, ...) from the
// effective set and restores them when fsuid returns to 0.  One consequence:
// open_by_handle_at needs CAP_DAC_READ_SEARCH, so handles are resolved as
// root (RootCredentials) before switching to the caller.
#pragma once

#include "layers/types.h"

namespace loopfs::posix {

// uid 0, gid 0, no supplementary groups: the server's own identity.
Credentials RootCredentials();

// Switches the calling thread's fsuid, fsgid and groups to cred for the
// scope's lifetime and back afterwards.  The thread's current ids are cached
// (thread_local), so a switch to ids the thread already has costs no system
// call: a root caller, or nested scopes with the same ids, are free.
//
// A thread created while a scope is active inherits its ids (clone copies
// the creating thread's credentials): start worker threads outside scopes.
//
// ok() is false if the kernel refused the switch (no CAP_SETUID/CAP_SETGID);
// the scope then leaves the thread as it was and the caller must not act.
class CredentialScope {
 public:
  explicit CredentialScope(const Credentials& cred);
  ~CredentialScope();
  CredentialScope(const CredentialScope&) = delete;
  CredentialScope& operator=(const CredentialScope&) = delete;

  bool ok() const { return ok_; }

 private:
  Credentials previous_;
  bool ok_ = false;
};

// The ids the calling thread acts with now (as cached).
Credentials CurrentThreadCredentials();

}  // namespace loopfs::posix
