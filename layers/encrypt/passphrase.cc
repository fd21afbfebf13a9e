#include "layers/encrypt/passphrase.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <cstdlib>
#include <span>
#include <system_error>
#include <vector>

#include "layers/encrypt/openssl_backend.h"

namespace loopfs::encrypt {
namespace {

bool Fail(std::string* error, std::string message) {
  *error = std::move(message);
  return false;
}

std::string Errno() { return std::generic_category().message(errno); }

// Cuts `buf` at its first newline.  False if there was none and the text is already longer
// than a passphrase may be (so reading more is pointless).
bool FirstLine(std::string* buf, bool* complete) {
  const size_t nl = buf->find('\n');
  if (nl != std::string::npos) {
    std::fill(buf->begin() + static_cast<std::ptrdiff_t>(nl), buf->end(), '\0');
    buf->resize(nl);
    *complete = true;
    return true;
  }
  *complete = false;
  return buf->size() <= kPassphraseMaxBytes;
}

bool CheckLength(const std::string& pass, const std::string& where, std::string* error) {
  if (pass.empty())
    return Fail(error, where + " gave an empty passphrase: put it on the first line");
  if (pass.size() > kPassphraseMaxBytes) {
    return Fail(error, where + " gave a passphrase longer than " +
                           std::to_string(kPassphraseMaxBytes) + " bytes");
  }
  return true;
}

bool ReadPassfile(const std::string& path, std::string* out, std::string* error) {
  const std::string where = "passfile " + path;
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return Fail(error, "cannot open " + where + ": " + Errno());
  std::string buf;
  buf.reserve(kPassphraseMaxBytes + 2);
  char chunk[512];
  bool complete = false;
  bool ok = true;
  while (true) {
    const ssize_t n = read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ok = Fail(error, "cannot read " + where + ": " + Errno());
      break;
    }
    if (n == 0) break;
    buf.append(chunk, static_cast<size_t>(n));
    if (!FirstLine(&buf, &complete) || complete) break;
  }
  Wipe(std::span(reinterpret_cast<uint8_t*>(chunk), sizeof chunk));
  close(fd);
  if (ok) ok = CheckLength(buf, where, error);
  if (!ok) {
    WipeString(buf);
    return false;
  }
  *out = std::move(buf);
  return true;
}

// The environment an extpass command gets: enough to find programs and talk to the user,
// nothing of the caller's secrets or loader settings (LD_PRELOAD and the like).
std::vector<std::string> ExtpassEnvironment() {
  std::vector<std::string> env = {
      "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"};
  for (const char* name : {"HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "TERM", "DISPLAY"}) {
    // loopfsd never changes its environment after start-up, so getenv is safe here.
    if (const char* value = getenv(name))  // NOLINT(concurrency-mt-unsafe)
      env.push_back(std::string(name) + "=" + value);
  }
  return env;
}

double Now() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// Waits for `pid` until `deadline`; kills its process group at the deadline.
bool WaitChild(pid_t pid, double deadline, int* status) {
  while (true) {
    const pid_t r = waitpid(pid, status, WNOHANG);
    if (r == pid) return true;
    if (r < 0 && errno != EINTR) return false;
    if (Now() >= deadline) {
      kill(-pid, SIGKILL);
      while (waitpid(pid, status, 0) < 0 && errno == EINTR) {
      }
      return false;
    }
    usleep(10000);
  }
}

}  // namespace

bool RunExtpass(std::string_view command, double timeout_seconds, std::string* out,
                std::string* error) {
  const std::string where = "extpass command";
  std::vector<std::string> env = ExtpassEnvironment();
  std::vector<char*> envp;
  envp.reserve(env.size() + 1);
  for (std::string& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  const std::string command_text(command);
  const char* argv[] = {"/bin/sh", "-c", command_text.c_str(), nullptr};
  int pipefd[2];
  if (pipe2(pipefd, O_CLOEXEC) != 0) return Fail(error, "cannot run " + where + ": " + Errno());
  const int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (devnull < 0) {
    close(pipefd[0]);
    close(pipefd[1]);
    return Fail(error, "cannot open /dev/null: " + Errno());
  }
  // fork + exec rather than posix_spawn: the child needs its own process group (so a timeout
  // kills the whole pipeline) and no inherited descriptors; only async-signal-safe calls
  // follow the fork, as loopfsd is multi-threaded when it attaches a vault.
  const pid_t pid = fork();
  if (pid == 0) {
    setpgid(0, 0);
    // loopfsd ignores SIGPIPE and blocks signals in its threads; the command gets defaults.
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    sigaction(SIGPIPE, &dfl, nullptr);
    sigset_t none;
    sigemptyset(&none);
    pthread_sigmask(SIG_SETMASK, &none, nullptr);
    if (dup2(devnull, 0) < 0 || dup2(pipefd[1], 1) < 0) _exit(127);
    close_range(3, ~0U, 0);
    execve(argv[0], const_cast<char* const*>(argv), envp.data());
    _exit(127);
  }
  close(devnull);
  close(pipefd[1]);
  if (pid < 0) {
    close(pipefd[0]);
    return Fail(error, "cannot run " + where + ": " + Errno());
  }
  setpgid(pid, pid);  // also here, so kill(-pid) works even if the child has not run yet

  const double deadline = Now() + timeout_seconds;
  std::string buf;
  buf.reserve(kPassphraseMaxBytes + 512);
  char chunk[512];
  bool complete = false;
  bool timed_out = false;
  while (true) {
    const int left_ms = static_cast<int>((deadline - Now()) * 1000);
    if (left_ms <= 0) {
      timed_out = true;
      break;
    }
    pollfd pfd{pipefd[0], POLLIN, 0};
    const int pr = poll(&pfd, 1, left_ms);
    if (pr < 0 && errno == EINTR) continue;
    if (pr == 0) {
      timed_out = true;
      break;
    }
    const ssize_t n = read(pipefd[0], chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    buf.append(chunk, static_cast<size_t>(n));
    if (!FirstLine(&buf, &complete) || complete) break;
  }
  Wipe(std::span(reinterpret_cast<uint8_t*>(chunk), sizeof chunk));
  close(pipefd[0]);  // a command still writing gets SIGPIPE
  int status = 0;
  // Endless output is not worth waiting for either.
  const bool too_long = !complete && buf.size() > kPassphraseMaxBytes;
  const bool exited = WaitChild(pid, timed_out || too_long ? Now() : deadline, &status);
  // Once the line is read, the command may die of SIGPIPE writing more (`yes pw`), directly
  // or as the shell's child (exit status 128 + 13): that is fine.
  const bool broken_pipe =
      complete && ((WIFSIGNALED(status) && WTERMSIG(status) == SIGPIPE) ||
                   (WIFEXITED(status) && WEXITSTATUS(status) == 128 + SIGPIPE));
  bool ok = true;
  if (too_long) {
    ok = CheckLength(buf, where, error);  // endless output: say so, not how it ended
  } else if (timed_out || !exited) {
    ok = Fail(error, where + " did not finish within " +
                         std::to_string(static_cast<int>(timeout_seconds)) +
                         " s and was killed: check that it prints the passphrase and exits");
  } else if (broken_pipe) {
    ok = true;
  } else if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
    ok = Fail(error, where + " failed (exit status " + std::to_string(WEXITSTATUS(status)) +
                         "): run it by hand to see why");
  } else if (WIFSIGNALED(status)) {
    ok = Fail(error, where + " was killed by signal " + std::to_string(WTERMSIG(status)));
  }
  if (ok) ok = CheckLength(buf, where, error);
  if (!ok) {
    WipeString(buf);
    return false;
  }
  *out = std::move(buf);
  return true;
}

void WipeString(std::string& s) {
  s.resize(s.capacity());
  Wipe(std::span(reinterpret_cast<uint8_t*>(s.data()), s.size()));
  s.clear();
}

bool PromptPassphrase(std::string_view prompt, std::string* out, std::string* error) {
  const int fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    return Fail(error, "no terminal to ask for the passphrase on (" + Errno() +
                           "): use --passfile FILE or --extpass COMMAND");
  }
  termios saved{};
  const bool is_tty = tcgetattr(fd, &saved) == 0;
  if (is_tty) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    quiet.c_lflag |= ECHONL;
    tcsetattr(fd, TCSAFLUSH, &quiet);
  }
  std::string buf;
  buf.reserve(kPassphraseMaxBytes + 2);
  bool ok = write(fd, prompt.data(), prompt.size()) == static_cast<ssize_t>(prompt.size());
  char c = 0;
  while (ok) {
    const ssize_t n = read(fd, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0 || c == '\n') break;
    if (buf.size() <= kPassphraseMaxBytes) buf.push_back(c);
  }
  c = 0;
  if (is_tty) tcsetattr(fd, TCSAFLUSH, &saved);
  close(fd);
  if (!ok) {
    WipeString(buf);
    return Fail(error, "cannot write to /dev/tty: use --passfile FILE or --extpass COMMAND");
  }
  if (!CheckLength(buf, "the terminal", error)) {
    WipeString(buf);
    return false;
  }
  *out = std::move(buf);
  return true;
}

bool ReadPassphrase(const PassphraseSource& src, std::string* out, std::string* error) {
  if (!src.passfile.empty() && !src.extpass.empty()) {
    return Fail(error, "give either a passfile or an extpass command, not both");
  }
  if (!src.passfile.empty()) return ReadPassfile(src.passfile, out, error);
  if (!src.extpass.empty()) return RunExtpass(src.extpass, kExtpassTimeoutSeconds, out, error);
  return PromptPassphrase("Password: ", out, error);
}

}  // namespace loopfs::encrypt
