#include "nfsd/client_address.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>

namespace loopfs::nfsd {

std::string ClientHost(const rpc::CallInfo& call) {
  if (call.peer == nullptr) return "unknown";
  char buf[INET6_ADDRSTRLEN] = {};
  const sockaddr_storage& ss = call.peer->addr;
  if (ss.ss_family == AF_INET) {
    const auto* sin = reinterpret_cast<const sockaddr_in*>(&ss);
    if (inet_ntop(AF_INET, &sin->sin_addr, buf, sizeof buf) != nullptr) return buf;
  } else if (ss.ss_family == AF_INET6) {
    const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(&ss);
    if (inet_ntop(AF_INET6, &sin6->sin6_addr, buf, sizeof buf) != nullptr) return buf;
  }
  return "unknown";
}

std::string ClientName(const rpc::CallInfo& call) {
  if (call.peer == nullptr) return "unknown";
  return fmt::format("{}:{}", ClientHost(call), call.peer->port);
}

}  // namespace loopfs::nfsd
