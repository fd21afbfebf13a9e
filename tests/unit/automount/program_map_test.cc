// Program maps: programs that succeed, fail, print garbage or too much, hang (with children
// of their own), leave processes behind; the environment they see; failure caching; and that
// a hanging program blocks only its own caller.
#include "layers/automount/program_map.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <string>
#include <thread>

#include "tests/unit/automount/temp_dir.h"

namespace loopfs::automount {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;
using testing::TempDir;

LookupContext Alice() {
  LookupContext c;
  c.uid = 1000;
  c.gid = 100;
  c.user = "alice";
  c.group = "users";
  c.host = "box";
  c.home = "/home/alice";
  return c;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::string text;
  std::getline(in, text);
  return text;
}

// True once `pid` is gone or a zombie (its parent may be an init that is slow to reap).
bool ProcessGone(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return true;
  std::string line;
  std::getline(stat, line);
  size_t close = line.rfind(')');
  return close == std::string::npos || close + 2 >= line.size() || line[close + 2] == 'Z';
}

bool GoneWithin(pid_t pid, milliseconds limit) {
  const auto deadline = steady_clock::now() + limit;
  while (!ProcessGone(pid)) {
    if (steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(milliseconds(10));
  }
  return true;
}

class ProgramMapTest : public ::testing::Test {
 protected:
  ProgramMapTest() {
    options_.timeout = milliseconds(2000);
    options_.kill_grace = milliseconds(200);
  }
  // A program map running `body` under /bin/sh.
  ProgramMap Program(const std::string& body) {
    std::string path = dir_.Write("auto.prog", "#!/bin/sh\n" + body + "\n", 0755);
    return ProgramMap(path, options_);
  }
  std::string Path(const std::string& name) const { return dir_.path() + "/" + name; }

  TempDir dir_;
  ProgramMapOptions options_;
};

TEST_F(ProgramMapTest, Succeeds) {
  ProgramMap map = Program("echo \"-fstype=nfs,ro server1,server2:/export/$1/&\"");
  LookupResult r = map.Lookup("proj", Alice());
  ASSERT_TRUE(r.found()) << r.message();
  EXPECT_EQ(r.entry().key, "proj");
  EXPECT_EQ(r.entry().fstype, FsType::kNfs);
  EXPECT_TRUE(r.entry().read_only);
  EXPECT_EQ(r.entry().nfs_locations[0], (NfsLocation{{"server1", "server2"}, "/export/proj/proj"}));
  EXPECT_EQ(r.entry().origin, Path("auto.prog") + "[proj]:1");
  EXPECT_TRUE(map.List().empty());
}

TEST_F(ProgramMapTest, SeesOnlyTheSanitisedEnvironment) {
  // Whatever this test process has in its environment (ctest, CI and shells add plenty), the
  // program sees only the documented variables, plus the PWD its shell adds.
  ProgramMap map = Program(
      "[ -z \"$(env | grep -v -e '^LOOPFS_[A-Z]*=' -e '^PATH=' -e '^LC_ALL=' -e '^HOME=' "
      "-e '^PWD=')\" ] || exit 3\n"
      "read line && exit 4\n"  // stdin is /dev/null
      "[ \"$PATH\" = /usr/sbin:/usr/bin:/sbin:/bin ] || exit 5\n"
      "[ \"$(cut -d' ' -f5 /proc/$$/stat)\" = \"$$\" ] || exit 6\n"  // own process group
      "echo \":/env/$LOOPFS_KEY/$LOOPFS_UID/$LOOPFS_GID/$LOOPFS_USER/$LOOPFS_GROUP/$LOOPFS_HOST"
      "$LOOPFS_HOME/$(basename $LOOPFS_MAP)/$HOME\"");
  ASSERT_NE(environ[0], nullptr) << "the test needs an environment to not pass on";
  LookupResult r = map.Lookup("k", Alice());
  ASSERT_TRUE(r.found()) << r.message();
  EXPECT_EQ(r.entry().path, "/env/k/1000/100/alice/users/box/home/alice/auto.prog//");
}

TEST_F(ProgramMapTest, FailsAsNotFound) {
  ProgramMap exit1 = Program("echo 'bad key' >&2; exit 1");
  LookupResult r = exit1.Lookup("k", Alice());
  EXPECT_EQ(r.kind(), LookupResult::Kind::kNotFound);
  EXPECT_NE(r.message().find("exited with status 1: bad key"), std::string::npos) << r.message();

  ProgramMap silent = Program("exit 0");
  r = silent.Lookup("k2", Alice());
  EXPECT_EQ(r.kind(), LookupResult::Kind::kNotFound);
  EXPECT_NE(r.message().find("printed nothing"), std::string::npos) << r.message();
}

TEST_F(ProgramMapTest, GarbageIsAnError) {
  struct Case {
    std::string body;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"echo '-fstype=zfs /x'", "[k]:1: unknown fstype 'zfs'"},
      {"echo ':/a'; echo ':/b'", "[k]:2: more than one entry line"},
      {"printf ':/a\\000b'", "NUL byte"},
      {"echo '-ro'", "[k]:1: expected a location"},
      {"echo '/srv/${nope}'", "unknown variable"},
      {"echo '-fstype=auto relative.map'", "must be an absolute path here"},
      {"head -c 3000 /dev/urandom | tr -d '\\000\\n'", "program map output: "},
  };
  for (const Case& c : cases) {
    ProgramMap map = Program(c.body);
    LookupResult r = map.Lookup("k", Alice());
    EXPECT_EQ(r.kind(), LookupResult::Kind::kError) << c.body;
    EXPECT_NE(r.message().find(c.expected), std::string::npos) << c.body << ": " << r.message();
  }
}

TEST_F(ProgramMapTest, TooMuchOutputIsAnError) {
  // Prints forever: must stop at the bound, not at the timeout.
  ProgramMap map = Program("yes ':/srv/x'");
  const auto start = steady_clock::now();
  LookupResult r = map.Lookup("k", Alice());
  EXPECT_EQ(r.kind(), LookupResult::Kind::kError);
  EXPECT_NE(r.message().find("output too large (more than 65536 bytes)"), std::string::npos)
      << r.message();
  EXPECT_LT(steady_clock::now() - start, milliseconds(1500));

  options_.max_output = 100;
  ProgramMap small = Program("head -c 101 /dev/zero | tr '\\000' a");
  EXPECT_NE(small.Lookup("k", Alice()).message().find("output too large"), std::string::npos);
  ProgramMap fits = Program("printf ':/%s' $(head -c 98 /dev/zero | tr '\\000' a)");
  EXPECT_TRUE(fits.Lookup("k", Alice()).found());
}

TEST_F(ProgramMapTest, HangingProgramAndItsChildrenAreKilled) {
  options_.timeout = milliseconds(300);
  ProgramMap map = Program("sleep 1000 &\necho $! > " + Path("child.pid") + "\nsleep 1000");
  const auto start = steady_clock::now();
  LookupResult r = map.Lookup("k", Alice());
  const auto took = steady_clock::now() - start;
  EXPECT_EQ(r.kind(), LookupResult::Kind::kError);
  EXPECT_NE(r.message().find("no answer within 300 ms; its process group was killed"),
            std::string::npos)
      << r.message();
  EXPECT_GE(took, milliseconds(300));
  EXPECT_LT(took, milliseconds(300 + 200 + 1000));
  pid_t child = std::stoi(ReadFile(Path("child.pid")));
  EXPECT_TRUE(GoneWithin(child, milliseconds(2000))) << "grandchild sleep " << child;
}

TEST_F(ProgramMapTest, ProgramIgnoringSigtermIsKilled) {
  options_.timeout = milliseconds(200);
  ProgramMap map =
      Program("trap '' TERM\necho $$ > " + Path("self.pid") + "\nwhile :; do sleep 1; done");
  const auto start = steady_clock::now();
  LookupResult r = map.Lookup("k", Alice());
  EXPECT_EQ(r.kind(), LookupResult::Kind::kError);
  EXPECT_LT(steady_clock::now() - start, milliseconds(200 + 200 + 1000));
  EXPECT_TRUE(GoneWithin(std::stoi(ReadFile(Path("self.pid"))), milliseconds(2000)));
}

TEST_F(ProgramMapTest, ProcessesLeftBehindAreKilled) {
  // The background sleep keeps stdout open; the answer must not wait for it.
  ProgramMap map = Program("sleep 1000 &\necho $! > " + Path("left.pid") + "\necho :/srv/x");
  const auto start = steady_clock::now();
  LookupResult r = map.Lookup("k", Alice());
  ASSERT_TRUE(r.found()) << r.message();
  EXPECT_LT(steady_clock::now() - start, milliseconds(1500));
  EXPECT_TRUE(GoneWithin(std::stoi(ReadFile(Path("left.pid"))), milliseconds(2000)));
}

TEST_F(ProgramMapTest, KilledBySignalIsAnError) {
  ProgramMap map = Program("kill -9 $$");
  LookupResult r = map.Lookup("k", Alice());
  EXPECT_EQ(r.kind(), LookupResult::Kind::kError);
  EXPECT_NE(r.message().find("killed by signal 9"), std::string::npos) << r.message();
}

TEST_F(ProgramMapTest, FailuresAreCachedForAWhile) {
  options_.failure_ttl = milliseconds(400);
  const std::string count = Path("count");
  ProgramMap map = Program("n=$(cat " + count + " 2>/dev/null || echo 0)\necho $((n+1)) > " +
                           count + "\nexit 1");
  EXPECT_EQ(map.Lookup("k", Alice()).kind(), LookupResult::Kind::kNotFound);
  EXPECT_EQ(map.Lookup("k", Alice()).kind(), LookupResult::Kind::kNotFound);
  EXPECT_EQ(ReadFile(count), "1") << "the second lookup was answered from the cache";
  EXPECT_EQ(map.Lookup("other", Alice()).kind(), LookupResult::Kind::kNotFound);
  EXPECT_EQ(ReadFile(count), "2") << "keys are cached apart";
  LookupContext bob = Alice();
  bob.uid = 1001;
  bob.user = "bob";
  map.Lookup("k", bob);
  EXPECT_EQ(ReadFile(count), "3") << "contexts are cached apart";
  std::this_thread::sleep_for(milliseconds(500));
  map.Lookup("k", Alice());
  EXPECT_EQ(ReadFile(count), "4") << "the cached failure expired";
}

TEST_F(ProgramMapTest, ErrorsAreCachedSuccessesOnlyOnRequest) {
  const std::string count = Path("count");
  const std::string counting =
      "n=$(cat " + count + " 2>/dev/null || echo 0)\necho $((n+1)) > " + count + "\n";
  ProgramMap garbage = Program(counting + "echo '-fstype=zfs /x'");
  garbage.Lookup("k", Alice());
  EXPECT_EQ(garbage.Lookup("k", Alice()).kind(), LookupResult::Kind::kError);
  EXPECT_EQ(ReadFile(count), "1");

  std::remove(count.c_str());
  ProgramMap uncached = Program(counting + "echo :/srv/x");
  EXPECT_TRUE(uncached.Lookup("k", Alice()).found());
  EXPECT_TRUE(uncached.Lookup("k", Alice()).found());
  EXPECT_EQ(ReadFile(count), "2") << "successes are not cached by default";

  std::remove(count.c_str());
  options_.success_ttl = milliseconds(5000);
  ProgramMap cached = Program(counting + "echo :/srv/x");
  EXPECT_TRUE(cached.Lookup("k", Alice()).found());
  EXPECT_TRUE(cached.Lookup("k", Alice()).found());
  EXPECT_EQ(ReadFile(count), "1");
}

TEST_F(ProgramMapTest, IgnoredAndInvalidKeysNeverRunTheProgram) {
  const std::string count = Path("count");
  ProgramMap map = Program("echo x >> " + count + "\necho :/srv/x");
  for (const char* key : {".Trash", ".Trash-1000", "autorun.inf", ".hidden", "..", "a/b", ""}) {
    EXPECT_EQ(map.Lookup(key, Alice()).kind(), LookupResult::Kind::kNotFound) << key;
  }
  EXPECT_EQ(access(count.c_str(), F_OK), -1) << "the program ran";
}

TEST_F(ProgramMapTest, AHangingLookupBlocksOnlyItsCaller) {
  options_.timeout = milliseconds(1500);
  ProgramMap map = Program("[ \"$1\" = slow ] && exec sleep 1000\necho :/srv/$1");
  auto slow = std::async(std::launch::async, [&] { return map.Lookup("slow", Alice()); });
  std::this_thread::sleep_for(milliseconds(100));
  const auto start = steady_clock::now();
  for (int i = 0; i < 5; ++i) {
    LookupResult fast = map.Lookup("fast" + std::to_string(i), Alice());
    EXPECT_TRUE(fast.found()) << fast.message();
  }
  EXPECT_LT(steady_clock::now() - start, milliseconds(1200));
  EXPECT_EQ(slow.wait_for(std::chrono::seconds(0)), std::future_status::timeout)
      << "the slow lookup should still be running";
  EXPECT_EQ(slow.get().kind(), LookupResult::Kind::kError);
}

TEST_F(ProgramMapTest, MapFileWithAnExecuteBitSaysSo) {
  std::string path = dir_.Write("auto.oops", "docs /srv/docs\n", 0755);
  LookupResult r = ProgramMap(path, options_).Lookup("docs", Alice());
  EXPECT_EQ(r.kind(), LookupResult::Kind::kError);
  EXPECT_NE(r.message().find("chmod a-x"), std::string::npos) << r.message();
}

TEST(RunMapProgram, MissingProgramAndArguments) {
  ProgramMapOptions options;
  ProgramRun run = RunMapProgram("/nonexistent/prog", {"k"}, {}, options);
  EXPECT_EQ(run.outcome, ProgramRun::Outcome::kFailed);
  EXPECT_NE(run.failure.find("cannot run /nonexistent/prog"), std::string::npos) << run.failure;

  run = RunMapProgram("/bin/echo", {"a b", "c"}, {}, options);
  ASSERT_EQ(run.outcome, ProgramRun::Outcome::kExited);
  EXPECT_EQ(run.output, "a b c\n");

  run = RunMapProgram("/bin/sh", {"-c", "env"}, {"ONLY=1"}, options);
  ASSERT_EQ(run.outcome, ProgramRun::Outcome::kExited);
  // The shell may add PWD of its own; nothing else of ours may appear.
  EXPECT_NE(run.output.find("ONLY=1\n"), std::string::npos) << run.output;
  EXPECT_EQ(run.output.find("PATH="), std::string::npos) << run.output;
}

TEST(RunMapProgram, ServerDescriptorsDoNotLeak) {
  // A descriptor without O_CLOEXEC, as a careless library might leave one.
  int fd = dup(1);
  ASSERT_GE(fd, 3);
  ProgramRun run = RunMapProgram(
      "/bin/sh", {"-c", "[ -e /proc/self/fd/" + std::to_string(fd) + " ] && echo leaked"}, {},
      ProgramMapOptions{});
  close(fd);
  EXPECT_EQ(run.output, "");
}

}  // namespace
}  // namespace loopfs::automount
