#include "rpc/server.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <boost/asio.hpp>
#include <cstring>
#include <deque>
#include <mutex>
#include <set>
#include <thread>

#include "rpc/buffer_pool.h"
#include "rpc/peer_owner.h"
#include "rpc/record_marking.h"
#include "rpc/reply_header.h"

namespace loopfs::rpc {
namespace asio = boost::asio;
using asio::ip::tcp;
using asio::ip::udp;
using Clock = std::chrono::steady_clock;

namespace {

constexpr size_t kReadChunk = 64 * 1024;
// A fragment body at least this large is read straight into the record.
constexpr size_t kDirectReadMin = 16 * 1024;
constexpr size_t kMaxUdpDatagram = 65536;
constexpr size_t kMaxUdpInFlight = 256;
constexpr int kSocketBuffer = 4 << 20;

template <typename Endpoint>
Peer MakePeer(const Endpoint& remote, bool is_tcp) {
  Peer peer;
  std::memcpy(&peer.addr, remote.data(), std::min<size_t>(remote.size(), sizeof(peer.addr)));
  peer.addr_len = static_cast<socklen_t>(remote.size());
  peer.port = remote.port();
  peer.tcp = is_tcp;
  return peer;
}

std::string Describe(const Peer& peer) {
  char host[INET6_ADDRSTRLEN] = "?";
  if (peer.addr.ss_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&peer.addr)->sin_addr, host,
              sizeof(host));
  } else if (peer.addr.ss_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&peer.addr)->sin6_addr, host,
              sizeof(host));
  }
  return fmt::format("{}:{}", host, peer.port);
}

}  // namespace

class RpcServer::Impl {
 public:
  Impl(Dispatcher& dispatcher, ServerOptions options)
      : dispatcher_(dispatcher),
        options_(std::move(options)),
        workers_(options_.workers != 0
                     ? options_.workers
                     : std::max<size_t>(4, 2 * std::thread::hardware_concurrency())),
        sweep_timer_(io_) {}

  class Connection;
  class UdpEndpoint;

  bool Bind(std::string* error);
  void Run();
  void Stop();
  void Post(std::function<void()> fn) { asio::post(io_, std::move(fn)); }

  Dispatcher& dispatcher_;
  ServerOptions options_;
  asio::io_context io_;
  asio::thread_pool workers_;
  asio::steady_timer sweep_timer_;
  BufferPool buffers_;
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors_;
  std::vector<std::shared_ptr<UdpEndpoint>> udp_endpoints_;
  std::set<std::shared_ptr<Connection>> connections_;  // I/O thread only
  uint16_t nfs_port_ = 0;
  uint16_t mount_port_ = 0;
  bool stopping_ = false;  // I/O thread only
  Clock::time_point drain_deadline_;
  std::atomic<uint64_t> accepted_{0}, open_{0}, too_large_{0}, stalled_{0};

  // Stops the loop once stopping and nothing is left in flight.
  void CheckDrained();

 private:
  bool BindPort(uint16_t wanted, uint16_t* bound, std::string* error);
  void Accept(tcp::acceptor* acceptor);
  void Sweep();
};

// One TCP connection.  All members are touched on the I/O thread only,
// except what a worker's job captures by value.
class RpcServer::Impl::Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(Impl& server, tcp::socket socket)
      : server_(server),
        socket_(std::move(socket)),
        reader_(server.options_.max_record, &server.buffers_) {}

  void Start() {
    boost::system::error_code ec;
    auto remote = socket_.remote_endpoint(ec);
    auto local = socket_.local_endpoint(ec);
    if (ec) {
      Close();
      return;
    }
    peer_ = MakePeer(remote, true);
    sockaddr_storage local_ss{};
    std::memcpy(&local_ss, local.data(), std::min<size_t>(local.size(), sizeof(local_ss)));
    peer_.owner_uid = LookupTcpSocketOwner(peer_.addr, local_ss);
    socket_.set_option(tcp::no_delay(true), ec);
    GrowSocketBuffers();
    name_ = Describe(peer_);
    last_progress_ = Clock::now();
    Read();
  }

  // Stops reading new calls; the connection closes once its replies are out.
  void Drain() {
    draining_ = true;
    if (in_flight_ == 0) Close();
  }

  void Close() {
    if (closed_) return;
    closed_ = true;
    boost::system::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_both, ec);
    socket_.close(ec);
    server_.open_.fetch_sub(1);
    server_.connections_.erase(shared_from_this());
    server_.CheckDrained();
  }

  // Closes a connection that stopped making progress in the middle of a
  // record or with replies it does not read.
  bool CheckStalled(Clock::time_point now) {
    bool owes_us = reader_.mid_record() || !write_queue_.empty();
    if (closed_ || !owes_us || now - last_progress_ < server_.options_.stall_timeout) return false;
    spdlog::warn("rpc: closing stalled connection from {} ({} calls in flight)", name_, in_flight_);
    server_.stalled_.fetch_add(1);
    Close();
    return true;
  }

  bool idle() const { return in_flight_ == 0; }

 private:
  // A 1 MiB READ reply should leave in one sendmsg, not sixteen: with the
  // default send buffer each partial write costs a wakeup of the I/O thread.
  // As root, SO_*BUFFORCE passes the sysctl caps (net.core.wmem_max).
  void GrowSocketBuffers() {
    int fd = socket_.native_handle();
    int size = kSocketBuffer;
    if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)) != 0) {
      setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
    }
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) != 0) {
      setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
    }
  }

  void Read() {
    if (closed_ || reading_ || draining_) return;
    if (in_flight_ >= server_.options_.max_in_flight) return;  // resumed by OnReplyWritten
    reading_ = true;
    auto self = shared_from_this();
    std::span<uint8_t> direct = reader_.DirectSpan(kDirectReadMin);
    if (!direct.empty()) {
      socket_.async_read_some(asio::buffer(direct.data(), direct.size()),
                              [self](const boost::system::error_code& ec, size_t n) {
                                self->reading_ = false;
                                if (ec) return self->OnReadError(ec);
                                self->reader_.CommitDirect(n);
                                self->OnBytes();
                              });
      return;
    }
    socket_.async_read_some(asio::buffer(chunk_),
                            [self](const boost::system::error_code& ec, size_t n) {
                              self->reading_ = false;
                              if (ec) return self->OnReadError(ec);
                              self->reader_.Feed({self->chunk_.data(), n});
                              self->OnBytes();
                            });
  }

  void OnReadError(const boost::system::error_code& ec) {
    if (ec != asio::error::eof && ec != asio::error::operation_aborted &&
        ec != asio::error::connection_reset) {
      spdlog::debug("rpc: read from {}: {}", name_, ec.message());
    }
    // The client is gone or half-closed: finish what is in flight, then close.
    Drain();
  }

  void OnBytes() {
    last_progress_ = Clock::now();
    if (reader_.state() == RecordReader::State::kTooLarge) {
      spdlog::warn("rpc: {} sent a record of {} bytes, over the limit of {}; closing",
                   name_, reader_.rejected_length(), server_.options_.max_record);
      server_.too_large_.fetch_add(1);
      Close();
      return;
    }
    ByteBuffer record;
    while (reader_.TakeRecord(&record)) Submit(std::move(record));
    Read();
  }

  void Submit(ByteBuffer record) {
    ++in_flight_;
    auto self = shared_from_this();
    asio::post(server_.workers_, [self, record = std::move(record)]() mutable {
      auto reply = std::make_shared<ByteBuffer>(self->server_.buffers_.Take());
      bool send = self->server_.dispatcher_.Handle(record, self->peer_, reply.get());
      self->server_.buffers_.Give(std::move(record));  // before queueing the reply
      asio::post(self->server_.io_, [self, reply, send] { self->OnReply(send ? reply : nullptr); });
    });
  }

  void OnReply(std::shared_ptr<ByteBuffer> reply) {
    if (closed_) return;
    if (!reply) {
      OnReplyDone(1);
      return;
    }
    EncodeRecordMark(static_cast<uint32_t>(reply->size() - kReplyMarkSize), reply->data());
    write_queue_.push_back(std::move(reply));
    Write();
  }

  // Writes every queued reply with one gather write.
  void Write() {
    if (writing_ || write_queue_.empty() || closed_) return;
    writing_ = true;
    writing_now_.assign(write_queue_.begin(), write_queue_.end());
    write_queue_.clear();
    std::vector<asio::const_buffer> bufs;
    bufs.reserve(writing_now_.size());
    size_t total = 0;
    for (auto& r : writing_now_) {
      bufs.emplace_back(r->data(), r->size());
      total += r->size();
    }
    auto self = shared_from_this();
    // Asio's own completion conditions cap each sendmsg at 64 KiB, which
    // cut every 1 MiB READ reply into 16 system calls and 16 wakeups of
    // this thread; this one lets the kernel take all it can at once.
    auto whole = [total](const boost::system::error_code& ec, size_t sent) -> size_t {
      return ec || sent >= total ? 0 : total - sent;
    };
    asio::async_write(socket_, bufs, whole, [self](const boost::system::error_code& ec, size_t) {
      self->writing_ = false;
      size_t n = self->writing_now_.size();
      for (auto& r : self->writing_now_) {
        if (r.use_count() == 1) self->server_.buffers_.Give(std::move(*r));
      }
      self->writing_now_.clear();
      if (ec) {
        if (ec != asio::error::operation_aborted) {
          spdlog::debug("rpc: write to {}: {}", self->name_, ec.message());
        }
        self->Close();
        return;
      }
      self->last_progress_ = Clock::now();
      self->OnReplyDone(n);
      self->Write();
    });
  }

  void OnReplyDone(size_t n) {
    in_flight_ -= n;
    if (draining_) {
      if (in_flight_ == 0) Close();
      return;
    }
    Read();
  }

  Impl& server_;
  tcp::socket socket_;
  RecordReader reader_;
  Peer peer_;
  std::string name_;
  std::array<uint8_t, kReadChunk> chunk_;
  std::deque<std::shared_ptr<ByteBuffer>> write_queue_;
  std::vector<std::shared_ptr<ByteBuffer>> writing_now_;
  size_t in_flight_ = 0;  // submitted and not yet written (or dropped)
  bool reading_ = false;
  bool writing_ = false;
  bool draining_ = false;
  bool closed_ = false;
  Clock::time_point last_progress_;
};

// One UDP socket.  Datagrams are whole calls; replies go back to the sender.
class RpcServer::Impl::UdpEndpoint : public std::enable_shared_from_this<UdpEndpoint> {
 public:
  UdpEndpoint(Impl& server, udp::socket socket) : server_(server), socket_(std::move(socket)) {}

  void Start() { Receive(); }
  void Close() {
    boost::system::error_code ec;
    socket_.close(ec);
  }
  size_t in_flight() const { return in_flight_; }

 private:
  void Receive() {
    auto self = shared_from_this();
    socket_.async_receive_from(
        asio::buffer(datagram_), sender_, [self](const boost::system::error_code& ec, size_t n) {
          if (ec == asio::error::operation_aborted || !self->socket_.is_open()) return;
          if (!ec && self->in_flight_ < kMaxUdpInFlight && !self->server_.stopping_) {
            self->Submit(ByteBuffer(self->datagram_.begin(), self->datagram_.begin() + n));
          }
          // Over the bound the datagram is dropped: the client retransmits.
          self->Receive();
        });
  }

  void Submit(ByteBuffer record) {
    ++in_flight_;
    auto self = shared_from_this();
    Peer peer = MakePeer(sender_, false);
    udp::endpoint to = sender_;
    asio::post(server_.workers_, [self, peer, to, record = std::move(record)]() mutable {
      auto reply = std::make_shared<ByteBuffer>();
      bool send = self->server_.dispatcher_.Handle(record, peer, reply.get());
      if (send && reply->size() - kReplyMarkSize > kMaxUdpDatagram - 28) {
        // Too big for a datagram (a large READ over UDP): the client must use TCP.
        spdlog::warn("rpc: reply of {} bytes too large for UDP to {}", reply->size(),
                     Describe(peer));
        send = false;
      }
      asio::post(self->server_.io_, [self, reply, send, to] {
        if (!send || !self->socket_.is_open()) {
          --self->in_flight_;
          self->server_.CheckDrained();
          return;
        }
        self->socket_.async_send_to(
            asio::buffer(reply->data() + kReplyMarkSize, reply->size() - kReplyMarkSize), to,
            [self, reply](const boost::system::error_code&, size_t) {
              --self->in_flight_;
              self->server_.CheckDrained();
            });
      });
    });
  }

  Impl& server_;
  udp::socket socket_;
  udp::endpoint sender_;
  std::array<uint8_t, kMaxUdpDatagram> datagram_;
  size_t in_flight_ = 0;
};

bool RpcServer::Impl::BindPort(uint16_t wanted, uint16_t* bound, std::string* error) {
  uint16_t port = wanted;
  for (const std::string& host : options_.listen) {
    boost::system::error_code ec;
    auto addr = asio::ip::make_address(host, ec);
    if (ec) {
      *error = fmt::format("listen address '{}' is not an IP address", host);
      return false;
    }
    auto acceptor = std::make_unique<tcp::acceptor>(io_);
    tcp::endpoint ep(addr, port);
    acceptor->open(ep.protocol(), ec);
    if (!ec && addr.is_v6()) acceptor->set_option(asio::ip::v6_only(true), ec);
    if (!ec) acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor->bind(ep, ec);
    if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      // An IPv6 loopback may be missing (IPv6 disabled): serve IPv4 alone
      // then, but a port that is taken is an error the user must see.
      if (addr.is_v6() && (ec == boost::system::errc::address_not_available ||
                           ec == asio::error::address_family_not_supported)) {
        spdlog::warn("rpc: cannot listen on [{}]:{} ({}); continuing without it", host, port,
                     ec.message());
        continue;
      }
      *error = fmt::format("cannot listen on {}:{}: {}{}", host, port, ec.message(),
                           ec == asio::error::address_in_use
                               ? " (another NFS server running? choose another port)"
                               : "");
      return false;
    }
    port = acceptor->local_endpoint().port();  // port 0: the others follow the first
    acceptors_.push_back(std::move(acceptor));
    if (options_.udp) {
      udp::socket usock(io_);
      udp::endpoint uep(addr, port);
      usock.open(uep.protocol(), ec);
      if (!ec && addr.is_v6()) usock.set_option(asio::ip::v6_only(true), ec);
      if (!ec) usock.bind(uep, ec);
      if (ec) {
        *error = fmt::format("cannot listen on {}:{} (udp): {}", host, port, ec.message());
        return false;
      }
      udp_endpoints_.push_back(std::make_shared<UdpEndpoint>(*this, std::move(usock)));
    }
  }
  if (acceptors_.empty()) {
    *error = "no listen address could be used";
    return false;
  }
  *bound = port;
  return true;
}

bool RpcServer::Impl::Bind(std::string* error) {
  if (options_.listen.empty()) {
    *error = "no listen addresses configured";
    return false;
  }
  size_t first = acceptors_.size();
  if (!BindPort(options_.nfs_port, &nfs_port_, error)) return false;
  size_t nfs_acceptors = acceptors_.size() - first;
  if (options_.mount_port == options_.nfs_port && options_.nfs_port != 0) {
    mount_port_ = nfs_port_;  // one port serves both programs
    return true;
  }
  (void)nfs_acceptors;
  return BindPort(options_.mount_port, &mount_port_, error);
}

void RpcServer::Impl::Accept(tcp::acceptor* acceptor) {
  acceptor->async_accept([this, acceptor](const boost::system::error_code& ec, tcp::socket sock) {
    if (ec == asio::error::operation_aborted || stopping_) return;
    if (!ec) {
      accepted_.fetch_add(1);
      if (connections_.size() >= options_.max_connections) {
        spdlog::warn("rpc: {} connections open, refusing another", connections_.size());
        boost::system::error_code ignored;
        sock.close(ignored);
      } else {
        auto conn = std::make_shared<Connection>(*this, std::move(sock));
        connections_.insert(conn);
        open_.fetch_add(1);
        conn->Start();
      }
    } else {
      // EMFILE and the like: keep accepting after a short pause.
      spdlog::warn("rpc: accept: {}", ec.message());
    }
    Accept(acceptor);
  });
}

void RpcServer::Impl::Sweep() {
  sweep_timer_.expires_after(std::chrono::seconds(1));
  sweep_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    auto now = Clock::now();
    std::vector<std::shared_ptr<Connection>> snapshot(connections_.begin(), connections_.end());
    for (auto& c : snapshot) c->CheckStalled(now);
    if (stopping_) {
      CheckDrained();
      if (now >= drain_deadline_) {
        spdlog::warn("rpc: {} connections still busy after the drain timeout; closing them",
                     connections_.size());
        snapshot.assign(connections_.begin(), connections_.end());
        for (auto& c : snapshot) c->Close();
        io_.stop();
        return;
      }
    }
    Sweep();
  });
}

void RpcServer::Impl::CheckDrained() {
  if (!stopping_) return;
  bool udp_busy = std::any_of(udp_endpoints_.begin(), udp_endpoints_.end(),
                              [](auto& u) { return u->in_flight() != 0; });
  if (connections_.empty() && !udp_busy) io_.stop();
}

void RpcServer::Impl::Run() {
  for (auto& a : acceptors_) Accept(a.get());
  for (auto& u : udp_endpoints_) u->Start();
  Sweep();
  // Keep the loop alive while stopping, until everything drained.
  auto guard = asio::make_work_guard(io_);
  io_.run();
  workers_.join();
}

void RpcServer::Impl::Stop() {
  asio::post(io_, [this] {
    if (stopping_) return;
    stopping_ = true;
    drain_deadline_ = Clock::now() + options_.drain_timeout;
    boost::system::error_code ec;
    for (auto& a : acceptors_) a->close(ec);
    for (auto& u : udp_endpoints_) {
      if (u->in_flight() == 0) u->Close();
    }
    std::vector<std::shared_ptr<Connection>> snapshot(connections_.begin(), connections_.end());
    for (auto& c : snapshot) c->Drain();
    CheckDrained();
  });
}

RpcServer::RpcServer(Dispatcher& dispatcher, ServerOptions options)
    : impl_(std::make_unique<Impl>(dispatcher, std::move(options))) {}
RpcServer::~RpcServer() = default;
bool RpcServer::Bind(std::string* error) { return impl_->Bind(error); }
uint16_t RpcServer::nfs_port() const { return impl_->nfs_port_; }
uint16_t RpcServer::mount_port() const { return impl_->mount_port_; }
void RpcServer::Run() { impl_->Run(); }
void RpcServer::Stop() { impl_->Stop(); }
void RpcServer::Post(std::function<void()> fn) { impl_->Post(std::move(fn)); }
RpcServer::Counters RpcServer::counters() const {
  return {impl_->accepted_.load(), impl_->open_.load(), impl_->too_large_.load(),
          impl_->stalled_.load()};
}

}  // namespace loopfs::rpc
