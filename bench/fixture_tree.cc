#include "bench/fixture_tree.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include <fmt/format.h>

namespace loopfs::bench {
namespace {

// Closes a descriptor on every path out of a function.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

bool Fail(std::string* error, const std::string& what) {
  *error = what + ": " + std::strerror(errno);
  return false;
}

bool MakeDirAt(int parent, const char* name, std::string* error) {
  if (mkdirat(parent, name, 0755) == 0 || errno == EEXIST) return true;
  return Fail(error, fmt::format("mkdir {}", name));
}

// mknodat is one system call per file, against open+close; it matters at a million files.
bool MakeEmptyFileAt(int parent, const char* name, std::string* error) {
  if (mknodat(parent, name, S_IFREG | 0644, 0) == 0 || errno == EEXIST) return true;
  return Fail(error, fmt::format("mknod {}", name));
}

bool MakeDataFileAt(int parent, const char* name, uint64_t size, std::string* error) {
  Fd fd(openat(parent, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (fd.get() < 0) return Fail(error, fmt::format("create {}", name));
  std::vector<char> chunk(1 << 20);
  for (size_t i = 0; i < chunk.size(); ++i) chunk[i] = static_cast<char>('A' + i % 23);
  uint64_t done = 0;
  while (done < size) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(chunk.size(), size - done));
    const ssize_t w = pwrite(fd.get(), chunk.data(), n, static_cast<off_t>(done));
    if (w <= 0) return Fail(error, fmt::format("write {}", name));
    done += static_cast<uint64_t>(w);
  }
  return true;
}

bool OpenDir(const std::string& path, int* fd, std::string* error) {
  if (mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) return Fail(error, "mkdir " + path);
  *fd = open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (*fd < 0) return Fail(error, "open " + path);
  return true;
}

}  // namespace

std::string FixtureSmallName(int index) { return fmt::format("f{:03}", index); }

bool MakeHostFixture(const std::string& dir, const HostFixtureOptions& options,
                     std::string* error) {
  int raw = -1;
  if (!OpenDir(dir, &raw, error)) return false;
  Fd root(raw);
  for (const char* sub : {kFixtureSmallDir, kFixtureBigDir, kFixtureScratchDir}) {
    if (!MakeDirAt(root.get(), sub, error)) return false;
  }
  {
    Fd small(openat(root.get(), kFixtureSmallDir, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (small.get() < 0) return Fail(error, "open small");
    for (int i = 0; i < kFixtureSmallFiles; ++i) {
      if (!MakeEmptyFileAt(small.get(), FixtureSmallName(i).c_str(), error)) return false;
    }
  }
  {
    Fd big(openat(root.get(), kFixtureBigDir, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (big.get() < 0) return Fail(error, "open dir10k");
    for (int i = 0; i < options.big_dir_entries; ++i) {
      if (!MakeEmptyFileAt(big.get(), fmt::format("e{:05}", i).c_str(), error)) return false;
    }
  }
  return MakeDataFileAt(root.get(), kFixtureSmallReadFile, options.small_read_bytes, error) &&
         MakeDataFileAt(root.get(), kFixtureLargeReadFile, options.large_read_bytes, error);
}

bool MakeWalkTree(const std::string& dir, const WalkTreeOptions& options, uint64_t* entries,
                  std::string* error) {
  int raw = -1;
  if (!OpenDir(dir, &raw, error)) return false;
  Fd root(raw);
  *entries = 0;
  for (int d = 0; d < options.dirs; ++d) {
    const std::string name = fmt::format("d{:04}", d);
    if (!MakeDirAt(root.get(), name.c_str(), error)) return false;
    ++*entries;
    Fd sub(openat(root.get(), name.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (sub.get() < 0) return Fail(error, "open " + name);
    for (int f = 0; f < options.files_per_dir; ++f) {
      if (!MakeEmptyFileAt(sub.get(), fmt::format("f{:04}", f).c_str(), error)) return false;
      ++*entries;
    }
  }
  return true;
}

}  // namespace loopfs::bench
