// Who owns the client's end of a loopback TCP connection.
//
// AUTH_SYS lets a caller claim any uid.  Over loopback the kernel knows the
// truth: the client's socket is on this machine, and NETLINK_SOCK_DIAG
// reports its owner.  nfsd refuses credentials that claim a uid other than
// the owner's unless the owner is root (the kernel NFS client's sockets are
// root's and carry every local user's calls).
#pragma once

#include <sys/socket.h>

#include <cstdint>

namespace loopfs::rpc {

// client: the peer address of our connection (the client socket's local
// address); server: our local address.  Returns the owner uid, or -1 if the
// socket is not found (not local, already closed, netlink unavailable).
int64_t LookupTcpSocketOwner(const sockaddr_storage& client, const sockaddr_storage& server);

}  // namespace loopfs::rpc
