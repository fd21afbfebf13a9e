#include "nfsd/handle_key.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <system_error>

namespace loopfs::nfsd {
namespace {

// strerror() is not thread-safe; the category's message is.
std::string ErrnoText(int err) { return std::generic_category().message(err); }

bool FillRandom(uint8_t* p, size_t n) {
  while (n > 0) {
    ssize_t got = getrandom(p, n, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    p += got;
    n -= static_cast<size_t>(got);
  }
  return true;
}

std::optional<HandleKey> ReadKey(int fd, const std::string& path, std::string* error) {
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    *error = fmt::format("cannot stat {}: {}", path, ErrnoText(errno));
    return std::nullopt;
  }
  if (!S_ISREG(st.st_mode) || st.st_size != 16) {
    *error = fmt::format(
        "{} is not a 16-byte key file (size {}); remove it to create a new key "
        "(clients must then mount again: their file handles become stale)",
        path, static_cast<long long>(st.st_size));
    return std::nullopt;
  }
  if ((st.st_mode & 077) != 0) {
    *error = fmt::format("{} is readable by others (mode {:o}); run: chmod 600 {}", path,
                         st.st_mode & 07777, path);
    return std::nullopt;
  }
  HandleKey key{};
  size_t done = 0;
  while (done < key.size()) {
    ssize_t got = read(fd, key.data() + done, key.size() - done);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      *error =
          fmt::format("cannot read {}: {}", path, got < 0 ? ErrnoText(errno) : "file is short");
      return std::nullopt;
    }
    done += static_cast<size_t>(got);
  }
  return key;
}

}  // namespace

std::optional<HandleKey> LoadOrCreateHandleKey(const std::string& state_dir, std::string* error) {
  const std::string path = state_dir + "/handle.key";
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd >= 0) {
    auto key = ReadKey(fd, path, error);
    close(fd);
    return key;
  }
  if (errno != ENOENT) {
    *error = fmt::format("cannot open {}: {} (check the permissions of the state directory)", path,
                         ErrnoText(errno));
    return std::nullopt;
  }

  HandleKey key{};
  if (!FillRandom(key.data(), key.size())) {
    *error = fmt::format("getrandom failed: {}", ErrnoText(errno));
    return std::nullopt;
  }
  // Written under a temporary name and linked into place, so a crash never
  // leaves a short key file and two daemons starting at once agree on one key.
  const std::string tmp = fmt::format("{}.tmp.{}", path, getpid());
  fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    *error = fmt::format(
        "cannot create {}: {} (create the state directory {} and make it writable by loopfsd)", tmp,
        ErrnoText(errno), state_dir);
    return std::nullopt;
  }
  bool ok = write(fd, key.data(), key.size()) == static_cast<ssize_t>(key.size()) && fsync(fd) == 0;
  int saved = errno;
  close(fd);
  if (!ok) {
    unlink(tmp.c_str());
    *error = fmt::format("cannot write {}: {}", tmp, ErrnoText(saved));
    return std::nullopt;
  }
  if (link(tmp.c_str(), path.c_str()) != 0) {
    saved = errno;
    unlink(tmp.c_str());
    if (saved == EEXIST) return LoadOrCreateHandleKey(state_dir, error);  // lost a race
    *error = fmt::format("cannot create {}: {}", path, ErrnoText(saved));
    return std::nullopt;
  }
  unlink(tmp.c_str());
  return key;
}

}  // namespace loopfs::nfsd
