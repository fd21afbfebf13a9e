// Clients that misbehave at the connection level: connect and stay silent,
// stop in the middle of a record, never read their replies, churn
// connections; and well-behaved ones that pipeline many calls or use UDP.
// A well-behaved client must be served throughout.
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>

#include <chrono>
#include <map>
#include <random>
#include <thread>

#include <gtest/gtest.h>

#include "tests/hostile/hostile_fixture.h"
#include "tests/support/nfs3_constants.h"

namespace loopfs::testing {
namespace {

using Clock = std::chrono::steady_clock;

class ConnectionsTest : public HostileTest<ConnectionsTest> {
 public:
  static constexpr bool kMakeTestDir = false;
};

TEST_F(ConnectionsTest, SilentAndHalfRecordClientsDoNotBlockOthers) {
  std::vector<std::unique_ptr<RawRpcClient>> stalled;
  for (int i = 0; i < 20; ++i) {
    auto silent = Nfs();
    ASSERT_NE(silent, nullptr);
    stalled.push_back(std::move(silent));
    auto half = Nfs();
    ASSERT_NE(half, nullptr);
    Bytes rec = RecordMark(EncodeCall(Nfs3Call(*half, kNfs3GetAttr), GetAttrArgs(client_->root())));
    rec.resize(rec.size() / 2);
    ASSERT_TRUE(half->SendRaw(rec));
    stalled.push_back(std::move(half));
    // Half a record mark, too.
    auto mark = Mount();
    ASSERT_NE(mark, nullptr);
    ASSERT_TRUE(mark->SendRaw(Bytes{0x80, 0x00}));
    stalled.push_back(std::move(mark));
  }
  auto t0 = Clock::now();
  EXPECT_TRUE(StillServing(*server_));
  EXPECT_LT(Clock::now() - t0, std::chrono::seconds(10)) << "served, but slowly";
}

TEST_F(ConnectionsTest, ClientThatNeverReadsRepliesDoesNotBlockOthers) {
  auto hog = Nfs();
  ASSERT_NE(hog, nullptr);
  int fd = hog->fd();
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  int small = 4096;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
  // READ calls of 64 KiB each: the replies fill every buffer fast.  Send
  // until the server stops taking calls (bounded in count and time).
  CreateRes f = client_->Create(client_->root(), "hogged", UNCHECKED);
  ASSERT_TRUE(f.ok()) << Why(f);
  ASSERT_TRUE(client_->Write(*f.fh, 0, Bytes(65536, 'r')).ok());
  XdrEncoder read;
  PutFh(read, *f.fh).U64(0).U32(65536);
  size_t sent_calls = 0;
  auto deadline = Clock::now() + std::chrono::seconds(10);
  auto last_progress = Clock::now();
  Bytes pending;
  while (Clock::now() < deadline && sent_calls < 20000) {
    if (pending.empty()) {
      pending = RecordMark(EncodeCall(Nfs3Call(*hog, kNfs3Read), read.bytes()));
    }
    ssize_t n = send(fd, pending.data(), pending.size(), MSG_NOSIGNAL);
    if (n > 0) {
      pending.erase(pending.begin(), pending.begin() + n);
      if (pending.empty()) ++sent_calls;
      last_progress = Clock::now();
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) break;        // server closed us
    if (Clock::now() - last_progress > std::chrono::seconds(2)) break;  // server stopped reading
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  RecordProperty("calls_sent_before_back_pressure", static_cast<int>(sent_calls));
  auto t0 = Clock::now();
  EXPECT_TRUE(StillServing(*server_));
  EXPECT_LT(Clock::now() - t0, std::chrono::seconds(10));
  hog->Abort();
}

TEST_F(ConnectionsTest, ConnectionChurn) {
  auto deadline = Clock::now() + std::chrono::seconds(60);
  int done = 0;
  for (int i = 0; i < 500 && Clock::now() < deadline; ++i, ++done) {
    auto c = (i % 2 == 0) ? Nfs() : Mount();
    ASSERT_NE(c, nullptr) << "connect " << i;
    switch (i % 5) {
      case 0:
        break;  // connect, close
      case 1: {
        auto r = c->Call({.xid = c->NextXid(),
                          .prog = i % 2 == 0 ? kNfsProgram : kMountProgram,
                          .vers = 3,
                          .proc = 0},
                         {});
        ASSERT_TRUE(r && r->Success()) << "NULL on connection " << i;
        break;
      }
      case 2:
        c->SendRaw(Bytes{0x80, 0, 0});  // partial mark, then gone
        break;
      case 3:
        c->Abort();  // reset instead of FIN
        break;
      case 4:
        // A call, closed before the reply is read.
        c->SendCall({.xid = c->NextXid(),
                     .prog = kNfsProgram,
                     .vers = 3,
                     .proc = kNfs3GetAttr,
                     .cred = Credential::Sys(0, 0)},
                    GetAttrArgs(client_->root()));
        break;
    }
  }
  EXPECT_EQ(done, 500) << "churn did not finish in time";
}

TEST_F(ConnectionsTest, ManyCallsInFlightMatchedByXid) {
  auto c = Nfs();
  ASSERT_NE(c, nullptr);
  constexpr int kCalls = 300;
  std::map<uint32_t, uint32_t> want;  // xid -> procedure
  Bytes wire;
  for (int i = 0; i < kCalls; ++i) {
    uint32_t proc = i % 3 == 0 ? kNfs3Null : (i % 3 == 1 ? kNfs3GetAttr : kNfs3FsInfo);
    CallHeader h = Nfs3Call(*c, proc);
    want[h.xid] = proc;
    Bytes rec =
        RecordMark(EncodeCall(h, proc == kNfs3Null ? Bytes{} : GetAttrArgs(client_->root())));
    wire.insert(wire.end(), rec.begin(), rec.end());
  }
  // All calls in one burst, replies read afterwards (the reader thread keeps
  // the socket drained while the writer is still sending).
  std::thread writer([&] { c->SendRaw(wire); });
  std::map<uint32_t, int> seen;
  for (int i = 0; i < kCalls; ++i) {
    auto r = c->ReadReply();
    if (!r) {
      ADD_FAILURE() << "reply " << i << " missing";
      break;
    }
    ++seen[r->xid];
    auto it = want.find(r->xid);
    ASSERT_NE(it, want.end()) << "reply with an xid never sent";
    ASSERT_TRUE(r->Success()) << DescribeReply(*r);
    if (it->second != kNfs3Null) {
      EXPECT_EQ(ResultStatus(r->body), NFS3_OK);
      // A GETATTR result is exactly status + fattr3 (88 bytes), an FSINFO
      // result never is: a reply matched to the wrong call shows here.
      EXPECT_EQ(r->body.size() == 88, it->second == kNfs3GetAttr) << "xid " << r->xid;
    }
  }
  writer.join();
  EXPECT_EQ(seen.size(), static_cast<size_t>(kCalls));
  for (const auto& [xid, n] : seen) EXPECT_EQ(n, 1) << "xid " << xid << " answered " << n << "x";
}

TEST_F(ConnectionsTest, UdpCalls) {
  auto n = Nfs(Transport::kUdp);
  ASSERT_NE(n, nullptr);
  auto null = n->Call(Nfs3Call(*n, kNfs3Null), {}, milliseconds(5000));
  ASSERT_TRUE(null && null->Success());
  auto g = n->Call(Nfs3Call(*n, kNfs3GetAttr), GetAttrArgs(client_->root()), milliseconds(5000));
  ASSERT_TRUE(g && g->Success());
  EXPECT_EQ(ResultStatus(g->body), NFS3_OK);

  auto m = Mount(Transport::kUdp);
  ASSERT_NE(m, nullptr);
  XdrEncoder path;
  path.String(server_->export_path());
  auto mnt = m->Call({.xid = m->NextXid(),
                      .prog = kMountProgram,
                      .vers = kMountV3,
                      .proc = kMountMnt,
                      .cred = Credential::Sys(0, 0)},
                     path.bytes(), milliseconds(5000));
  ASSERT_TRUE(mnt && mnt->Success());
  EXPECT_EQ(ResultStatus(mnt->body), 0u) << "MNT over UDP";
}

TEST_F(ConnectionsTest, UdpGarbageIsSurvived) {
  auto n = Nfs(Transport::kUdp);
  ASSERT_NE(n, nullptr);
  std::mt19937 rng(99);
  for (int i = 0; i < 300; ++i) {
    Bytes junk(rng() % 300);
    for (auto& b : junk) b = static_cast<uint8_t>(rng());
    n->SendRaw(junk);
  }
  // Truncated calls: a valid call header cut at every length.
  Bytes msg = EncodeCall(Nfs3Call(*n, kNfs3GetAttr), GetAttrArgs(client_->root()));
  for (size_t len = 0; len < msg.size(); ++len) {
    n->SendRaw(Bytes(msg.begin(), msg.begin() + static_cast<ptrdiff_t>(len)));
  }
  // Whatever came back, the UDP service still answers a good call.
  auto ok = Nfs(Transport::kUdp);
  ASSERT_NE(ok, nullptr);
  auto r = ok->Call(Nfs3Call(*ok, kNfs3Null), {}, milliseconds(5000));
  ASSERT_TRUE(r.has_value()) << "no reply over UDP after garbage";
  EXPECT_TRUE(r->Success()) << DescribeReply(*r);
}

}  // namespace
}  // namespace loopfs::testing
