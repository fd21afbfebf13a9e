#include "layers/automount/program_map.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace loopfs::automount {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kMaxErrorsKept = 1024;

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() { Close(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  void Reset(int fd) {
    Close();
    fd_ = fd;
  }
  void Close() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

bool MakePipe(Fd* read_end, Fd* write_end) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return false;
  read_end->Reset(fds[0]);
  write_end->Reset(fds[1]);
  return fcntl(fds[0], F_SETFL, O_NONBLOCK) == 0;
}

// Owns posix_spawn's attribute objects for one spawn.
struct SpawnSetup {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  SpawnSetup() {
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
};

// Has the child exited (it stays a zombie: WNOWAIT keeps its pid, and so its process group
// id, from being reused while we may still signal the group)?
bool ChildExited(pid_t pid) {
  siginfo_t info{};
  return waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
         info.si_pid == pid;
}

// Reads what is available from a non-blocking fd into *out, up to `limit` bytes kept;
// returns false at end of file or on error.  *over is set when more than `limit` arrived.
bool Drain(int fd, std::string* out, size_t limit, bool* over) {
  char buffer[8192];
  while (true) {
    ssize_t n = read(fd, buffer, sizeof buffer);
    if (n > 0) {
      size_t room = limit - std::min(limit, out->size());
      out->append(buffer, std::min(room, static_cast<size_t>(n)));
      if (static_cast<size_t>(n) > room) {
        *over = true;
        return true;
      }
      continue;
    }
    if (n == 0) return false;
    if (errno == EINTR) continue;
    return errno == EAGAIN || errno == EWOULDBLOCK;
  }
}

int RemainingMs(Clock::time_point deadline) {
  // Rounded up: a deadline is never reported as reached before it is.
  auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
  return static_cast<int>(std::max<int64_t>(0, left.count()));
}

// Waits until the child exits or `deadline` passes; true if it exited.
bool WaitForExit(pid_t pid, int pidfd, Clock::time_point deadline) {
  while (!ChildExited(pid)) {
    int left = RemainingMs(deadline);
    if (left == 0) return false;
    if (pidfd >= 0) {
      pollfd p{pidfd, POLLIN, 0};
      poll(&p, 1, left);
    } else {
      usleep(static_cast<useconds_t>(std::min(left, 10)) * 1000);
    }
  }
  return true;
}

std::string Env(std::string_view name, std::string_view value) {
  std::string text = fmt::format("{}={}", name, value);
  // A value with NUL would be cut short by execve; one with newlines is merely odd.
  if (value.find('\0') != std::string_view::npos) return "";
  return text;
}

std::string FirstLine(std::string_view text) {
  text = text.substr(0, text.find('\n'));
  return std::string(text.substr(0, 200));
}

}  // namespace

ProgramRun RunMapProgram(const std::string& program, const std::vector<std::string>& args,
                         const std::vector<std::string>& environment,
                         const ProgramMapOptions& options) {
  ProgramRun run;
  const Clock::time_point deadline = Clock::now() + options.timeout;

  // Everything the child needs is built here, before the spawn.
  std::vector<char*> argv;
  argv.reserve(args.size() + 2);
  argv.push_back(const_cast<char*>(program.c_str()));
  for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  envp.reserve(environment.size() + 1);
  for (const std::string& var : environment) envp.push_back(const_cast<char*>(var.c_str()));
  envp.push_back(nullptr);

  Fd out_read, out_write, err_read, err_write;
  if (!MakePipe(&out_read, &out_write) || !MakePipe(&err_read, &err_write)) {
    run.failure = fmt::format("cannot create pipes: {}", std::generic_category().message(errno));
    return run;
  }
  SpawnSetup setup;
  posix_spawn_file_actions_addopen(&setup.actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&setup.actions, out_write.get(), 1);
  posix_spawn_file_actions_adddup2(&setup.actions, err_write.get(), 2);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
  // The server's own descriptors (sockets, files) must not leak into map programs even where
  // they lack O_CLOEXEC.
  posix_spawn_file_actions_addclosefrom_np(&setup.actions, 3);
#endif
  sigset_t empty;
  sigemptyset(&empty);
  sigset_t defaults;
  sigemptyset(&defaults);
  for (int sig : {SIGPIPE, SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGCHLD, SIGUSR1, SIGUSR2, SIGALRM}) {
    sigaddset(&defaults, sig);
  }
  posix_spawnattr_setflags(&setup.attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(&setup.attr, 0);
  posix_spawnattr_setsigmask(&setup.attr, &empty);
  posix_spawnattr_setsigdefault(&setup.attr, &defaults);

  pid_t pid = -1;
  int rc =
      posix_spawn(&pid, program.c_str(), &setup.actions, &setup.attr, argv.data(), envp.data());
  if (rc != 0) {
    run.failure =
        fmt::format("cannot run {}: {}{}", program, std::generic_category().message(rc),
                    rc == ENOEXEC ? " (a map file with an execute bit? chmod a-x it)" : "");
    return run;
  }
  out_write.Close();
  err_write.Close();
  // A pidfd makes the child's exit pollable next to its output; without one (kernel < 5.3)
  // the loop below wakes every 10 ms to check.
#ifdef SYS_pidfd_open
  Fd pidfd(static_cast<int>(syscall(SYS_pidfd_open, pid, 0)));
#else
  Fd pidfd;
#endif

  bool too_large = false;
  bool timed_out = false;
  bool exited = false;
  bool stderr_over = false;
  while (true) {
    pollfd fds[3];
    nfds_t n = 0;
    if (out_read.get() >= 0) fds[n++] = {out_read.get(), POLLIN, 0};
    if (err_read.get() >= 0) fds[n++] = {err_read.get(), POLLIN, 0};
    if (pidfd.get() >= 0) fds[n++] = {pidfd.get(), POLLIN, 0};
    int left = RemainingMs(deadline);
    if (left == 0) {
      timed_out = true;
      break;
    }
    poll(fds, n, pidfd.get() >= 0 ? left : std::min(left, 10));
    if (out_read.get() >= 0 &&
        !Drain(out_read.get(), &run.output, options.max_output, &too_large)) {
      out_read.Close();
    }
    if (too_large) break;
    if (err_read.get() >= 0 && !Drain(err_read.get(), &run.errors, kMaxErrorsKept, &stderr_over)) {
      err_read.Close();
    }
    // Output that is complete once the program has exited: a background process it left
    // holding the pipe does not keep the lookup waiting (it is killed below).
    if (ChildExited(pid)) {
      exited = true;
      if (out_read.get() >= 0) Drain(out_read.get(), &run.output, options.max_output, &too_large);
      break;
    }
  }

  if (!exited) {
    kill(-pid, SIGTERM);
    WaitForExit(pid, pidfd.get(), Clock::now() + options.kill_grace);
  }
  // The leader is not reaped yet (alive, or a zombie), so its group id cannot have been reused
  // and is still ours to signal: this kills whatever the program left running.
  kill(-pid, SIGKILL);
  int status = 0;
  pid_t waited;
  do {
    waited = waitpid(pid, &status, 0);
  } while (waited < 0 && errno == EINTR);

  if (too_large) {
    run.outcome = ProgramRun::Outcome::kOutputTooLarge;
  } else if (timed_out) {
    run.outcome = ProgramRun::Outcome::kTimedOut;
  } else if (waited != pid) {
    run.failure = fmt::format(
        "cannot collect the exit status of {} ({}): does loopfsd ignore SIGCHLD or reap "
        "children elsewhere?",
        program, std::generic_category().message(errno));
  } else if (WIFEXITED(status)) {
    run.outcome = ProgramRun::Outcome::kExited;
    run.exit_status = WEXITSTATUS(status);
  } else {
    run.outcome = ProgramRun::Outcome::kSignaled;
    run.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  }
  return run;
}

ProgramMap::ProgramMap(std::string path, ProgramMapOptions options)
    : path_(std::move(path)), files_({path_}), options_(options) {}

LookupResult ProgramMap::Lookup(std::string_view key, const LookupContext& context) const {
  if (!KeyProblem(key).empty()) return LookupResult::NotFound("not a valid key");
  std::string cache_key = fmt::format("{}\n{}\n{}\n{}\n{}\n{}\n{}", key, context.uid, context.gid,
                                      context.user, context.group, context.host, context.home);
  {
    std::lock_guard lock(mutex_);
    auto it = cache_.find(cache_key);
    if (it != cache_.end()) {
      if (Clock::now() < it->second.expires) return it->second.result;
      cache_.erase(it);
    }
  }
  LookupResult result = Run(key, context);
  auto ttl = result.found() ? options_.success_ttl : options_.failure_ttl;
  if (ttl.count() > 0) {
    std::lock_guard lock(mutex_);
    const auto now = Clock::now();
    if (cache_.size() >= options_.max_cache_entries) {
      std::erase_if(cache_, [now](const auto& item) { return item.second.expires <= now; });
      // Still full of live entries: start over rather than track ages.  Only costs reruns.
      if (cache_.size() >= options_.max_cache_entries) cache_.clear();
    }
    cache_[cache_key] = Cached{result, now + ttl};
  }
  return result;
}

LookupResult ProgramMap::Run(std::string_view key, const LookupContext& context) const {
  std::vector<std::string> environment = {
      "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
      "LC_ALL=C",
      "HOME=/",
      Env("LOOPFS_MAP", path_),
      Env("LOOPFS_KEY", key),
      Env("LOOPFS_UID", std::to_string(context.uid)),
      Env("LOOPFS_GID", std::to_string(context.gid)),
      Env("LOOPFS_USER", context.user),
      Env("LOOPFS_GROUP", context.group),
      Env("LOOPFS_HOME", context.home),
      Env("LOOPFS_HOST", context.host),
  };
  std::erase(environment, std::string());
  ProgramRun run = RunMapProgram(path_, {std::string(key)}, environment, options_);
  const std::string source = fmt::format("{}[{}]", path_, key);
  switch (run.outcome) {
    case ProgramRun::Outcome::kFailed:
      return LookupResult::Error(fmt::format("program map {}: {}", source, run.failure));
    case ProgramRun::Outcome::kTimedOut:
      return LookupResult::Error(
          fmt::format("program map {}: no answer within {} ms; its process group was killed",
                      source, options_.timeout.count()));
    case ProgramRun::Outcome::kOutputTooLarge:
      return LookupResult::Error(fmt::format(
          "program map {}: output too large (more than {} bytes); its process group was killed",
          source, options_.max_output));
    case ProgramRun::Outcome::kSignaled:
      return LookupResult::Error(
          fmt::format("program map {}: killed by signal {}{}", source, run.signal,
                      run.errors.empty() ? "" : ": " + FirstLine(run.errors)));
    case ProgramRun::Outcome::kExited:
      break;
  }
  if (run.exit_status != 0) {
    return LookupResult::NotFound(
        fmt::format("program map {} exited with status {}{}", source, run.exit_status,
                    run.errors.empty() ? "" : ": " + FirstLine(run.errors)));
  }
  if (run.output.find_first_not_of(" \t\r\n") == std::string::npos) {
    return LookupResult::NotFound(fmt::format("program map {} printed nothing", source));
  }
  RawEntry raw;
  std::string error;
  if (!ParseProgramOutput(run.output, key, source, &raw, &error)) {
    return LookupResult::Error("program map output: " + error);
  }
  MapEntry entry;
  if (!ResolveEntry(raw, key, context, "", &entry, &error)) {
    return LookupResult::Error("program map output: " + error);
  }
  return LookupResult::Found(std::move(entry));
}

}  // namespace loopfs::automount
