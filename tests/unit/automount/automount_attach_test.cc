// The automount layer's attach life cycle: once per key under concurrency, bounded in time,
// backoff after failures, idle detach and re-attach through old handles.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

#include "layers/automount/automount_layer.h"
#include "tests/unit/automount/automount_fixture.h"

namespace loopfs::automount::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// A posix attacher that counts its calls and sleeps first.
AttacherTable SlowPosix(std::atomic<int>* calls, std::chrono::milliseconds delay) {
  AttacherTable t;
  t[FsType::kPosix] = [calls, delay](const MapEntry& e, Status* st, std::string* err) {
    ++*calls;
    std::this_thread::sleep_for(delay);
    return PosixAttacher()(e, st, err);
  };
  return t;
}

TEST_F(AutomountTest, TwentyConcurrentFirstAccessesAttachOnce) {
  DefaultMap();
  std::atomic<int> calls{0};
  AutomountOptions o = Options();
  o.attachers = SlowPosix(&calls, 200ms);
  auto layer = Open(o);
  NodeHandle a = Walk(*layer, "a");
  NodeHandle b = Walk(*layer, "b");

  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  threads.reserve(20);
  for (int i = 0; i < 20; ++i) {
    threads.emplace_back([&] {
      std::vector<std::string> names;
      if (List(*layer, a, &names).ok() && names.size() == 3) ++ok;
    });
  }
  // Another key is not held up behind a's attach: it attaches in parallel.
  auto start = Clock::now();
  std::vector<std::string> names;
  EXPECT_TRUE(List(*layer, b, &names).ok());
  EXPECT_LT(Clock::now() - start, 400ms);
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 20);
  EXPECT_EQ(calls.load(), 2);  // one for a, one for b
  EXPECT_EQ(Attaches(*layer, "a"), 1u);
}

TEST_F(AutomountTest, SlowAttachAnswersIoWithinTheBoundAndFinishesLater) {
  DefaultMap();
  std::atomic<int> calls{0};
  AutomountOptions o = Options();
  o.attachers = SlowPosix(&calls, 1500ms);
  o.table.attach_timeout = 300ms;
  auto layer = Open(o);
  NodeHandle a = Walk(*layer, "a");
  std::vector<std::string> names;
  auto start = Clock::now();
  EXPECT_EQ(List(*layer, a, &names).code(), Nfsstat3::kIo);
  EXPECT_LT(Clock::now() - start, 800ms);
  EXPECT_GE(Clock::now() - start, 250ms);
  // While the attach goes on, callers fail fast instead of queueing.
  start = Clock::now();
  EXPECT_EQ(List(*layer, a, &names).code(), Nfsstat3::kIo);
  EXPECT_LT(Clock::now() - start, 100ms);
  // The attach finished in the background: the entry works, attached once.
  EXPECT_TRUE(Eventually([&] { return List(*layer, a, &names).ok(); }));
  EXPECT_EQ(calls.load(), 1);
}

TEST_F(AutomountTest, CallerDeadlineBoundsTheWaitToo) {
  DefaultMap();
  std::atomic<int> calls{0};
  AutomountOptions o = Options();
  o.attachers = SlowPosix(&calls, 1000ms);
  auto layer = Open(o);
  NodeHandle a = Walk(*layer, "a");
  RequestContext hurried = ctx_;
  hurried.deadline = Clock::now() + 100ms;
  CollectSink sink;
  ReadDirRes res;
  auto start = Clock::now();
  EXPECT_EQ(layer->ReadDir(hurried, a, 0, {}, false, sink, &res).code(), Nfsstat3::kIo);
  EXPECT_LT(Clock::now() - start, 600ms);
}

TEST_F(AutomountTest, HangingProgramMapAnswersIoWithinTheBound) {
  std::string map = dir_.Write("auto.prog", "#!/bin/sh\nexec sleep 30\n", 0755);
  AutomountOptions o = Options();
  o.map = map;
  o.table.attach_timeout = 300ms;
  o.load.program.timeout = 1000ms;  // the program itself is killed later; the caller never waits
  auto layer = Open(o);
  NodeHandle h;
  auto start = Clock::now();
  EXPECT_EQ(LookupIn(*layer, RootOf(*layer), "anything", &h).code(), Nfsstat3::kIo);
  EXPECT_LT(Clock::now() - start, 900ms);
}

TEST_F(AutomountTest, ProgramMapKeysWork) {
  std::string map =
      dir_.Write("auto.prog", "#!/bin/sh\n[ \"$1\" = a ] && echo ':" + Srv("a") + "'\n", 0755);
  AutomountOptions o = Options();
  o.map = map;
  auto layer = Open(o);
  EXPECT_EQ(ReadAll(*layer, Walk(*layer, "a/hello.txt")), "hello from a");
  NodeHandle h;
  EXPECT_EQ(LookupIn(*layer, RootOf(*layer), "zz", &h).code(), Nfsstat3::kNoent);
}

TEST_F(AutomountTest, FailedAttachIsDownWithBackoffThenRetried) {
  WriteMap("gone :" + Srv("not-yet") + "\n");
  std::atomic<int> calls{0};
  AutomountOptions o = Options();
  o.attachers = SlowPosix(&calls, 0ms);
  auto layer = Open(o);
  NodeHandle gone = Walk(*layer, "gone");
  std::vector<std::string> names;
  EXPECT_EQ(List(*layer, gone, &names).code(), Nfsstat3::kIo);
  auto status = StatusOf(*layer, "gone");
  ASSERT_TRUE(status);
  EXPECT_EQ(status->state, EntryStatus::State::kDown);
  EXPECT_NE(status->last_error.find("not-yet"), std::string::npos) << status->last_error;
  // Within the backoff: fail fast, no new attempt.
  EXPECT_EQ(List(*layer, gone, &names).code(), Nfsstat3::kIo);
  EXPECT_EQ(calls.load(), 1);
  // After it (100 ms, then 200 ms): retried, and once the directory exists, attached.
  std::this_thread::sleep_for(150ms);
  EXPECT_EQ(List(*layer, gone, &names).code(), Nfsstat3::kIo);
  EXPECT_EQ(calls.load(), 2);
  std::filesystem::create_directories(Srv("not-yet"));
  EXPECT_TRUE(Eventually([&] { return List(*layer, gone, &names).ok(); }));
  EXPECT_EQ(StatusOf(*layer, "gone")->state, EntryStatus::State::kAttached);
  EXPECT_TRUE(StatusOf(*layer, "gone")->last_error.empty());
}

TEST_F(AutomountTest, IdleEntriesDetachAndOldHandlesReattach) {
  DefaultMap();
  AutomountOptions o = Options();
  o.idle = 200ms;
  auto layer = Open(o);
  NodeHandle file = Walk(*layer, "a/hello.txt");
  ASSERT_EQ(ReadAll(*layer, file), "hello from a");
  ASSERT_EQ(StatusOf(*layer, "a")->state, EntryStatus::State::kAttached);
  EXPECT_TRUE(
      Eventually([&] { return StatusOf(*layer, "a")->state == EntryStatus::State::kIdle; }, 3s));
  EXPECT_EQ(ReadAll(*layer, file), "hello from a");
  EXPECT_EQ(Attaches(*layer, "a"), 2u);
}

TEST_F(AutomountTest, UncommittedWritesKeepTheEntryLonger) {
  DefaultMap();
  AutomountOptions o = Options();
  o.idle = 300ms;
  auto layer = Open(o);
  NodeHandle file = Walk(*layer, "a/hello.txt");
  const std::string text = "x";
  WriteRes wres;
  ASSERT_TRUE(layer
                  ->Write(ctx_, file, 0,
                          std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()),
                          StableHow::kUnstable, &wres)
                  .ok());
  if (wres.committed != StableHow::kUnstable) GTEST_SKIP() << "the posix layer wrote stably";
  auto written = Clock::now();
  // Past idle but before 2 x idle: still attached.
  std::this_thread::sleep_for(450ms);
  if (Clock::now() - written < 600ms) {
    EXPECT_EQ(StatusOf(*layer, "a")->state, EntryStatus::State::kAttached);
  }
  EXPECT_TRUE(
      Eventually([&] { return StatusOf(*layer, "a")->state == EntryStatus::State::kIdle; }, 3s));
  // After a COMMIT the normal idle applies again.
  ASSERT_EQ(ReadAll(*layer, file).substr(0, 1), "x");
  CommitRes cres;
  ASSERT_TRUE(layer->Commit(ctx_, file, 0, 0, &cres).ok());
  EXPECT_TRUE(
      Eventually([&] { return StatusOf(*layer, "a")->state == EntryStatus::State::kIdle; }, 3s));
}

TEST_F(AutomountTest, NoDetachWhileACallIsInFlight) {
  DefaultMap();
  std::atomic<bool> release{false};
  std::atomic<bool> inside{false};
  AutomountOptions o = Options();
  o.idle = 50ms;
  auto layer = Open(o);
  NodeHandle a = Walk(*layer, "a");
  // A sink that blocks holds a READDIR inside the entry for as long as the test wants.
  class BlockingSink final : public DirSink {
   public:
    BlockingSink(std::atomic<bool>& inside, std::atomic<bool>& release)
        : inside_(inside), release_(release) {}
    bool Add(const DirEntry&) override {
      inside_ = true;
      while (!release_) std::this_thread::sleep_for(5ms);
      return true;
    }
    std::atomic<bool>& inside_;
    std::atomic<bool>& release_;
  } sink(inside, release);
  std::thread reader([&] {
    ReadDirRes res;
    EXPECT_TRUE(layer->ReadDir(ctx_, a, 0, {}, false, sink, &res).ok());
  });
  ASSERT_TRUE(Eventually([&] { return inside.load(); }));
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(StatusOf(*layer, "a")->state, EntryStatus::State::kAttached);
  EXPECT_EQ(StatusOf(*layer, "a")->in_flight, 1u);
  release = true;
  reader.join();
  EXPECT_TRUE(
      Eventually([&] { return StatusOf(*layer, "a")->state == EntryStatus::State::kIdle; }, 3s));
}

}  // namespace
}  // namespace loopfs::automount::testing
