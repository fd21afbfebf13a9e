#include "layers/encrypt/atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <system_error>

namespace loopfs::encrypt {
namespace {

bool Fail(std::string* error, const std::string& what) {
  *error = what + ": " + std::generic_category().message(errno);
  return false;
}

bool WriteAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

}  // namespace

bool WriteFileAtomically(const std::string& dir, std::string_view name, std::string_view content,
                         int mode, bool exclusive, std::string* error) {
  const std::string path = dir + "/" + std::string(name);
  std::string tmp = path + ".tmp-XXXXXX";
  const int fd = mkostemp(tmp.data(), O_CLOEXEC);
  if (fd < 0) return Fail(error, "cannot create a temporary file in " + dir);
  bool ok = fchmod(fd, static_cast<mode_t>(mode)) == 0 || Fail(error, "cannot chmod " + tmp);
  ok = ok && (WriteAll(fd, content) || Fail(error, "cannot write " + tmp));
  ok = ok && (fsync(fd) == 0 || Fail(error, "cannot fsync " + tmp));
  if (close(fd) != 0 && ok) ok = Fail(error, "cannot close " + tmp);
  if (ok && exclusive) {
    ok = link(tmp.c_str(), path.c_str()) == 0 || Fail(error, "cannot create " + path);
    unlink(tmp.c_str());
  } else if (ok) {
    ok = rename(tmp.c_str(), path.c_str()) == 0 || Fail(error, "cannot replace " + path);
  }
  if (!ok) {
    unlink(tmp.c_str());
    return false;
  }
  const int dfd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return Fail(error, "cannot open " + dir);
  ok = fsync(dfd) == 0 || Fail(error, "cannot fsync " + dir);
  close(dfd);
  return ok;
}

bool ReadSmallFile(const std::string& path, size_t max_bytes, std::string* out, bool* missing,
                   std::string* error) {
  *missing = false;
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
  if (fd < 0) {
    *missing = errno == ENOENT;
    return Fail(error, "cannot open " + path);
  }
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    *error = path + " is not a regular file";
    return false;
  }
  out->clear();
  char buf[8192];
  while (true) {
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      close(fd);
      return Fail(error, "cannot read " + path);
    }
    if (n == 0) break;
    if (out->size() + static_cast<size_t>(n) > max_bytes) {
      close(fd);
      *error = path + " is larger than " + std::to_string(max_bytes) + " bytes";
      return false;
    }
    out->append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return true;
}

}  // namespace loopfs::encrypt
