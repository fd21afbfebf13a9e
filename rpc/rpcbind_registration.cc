#include "rpc/rpcbind_registration.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <rpc/rpc.h>
#include <rpc/rpcb_clnt.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace loopfs::rpc {
namespace {

// libtirpc falls back to UDP port 111 when the Unix socket is missing and
// then waits out its timeouts; so ask first whether anyone is there.
bool PortmapperListens() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(111);
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = false;
  if (connect(fd, reinterpret_cast<sockaddr*>(&sin), sizeof(sin)) == 0) {
    ok = true;
  } else if (errno == EINPROGRESS) {
    pollfd p{fd, POLLOUT, 0};
    int soerr = 0;
    socklen_t len = sizeof(soerr);
    ok = poll(&p, 1, 500) == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == 0 &&
         soerr == 0;
  }
  close(fd);
  return ok;
}

// Registers (or with port 0 unregisters) one program/version on one netid.
bool SetOne(const RpcbindEntry& e, const char* netid) {
  netconfig* nc = getnetconfigent(netid);
  if (nc == nullptr) return false;
  bool v6 = std::strchr(netid, '6') != nullptr;
  // The universal address of the wildcard with our port: rpcbind answers
  // GETADDR with the address the client reached it on, and our port.
  std::string uaddr = fmt::format("{}.{}.{}", v6 ? "::" : "0.0.0.0", e.port >> 8, e.port & 0xff);
  netbuf* nb = uaddr2taddr(nc, uaddr.c_str());
  bool ok = nb != nullptr && rpcb_set(e.prog, e.vers, nc, nb);
  if (nb != nullptr) {
    free(nb->buf);
    free(nb);
  }
  freenetconfigent(nc);
  return ok;
}

}  // namespace

bool RpcbindRunning() {
  struct stat st;
  return stat("/run/rpcbind.sock", &st) == 0 || PortmapperListens();
}

RpcbindRegistration::RpcbindRegistration(std::vector<RpcbindEntry> entries, bool udp)
    : entries_(std::move(entries)) {
  if (!RpcbindRunning()) {
    spdlog::info("rpcbind is not running: not registering (mount with port= and mountport=)");
    return;
  }
  const char* netids[] = {"tcp", "tcp6", "udp", "udp6"};
  for (const RpcbindEntry& e : entries_) {
    rpcb_unset(e.prog, e.vers, nullptr);
    for (const char* netid : netids) {
      if (!udp && netid[0] == 'u') continue;
      if (!SetOne(e, netid)) {
        spdlog::warn("rpcbind: could not register program {} version {} on {}", e.prog, e.vers,
                     netid);
      }
    }
  }
  registered_ = true;
  spdlog::info("registered with rpcbind");
}

RpcbindRegistration::~RpcbindRegistration() {
  if (!registered_) return;
  for (const RpcbindEntry& e : entries_) rpcb_unset(e.prog, e.vers, nullptr);
}

}  // namespace loopfs::rpc
