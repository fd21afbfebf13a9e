// Registration of our programs with rpcbind, so that a plain
// `mount localhost:/ /mnt` finds the NFS and MOUNT ports.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace loopfs::rpc {

struct RpcbindEntry {
  uint32_t prog;
  uint32_t vers;
  uint16_t port;
};

class RpcbindRegistration {
 public:
  // Registers every entry for tcp and udp over IPv4 and IPv6 when rpcbind
  // runs; logs and does nothing when it does not (mounts then give port= and
  // mountport=).  Stale registrations of the same program/version are
  // replaced.
  explicit RpcbindRegistration(std::vector<RpcbindEntry> entries, bool udp);
  // Unregisters what was registered.
  ~RpcbindRegistration();

  bool registered() const { return registered_; }

 private:
  std::vector<RpcbindEntry> entries_;
  bool registered_ = false;
};

// True if an rpcbind answers on this machine (its Unix socket or port 111).
bool RpcbindRunning();

}  // namespace loopfs::rpc
