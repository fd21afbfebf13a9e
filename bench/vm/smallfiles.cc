// smallfiles: the small-file part of the VM benchmark (bench/vm-bench.sh).  Built on the host
// by vm-bench.sh (g++ -O2) and run in the guest on each configuration's directory.
//
// fio's filecreate/filestat engines were tried first: filestat cannot stat empty files (no
// "I/O" to time) and stats every file during its set-up, which warms the NFS client's caches
// before the timed part.  This measures exactly one system call per file, in a loop:
//   create DIR COUNT   openat(O_CREAT | O_EXCL) + close of f000000 ... : LOOKUP + CREATE
//   stat DIR COUNT     fstatat of each, on a cold client (the caller remounts): LOOKUP
//   remove DIR COUNT   unlinkat of each: REMOVE
// Output: one line "files=<COUNT> seconds=<elapsed> rate=<files per second>".
// Exit status 0, 1 on the first failed call (with the file and errno), 2 on usage errors.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string_view>

namespace {

double Now() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// One call on file `name` in `dir_fd`; false (errno set) when it failed.
bool Apply(std::string_view op, int dir_fd, const char* name) {
  if (op == "create") {
    int fd = openat(dir_fd, name, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
    return fd >= 0 && close(fd) == 0;
  }
  if (op == "stat") {
    struct stat st {};
    return fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
  }
  return unlinkat(dir_fd, name, 0) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: smallfiles create|stat|remove DIR COUNT\n");
    return 2;
  }
  std::string_view op = argv[1];
  char* end = nullptr;
  long count = std::strtol(argv[3], &end, 10);
  if ((op != "create" && op != "stat" && op != "remove") || *end != '\0' || count <= 0 ||
      count > 10'000'000) {
    std::fprintf(stderr, "smallfiles: want create|stat|remove DIR COUNT (1..10000000)\n");
    return 2;
  }
  int dir_fd = open(argv[2], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) {
    std::fprintf(stderr, "smallfiles: cannot open directory %s: %s\n", argv[2],
                 std::strerror(errno));
    return 1;
  }
  char name[32];
  double start = Now();
  for (long i = 0; i < count; ++i) {
    std::snprintf(name, sizeof name, "f%06ld", i);
    if (!Apply(op, dir_fd, name)) {
      std::fprintf(stderr, "smallfiles: %s %s/%s failed: %s\n", argv[1], argv[2], name,
                   std::strerror(errno));
      return 1;
    }
  }
  double seconds = Now() - start;
  std::printf("files=%ld seconds=%.3f rate=%.1f\n", count, seconds,
              static_cast<double>(count) / seconds);
  return 0;
}
