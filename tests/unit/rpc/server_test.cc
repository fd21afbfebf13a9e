#include "rpc/server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <map>
#include <thread>

#include "rpc/record_marking.h"
#include "tests/unit/rpc/call_builder.h"
#include "tests/unit/rpc/fake_program.h"

namespace loopfs::rpc {
namespace {

using testing::BuildCall;
using testing::CallSpec;
using testing::FakeProgram;
using testing::Frame;
using testing::ParsedReply;
using testing::PutU32;

std::vector<uint8_t> U32(uint32_t v) {
  std::vector<uint8_t> out;
  PutU32(&out, v);
  return out;
}

CallSpec Spec(uint32_t xid, uint32_t proc, std::vector<uint8_t> args = {}) {
  CallSpec s;
  s.xid = xid;
  s.prog = FakeProgram::kNumber;
  s.vers = 2;
  s.proc = proc;
  s.args = std::move(args);
  return s;
}

// A blocking test client with timeouts.
class Client {
 public:
  explicit Client(uint16_t port, int type = SOCK_STREAM) {
    fd_ = socket(AF_INET, type, 0);
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(port);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&sin), sizeof(sin)) == 0;
  }
  ~Client() { close(fd_); }
  // Unblocks a thread stuck in Send().
  void Shutdown() { shutdown(fd_, SHUT_RDWR); }
  bool connected() const { return connected_; }
  bool Send(const std::vector<uint8_t>& bytes) {
    return send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(bytes.size());
  }
  bool ReadExact(uint8_t* p, size_t n, int timeout_ms) {
    size_t got = 0;
    while (got < n) {
      pollfd pfd{fd_, POLLIN, 0};
      if (poll(&pfd, 1, timeout_ms) != 1) return false;
      ssize_t r = read(fd_, p + got, n - got);
      if (r <= 0) return false;
      got += static_cast<size_t>(r);
    }
    return true;
  }
  // Reads one TCP reply record; ok=false on timeout or close.
  ParsedReply ReadReply(int timeout_ms = 5000) {
    uint8_t mark[4];
    if (!ReadExact(mark, 4, timeout_ms)) return {};
    uint32_t len = ((uint32_t{mark[0]} << 24) | (uint32_t{mark[1]} << 16) |
                    (uint32_t{mark[2]} << 8) | mark[3]) & ~kLastFragment;
    std::vector<uint8_t> body(len);
    if (!ReadExact(body.data(), len, timeout_ms)) return {};
    return testing::ParseReply(body.data(), len);
  }
  ParsedReply ReadDatagram(int timeout_ms = 5000) {
    pollfd pfd{fd_, POLLIN, 0};
    if (poll(&pfd, 1, timeout_ms) != 1) return {};
    uint8_t buf[65536];
    ssize_t n = recv(fd_, buf, sizeof(buf), 0);
    if (n <= 0) return {};
    return testing::ParseReply(buf, static_cast<size_t>(n));
  }
  // True once the server closed the connection.
  bool ClosedByPeer(int timeout_ms) {
    pollfd pfd{fd_, POLLIN, 0};
    if (poll(&pfd, 1, timeout_ms) != 1) return false;
    uint8_t b;
    return read(fd_, &b, 1) <= 0;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

class ServerTest : public ::testing::Test {
 protected:
  void Start(ServerOptions options = {}) {
    options.listen = {"127.0.0.1"};
    options.nfs_port = 0;
    options.mount_port = 0;
    options.workers = 4;
    dispatcher_.AddProgram(&program_);
    server_ = std::make_unique<RpcServer>(dispatcher_, options);
    std::string error;
    ASSERT_TRUE(server_->Bind(&error)) << error;
    thread_ = std::thread([this] { server_->Run(); });
  }
  void TearDown() override {
    if (server_) {
      server_->Stop();
      thread_.join();
    }
  }
  uint16_t port() const { return server_->nfs_port(); }

  // A well-behaved client is still served.
  void ExpectServed() {
    Client c(port());
    ASSERT_TRUE(c.connected());
    ASSERT_TRUE(c.Send(Frame(BuildCall(Spec(77, 1, U32(77))))));
    ParsedReply r = c.ReadReply();
    ASSERT_TRUE(r.ok);
    EXPECT_EQ(r.body, U32(77));
  }

  FakeProgram program_;
  Dispatcher dispatcher_;
  std::unique_ptr<RpcServer> server_;
  std::thread thread_;
};

TEST_F(ServerTest, ManyCallsInFlightRepliesMatchedByXid) {
  Start();
  Client c(port());
  ASSERT_TRUE(c.connected());
  std::vector<uint8_t> wire;
  for (uint32_t i = 0; i < 40; ++i) {
    // Earlier calls sleep longer, so replies come back out of order.
    auto f = Frame(BuildCall(Spec(1000 + i, 6, U32((40 - i) % 7 * 5))));
    wire.insert(wire.end(), f.begin(), f.end());
  }
  ASSERT_TRUE(c.Send(wire));
  std::map<uint32_t, std::vector<uint8_t>> got;
  for (int i = 0; i < 40; ++i) {
    ParsedReply r = c.ReadReply();
    ASSERT_TRUE(r.ok);
    got[r.xid] = r.body;
  }
  ASSERT_EQ(got.size(), 40u);
  for (uint32_t i = 0; i < 40; ++i) EXPECT_EQ(got[1000 + i], U32((40 - i) % 7 * 5));
}

TEST_F(ServerTest, MultiFragmentRecord) {
  Start();
  Client c(port());
  auto rec = BuildCall(Spec(5, 1, U32(9)));
  std::vector<uint8_t> wire;
  PutU32(&wire, 10);  // first fragment, not last
  wire.insert(wire.end(), rec.begin(), rec.begin() + 10);
  PutU32(&wire, kLastFragment | static_cast<uint32_t>(rec.size() - 10));
  wire.insert(wire.end(), rec.begin() + 10, rec.end());
  ASSERT_TRUE(c.Send(wire));
  ParsedReply r = c.ReadReply();
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.body, U32(9));
}

TEST_F(ServerTest, OversizedRecordClosesOnlyThatConnection) {
  ServerOptions o;
  o.max_record = 64 * 1024;
  Start(o);
  Client bad(port());
  std::vector<uint8_t> wire;
  PutU32(&wire, kLastFragment | (1u << 30));
  wire.resize(4096);
  ASSERT_TRUE(bad.Send(wire));
  EXPECT_TRUE(bad.ClosedByPeer(5000));
  ExpectServed();
  EXPECT_EQ(server_->counters().records_too_large, 1u);
}

TEST_F(ServerTest, StalledPartialRecordIsClosed) {
  ServerOptions o;
  o.stall_timeout = std::chrono::seconds(1);
  Start(o);
  Client stalled(port());
  auto f = Frame(BuildCall(Spec(1, 1, U32(1))));
  ASSERT_TRUE(stalled.Send(std::vector<uint8_t>(f.begin(), f.begin() + 10)));
  Client idle(port());  // connected, sends nothing: allowed to stay
  ExpectServed();
  EXPECT_TRUE(stalled.ClosedByPeer(6000));
  EXPECT_FALSE(idle.ClosedByPeer(100));
}

TEST_F(ServerTest, ClientThatNeverReadsHoldsNoWorkers) {
  ServerOptions o;
  o.max_in_flight = 8;
  o.stall_timeout = std::chrono::seconds(60);
  Start(o);
  Client hog(port());
  // Far more replies than the socket buffers hold: the server must stop
  // reading this client rather than queue or block a worker on it.
  std::vector<uint8_t> wire;
  for (uint32_t i = 0; i < 200; ++i) {
    auto f = Frame(BuildCall(Spec(i, 1, U32(i))));
    wire.insert(wire.end(), f.begin(), f.end());
  }
  std::thread sender([&] {
    for (int k = 0; k < 20; ++k) {
      if (!hog.Send(wire)) break;  // blocks once the server stops reading
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ExpectServed();
  hog.Shutdown();
  sender.join();
}

TEST_F(ServerTest, UdpCall) {
  Start();
  Client c(port(), SOCK_DGRAM);
  ASSERT_TRUE(c.connected());
  ASSERT_TRUE(c.Send(BuildCall(Spec(9, 1, U32(123)))));
  ParsedReply r = c.ReadDatagram();
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.xid, 9u);
  EXPECT_EQ(r.body, U32(123));
}

TEST_F(ServerTest, ConnectionChurn) {
  Start();
  for (int i = 0; i < 200; ++i) {
    Client c(port());
    ASSERT_TRUE(c.connected());
    if (i % 2 == 0) c.Send(Frame(BuildCall(Spec(i, 1, U32(1)))));
  }
  ExpectServed();
}

TEST_F(ServerTest, StopAnswersCallsInFlightFirst) {
  Start();
  Client c(port());
  ASSERT_TRUE(c.Send(Frame(BuildCall(Spec(3, 6, U32(300))))));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  server_->Stop();
  ParsedReply r = c.ReadReply();
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.body, U32(300));
  thread_.join();
  server_.reset();
}

}  // namespace
}  // namespace loopfs::rpc
