#include "layers/posix/credentials.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>

namespace loopfs::posix {
namespace {

struct ThreadIds {
  bool known = false;
  // The process may start with more groups than AUTH_SYS carries; then the
  // cache cannot describe them and the first switch sets them explicitly.
  bool groups_known = false;
  Credentials cred;
};

thread_local ThreadIds current;

void Learn() {
  if (current.known) return;
  // setfsuid(-1) changes nothing and returns the current fsuid.
  current.cred.uid = static_cast<uint32_t>(syscall(SYS_setfsuid, -1));
  current.cred.gid = static_cast<uint32_t>(syscall(SYS_setfsgid, -1));
  gid_t groups[kMaxGroups + 1];
  long n = syscall(SYS_getgroups, static_cast<int>(kMaxGroups + 1), groups);
  if (n >= 0 && n <= static_cast<long>(kMaxGroups)) {
    current.cred.ngroups = static_cast<uint32_t>(n);
    std::copy(groups, groups + n, current.cred.groups.begin());
    current.groups_known = true;
  }
  current.known = true;
}

// Applies the parts of want that differ from the thread's ids.  The calls
// need CAP_SETGID/CAP_SETUID, which are not file system capabilities, so a
// non-zero fsuid does not stop the way back to root.
bool Apply(const Credentials& want) {
  Learn();
  Credentials& have = current.cred;
  if (!current.groups_known || have.ngroups != want.ngroups ||
      !std::equal(want.groups.begin(), want.groups.begin() + want.ngroups,
                  have.groups.begin())) {
    gid_t groups[kMaxGroups];
    std::copy(want.groups.begin(), want.groups.begin() + want.ngroups, groups);
    if (syscall(SYS_setgroups, static_cast<size_t>(want.ngroups), groups) != 0) return false;
    have.ngroups = want.ngroups;
    have.groups = want.groups;
    current.groups_known = true;
  }
  if (have.gid != want.gid) {
    syscall(SYS_setfsgid, want.gid);
    // setfsgid reports failure only by not changing: ask again.
    if (static_cast<uint32_t>(syscall(SYS_setfsgid, -1)) != want.gid) return false;
    have.gid = want.gid;
  }
  if (have.uid != want.uid) {
    syscall(SYS_setfsuid, want.uid);
    if (static_cast<uint32_t>(syscall(SYS_setfsuid, -1)) != want.uid) return false;
    have.uid = want.uid;
  }
  return true;
}

}  // namespace

Credentials RootCredentials() { return Credentials{}; }

Credentials CurrentThreadCredentials() {
  Learn();
  return current.cred;
}

CredentialScope::CredentialScope(const Credentials& cred) {
  Learn();
  previous_ = current.cred;
  ok_ = Apply(cred);
  if (!ok_) Apply(previous_);
}

CredentialScope::~CredentialScope() { Apply(previous_); }

}  // namespace loopfs::posix
