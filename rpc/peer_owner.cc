#include "rpc/peer_owner.h"

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <unistd.h>

#include <cstring>

namespace loopfs::rpc {
namespace {

// An IPv4 peer reaching an IPv6 socket shows up as ::ffff:a.b.c.d; its own
// socket is AF_INET, so look it up as such.
sockaddr_storage Unmapped(const sockaddr_storage& ss) {
  if (ss.ss_family != AF_INET6) return ss;
  const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&ss);
  if (!IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) return ss;
  sockaddr_storage out{};
  auto* in = reinterpret_cast<sockaddr_in*>(&out);
  in->sin_family = AF_INET;
  in->sin_port = in6->sin6_port;
  std::memcpy(&in->sin_addr, &in6->sin6_addr.s6_addr[12], 4);
  return out;
}

void FillEndpoint(const sockaddr_storage& ss, __be16* port, __be32* addr) {
  if (ss.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&ss);
    *port = in->sin_port;
    std::memcpy(addr, &in->sin_addr, 4);
  } else {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&ss);
    *port = in6->sin6_port;
    std::memcpy(addr, &in6->sin6_addr, 16);
  }
}

}  // namespace

int64_t LookupTcpSocketOwner(const sockaddr_storage& client_in, const sockaddr_storage& server_in) {
  sockaddr_storage client = Unmapped(client_in);
  sockaddr_storage server = Unmapped(server_in);
  if (client.ss_family != server.ss_family ||
      (client.ss_family != AF_INET && client.ss_family != AF_INET6)) {
    return -1;
  }
  int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
  if (fd < 0) return -1;

  struct {
    nlmsghdr nlh;
    inet_diag_req_v2 req;
  } msg{};
  msg.nlh.nlmsg_len = sizeof(msg);
  msg.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  msg.nlh.nlmsg_flags = NLM_F_REQUEST;  // an exact lookup, not a dump
  msg.req.sdiag_family = static_cast<__u8>(client.ss_family);
  msg.req.sdiag_protocol = IPPROTO_TCP;
  msg.req.idiag_states = ~0u;
  // The client's socket: its source is the client, its destination is us.
  FillEndpoint(client, &msg.req.id.idiag_sport, msg.req.id.idiag_src);
  FillEndpoint(server, &msg.req.id.idiag_dport, msg.req.id.idiag_dst);
  msg.req.id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
  msg.req.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;

  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  int64_t owner = -1;
  if (sendto(fd, &msg, sizeof(msg), 0, reinterpret_cast<sockaddr*>(&kernel), sizeof(kernel)) ==
      static_cast<ssize_t>(sizeof(msg))) {
    alignas(nlmsghdr) char buf[8192];
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    for (auto* h = reinterpret_cast<nlmsghdr*>(buf); n > 0 && NLMSG_OK(h, static_cast<size_t>(n));
         h = NLMSG_NEXT(h, n)) {
      if (h->nlmsg_type == SOCK_DIAG_BY_FAMILY &&
          h->nlmsg_len >= NLMSG_LENGTH(sizeof(inet_diag_msg))) {
        owner = static_cast<const inet_diag_msg*>(NLMSG_DATA(h))->idiag_uid;
        break;
      }
      if (h->nlmsg_type == NLMSG_ERROR || h->nlmsg_type == NLMSG_DONE) break;
    }
  }
  close(fd);
  return owner;
}

}  // namespace loopfs::rpc
