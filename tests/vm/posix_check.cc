// posix_check: checks POSIX file system behaviour in a directory on an NFS mount, as root and,
// in forked children, as unprivileged users.  Built on the host and run inside the test VM
// through the real Linux NFS client, against loopfsd and against knfsd (the baseline).
//
// Output, one line per check: "ok <id>" or "FAIL <id>: <what> expected <x> got <y>".
// Exit status 0 when every check passed, 1 otherwise, 2 on usage errors.
//
// Usage: posix_check --dir DIR [--backing DIR] [--only SUBSTRING] [--symlink-max BYTES]
//   --dir      an empty directory on the mount; the checker works below it.
//   --backing  the same directory seen directly in the exported file system; when given,
//              bulk set-up (the 10,000 readdir entries) is done there, which is far faster
//              than 10,000 CREATEs over NFS under qemu TCG.
//   --symlink-max  the longest symlink target the export stores (default 4095, PATH_MAX
//              less one); below that, one byte more must fail with ENAMETOOLONG.  An
//              encrypted export stores a longer, encoded target, so it holds less.
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <functional>
#include <set>
#include <string>
#include <vector>

namespace {

constexpr uid_t kUserA = 1001;
constexpr uid_t kUserB = 1002;
constexpr gid_t kGroupA = 1001;
constexpr gid_t kGroupB = 1002;
constexpr gid_t kGroupOther = 1500;  // a group neither user belongs to
constexpr int kReaddirEntries = 10000;

std::string g_dir;
std::string g_backing;
std::string g_only;
size_t g_symlink_max = 4095;
int g_failures = 0;

std::string ErrnoName(int err) {
  const char* name = strerrorname_np(err);
  return name != nullptr ? name : std::to_string(err);
}

std::string Octal(unsigned v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0%o", v);
  return buf;
}

// One named check.  The first failed expectation is reported and the check stops there,
// because later steps usually depend on earlier ones.
class Check {
 public:
  explicit Check(std::string id) : id_(std::move(id)) {}
  Check(const Check&) = delete;
  Check& operator=(const Check&) = delete;
  ~Check() {
    if (!failed_) std::printf("ok %s\n", id_.c_str());
  }

  bool Expect(bool cond, const std::string& what, const std::string& expected,
              const std::string& got) {
    if (cond || failed_) return cond && !failed_;
    failed_ = true;
    ++g_failures;
    std::printf("FAIL %s: %s expected %s got %s\n", id_.c_str(), what.c_str(), expected.c_str(),
                got.c_str());
    return false;
  }
  // A system call that must succeed (rc >= 0).
  bool Ok(long rc, const std::string& what) {
    int err = errno;
    return Expect(rc >= 0, what, "success", rc >= 0 ? "success" : ErrnoName(err));
  }
  // A system call that must fail with `want` (or `alt` if given).
  bool Err(long rc, int want, const std::string& what, int alt = 0) {
    int err = errno;
    std::string expected = ErrnoName(want) + (alt != 0 ? " or " + ErrnoName(alt) : "");
    if (rc >= 0) return Expect(false, what, expected, "success");
    return Expect(err == want || (alt != 0 && err == alt), what, expected, ErrnoName(err));
  }
  // For system call results too: a -1 that was not wanted is shown with its errno.
  bool Eq(long long want, long long got, const std::string& what) {
    int err = errno;
    std::string shown = std::to_string(got);
    if (got == -1 && want != -1) shown += " (" + ErrnoName(err) + ")";
    return Expect(want == got, what, std::to_string(want), shown);
  }
  bool Failed() const { return failed_; }

 private:
  std::string id_;
  bool failed_ = false;
};

bool Selected(const std::string& id) {
  return g_only.empty() || id.find(g_only) != std::string::npos;
}

std::string P(const std::string& name) { return g_dir + "/" + name; }

bool WriteFile(const std::string& path, const std::string& data, mode_t mode = 0644) {
  int fd = open(path.c_str(), O_CREAT | O_WRONLY | O_TRUNC, mode);
  if (fd < 0) return false;
  bool ok = write(fd, data.data(), data.size()) == static_cast<ssize_t>(data.size());
  return close(fd) == 0 && ok;
}

std::string ReadFile(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY);
  if (fd < 0) return "<" + ErrnoName(errno) + ">";
  std::string out;
  char buf[65536];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  close(fd);
  return out;
}

struct stat Stat(const std::string& path) {
  struct stat st {};
  if (lstat(path.c_str(), &st) != 0) st.st_ino = 0;
  return st;
}

// Makes a fresh directory for one check, named after it.
std::string Fresh(const std::string& id, mode_t mode = 0755) {
  std::string d = P(id);
  mkdir(d.c_str(), mode);
  chmod(d.c_str(), mode);  // umask must not matter
  return d;
}

// ---- checks run as root --------------------------------------------------------------------

void CreatExcl() {
  Check c("creat_excl");
  std::string d = Fresh("creat_excl"), f = d + "/f";
  int fd = open(f.c_str(), O_CREAT | O_EXCL | O_WRONLY, 0644);
  if (!c.Ok(fd, "first open(O_CREAT|O_EXCL)")) return;
  close(fd);
  c.Err(open(f.c_str(), O_CREAT | O_EXCL | O_WRONLY, 0644), EEXIST,
        "second open(O_CREAT|O_EXCL)");
  std::string l = d + "/dangling";
  if (!c.Ok(symlink("nowhere", l.c_str()), "symlink")) return;
  c.Err(open(l.c_str(), O_CREAT | O_EXCL | O_WRONLY, 0644), EEXIST,
        "open(O_CREAT|O_EXCL) on a dangling symlink");
}

void Trunc() {
  Check c("o_trunc");
  std::string f = Fresh("o_trunc") + "/f";
  if (!c.Expect(WriteFile(f, std::string(100, 'x')), "write 100 bytes", "ok", "error")) return;
  int fd = open(f.c_str(), O_WRONLY | O_TRUNC);
  if (!c.Ok(fd, "open(O_TRUNC)")) return;
  struct stat st {};
  fstat(fd, &st);
  close(fd);
  if (!c.Eq(0, st.st_size, "fstat size after O_TRUNC")) return;
  c.Eq(0, Stat(f).st_size, "stat size after O_TRUNC");
}

void Append() {
  Check c("o_append");
  std::string f = Fresh("o_append") + "/f";
  int a = open(f.c_str(), O_CREAT | O_WRONLY | O_APPEND, 0644);
  int b = open(f.c_str(), O_WRONLY | O_APPEND);
  if (!c.Ok(a, "open a") || !c.Ok(b, "open b")) return;
  bool ok = write(a, "abc", 3) == 3 && write(b, "def", 3) == 3 && write(a, "gh", 2) == 2;
  close(a);
  close(b);
  if (!c.Expect(ok, "appending writes", "ok", "short write")) return;
  c.Expect(ReadFile(f) == "abcdefgh", "content", "abcdefgh", ReadFile(f));
}

void Beyond4G() {
  Check c("sparse_beyond_4g");
  std::string f = Fresh("sparse_beyond_4g") + "/f";
  int fd = open(f.c_str(), O_CREAT | O_RDWR | O_TRUNC, 0644);
  if (!c.Ok(fd, "open")) return;
  const off_t k4g = 4LL << 30;
  const off_t far = (5LL << 30) + 123;
  bool ok = c.Eq(5, pwrite(fd, "hello", 5, far), "pwrite at 5 GiB+123") &&
            c.Eq(6, pwrite(fd, "ABCDEF", 6, k4g - 3), "pwrite across 4 GiB");
  if (ok) {
    fsync(fd);
    struct stat st {};
    fstat(fd, &st);
    ok = c.Eq(far + 5, st.st_size, "size");
  }
  if (ok) {
    char buf[8] = {};
    ok = c.Eq(5, pread(fd, buf, 5, far), "pread at 5 GiB+123") &&
         c.Expect(std::memcmp(buf, "hello", 5) == 0, "data at 5 GiB+123", "hello",
                  std::string(buf, 5));
    char cross[8] = {};
    ok = ok && c.Eq(6, pread(fd, cross, 6, k4g - 3), "pread across 4 GiB") &&
         c.Expect(std::memcmp(cross, "ABCDEF", 6) == 0, "data across 4 GiB", "ABCDEF",
                  std::string(cross, 6));
    char hole[4096];
    std::memset(hole, 1, sizeof hole);
    ok = ok && c.Eq(4096, pread(fd, hole, 4096, k4g + 4096), "pread in the hole");
    bool zero = true;
    for (char ch : hole) zero = zero && ch == 0;
    ok = ok && c.Expect(zero, "hole content", "zeros", "non-zero bytes");
    char tail[16];
    ok = ok && c.Eq(5, pread(fd, tail, sizeof tail, far), "short pread at EOF");
  }
  close(fd);
  unlink(f.c_str());
}

void TruncateUpDown() {
  Check c("truncate_up_down");
  std::string f = Fresh("truncate_up_down") + "/f";
  if (!c.Expect(WriteFile(f, "0123456789abcdef"), "write", "ok", "error")) return;
  if (!c.Ok(truncate(f.c_str(), 1 << 20), "truncate up to 1 MiB")) return;
  if (!c.Eq(1 << 20, Stat(f).st_size, "size after truncate up")) return;
  std::string all = ReadFile(f);
  if (!c.Expect(all.size() == (1u << 20) && all.compare(0, 16, "0123456789abcdef") == 0 &&
                    all.find_first_not_of('\0', 16) == std::string::npos,
                "content after truncate up", "data then zeros", "other bytes"))
    return;
  if (!c.Ok(truncate(f.c_str(), 10), "truncate down to 10")) return;
  if (!c.Eq(10, Stat(f).st_size, "size after truncate down")) return;
  if (!c.Ok(truncate(f.c_str(), 20), "truncate up to 20")) return;
  std::string want = std::string("0123456789") + std::string(10, '\0');
  c.Expect(ReadFile(f) == want, "content after down then up", "10 data bytes + 10 zeros",
           "stale bytes past the old end");
}

void RenameOverFile() {
  Check c("rename_over_file");
  std::string d = Fresh("rename_over_file");
  std::string a = d + "/a", b = d + "/b";
  if (!c.Expect(WriteFile(a, "new") && WriteFile(b, "old"), "write", "ok", "error")) return;
  int keep = open(b.c_str(), O_RDONLY);  // the replaced file stays readable while open
  if (!c.Ok(rename(a.c_str(), b.c_str()), "rename a over b")) return;
  if (!c.Expect(ReadFile(b) == "new", "content of b", "new", ReadFile(b))) return;
  c.Expect(access(a.c_str(), F_OK) != 0 && errno == ENOENT, "a after rename", "ENOENT",
           "still there");
  char buf[4] = {};
  c.Expect(keep >= 0 && pread(keep, buf, 3, 0) == 3 && std::string(buf) == "old",
           "read from an fd open on the replaced file", "old", std::string(buf));
  if (keep >= 0) close(keep);
}

void RenameDirs() {
  Check c("rename_dirs");
  std::string d = Fresh("rename_dirs");
  std::string a = d + "/a", e = d + "/empty", full = d + "/full", f = d + "/file";
  mkdir(a.c_str(), 0755);
  mkdir(e.c_str(), 0755);
  mkdir(full.c_str(), 0755);
  WriteFile(a + "/inside", "x");
  WriteFile(full + "/x", "x");
  WriteFile(f, "x");
  if (!c.Ok(rename(a.c_str(), e.c_str()), "rename dir over empty dir")) return;
  if (!c.Expect(ReadFile(e + "/inside") == "x", "moved dir content", "x",
                ReadFile(e + "/inside")))
    return;
  c.Err(rename(e.c_str(), full.c_str()), ENOTEMPTY, "rename dir over non-empty dir", EEXIST);
  c.Err(rename(f.c_str(), full.c_str()), EISDIR, "rename file over dir");
  c.Err(rename(e.c_str(), f.c_str()), ENOTDIR, "rename dir over file");
  c.Err(rename(d.c_str(), (e + "/sub").c_str()), EINVAL, "rename dir into its own child");
}

void RenameAcross() {
  Check c("rename_across_dirs");
  std::string d = Fresh("rename_across_dirs");
  std::string d1 = d + "/d1", d2 = d + "/d2";
  mkdir(d1.c_str(), 0755);
  mkdir(d2.c_str(), 0755);
  mkdir((d1 + "/sub").c_str(), 0755);
  if (!c.Expect(WriteFile(d1 + "/f", "data"), "write", "ok", "error")) return;
  ino_t ino = Stat(d1 + "/f").st_ino;
  if (!c.Ok(rename((d1 + "/f").c_str(), (d2 + "/g").c_str()), "rename file across dirs"))
    return;
  if (!c.Eq(static_cast<long long>(ino), static_cast<long long>(Stat(d2 + "/g").st_ino),
            "inode number after rename"))
    return;
  if (!c.Expect(ReadFile(d2 + "/g") == "data", "content", "data", ReadFile(d2 + "/g"))) return;
  nlink_t n1 = Stat(d1).st_nlink, n2 = Stat(d2).st_nlink;
  if (!c.Ok(rename((d1 + "/sub").c_str(), (d2 + "/sub").c_str()), "rename dir across dirs"))
    return;
  c.Eq(n1 - 1, Stat(d1).st_nlink, "source parent link count after moving a dir out");
  c.Eq(n2 + 1, Stat(d2).st_nlink, "target parent link count after moving a dir in");
  c.Expect(Stat(d2 + "/sub/..").st_ino == Stat(d2).st_ino, "'..' of the moved dir",
           "the new parent", "the old parent");
}

void HardLinks() {
  Check c("hard_links");
  std::string d = Fresh("hard_links");
  std::string f = d + "/f", g = d + "/g";
  if (!c.Expect(WriteFile(f, "x"), "write", "ok", "error")) return;
  if (!c.Ok(link(f.c_str(), g.c_str()), "link")) return;
  if (!c.Eq(2, Stat(f).st_nlink, "nlink of f after link")) return;
  if (!c.Eq(2, Stat(g).st_nlink, "nlink of g after link")) return;
  if (!c.Eq(static_cast<long long>(Stat(f).st_ino), static_cast<long long>(Stat(g).st_ino),
            "same inode"))
    return;
  c.Err(link(f.c_str(), g.c_str()), EEXIST, "link onto an existing name");
  if (!c.Ok(unlink(f.c_str()), "unlink f")) return;
  c.Eq(1, Stat(g).st_nlink, "nlink of g after unlinking f");
  std::string sub = d + "/sub";
  mkdir(sub.c_str(), 0755);
  c.Err(link(sub.c_str(), (d + "/sublink").c_str()), EPERM, "hard link to a directory");
  nlink_t before = Stat(d).st_nlink;
  mkdir((d + "/sub2").c_str(), 0755);
  c.Eq(before + 1, Stat(d).st_nlink, "parent nlink after mkdir");
}

void Symlinks() {
  Check c("symlinks");
  std::string d = Fresh("symlinks");
  for (size_t len : {size_t{1}, size_t{100}, size_t{1023}, size_t{1024}, g_symlink_max}) {
    std::string target(len, 't');
    for (size_t i = 63; i < len; i += 64) target[i] = '/';
    std::string l = d + "/l" + std::to_string(len);
    if (!c.Ok(symlink(target.c_str(), l.c_str()), "symlink with a " + std::to_string(len) +
                                                       "-byte target"))
      return;
    char buf[8192];
    ssize_t n = readlink(l.c_str(), buf, sizeof buf);
    if (!c.Eq(static_cast<long long>(len), n, "readlink length")) return;
    if (!c.Expect(std::string(buf, static_cast<size_t>(n)) == target, "readlink content",
                  "the target", "other bytes"))
      return;
    struct stat st = Stat(l);
    if (!c.Expect(S_ISLNK(st.st_mode), "lstat type", "symlink", Octal(st.st_mode))) return;
    if (!c.Eq(static_cast<long long>(len), st.st_size, "lstat size")) return;
  }
  if (g_symlink_max < 4095) {
    std::string too_long(g_symlink_max + 1, 't');
    c.Err(symlink(too_long.c_str(), (d + "/too-long").c_str()), ENAMETOOLONG,
          "symlink with a target one byte over --symlink-max");
  }
  WriteFile(d + "/real", "through");
  symlink("real", (d + "/rel").c_str());
  c.Expect(ReadFile(d + "/rel") == "through", "read through a relative symlink", "through",
           ReadFile(d + "/rel"));
}

void SpecialFiles() {
  Check c("mkfifo_mknod");
  std::string d = Fresh("mkfifo_mknod");
  if (!c.Ok(mkfifo((d + "/fifo").c_str(), 0640), "mkfifo")) return;
  struct stat st = Stat(d + "/fifo");
  if (!c.Expect(S_ISFIFO(st.st_mode), "fifo type", "fifo", Octal(st.st_mode))) return;
  if (!c.Eq(0640, st.st_mode & 07777, "fifo mode")) return;
  if (!c.Ok(mknod((d + "/chr").c_str(), S_IFCHR | 0600, makedev(1, 3)), "mknod char")) return;
  st = Stat(d + "/chr");
  if (!c.Expect(S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3), "char device",
                "chr 1:3",
                Octal(st.st_mode) + " " + std::to_string(major(st.st_rdev)) + ":" +
                    std::to_string(minor(st.st_rdev))))
    return;
  if (!c.Ok(mknod((d + "/blk").c_str(), S_IFBLK | 0600, makedev(7, 200)), "mknod block"))
    return;
  st = Stat(d + "/blk");
  if (!c.Expect(S_ISBLK(st.st_mode) && st.st_rdev == makedev(7, 200), "block device",
                "blk 7:200",
                Octal(st.st_mode) + " " + std::to_string(major(st.st_rdev)) + ":" +
                    std::to_string(minor(st.st_rdev))))
    return;
  if (!c.Ok(mknod((d + "/sock").c_str(), S_IFSOCK | 0600, 0), "mknod socket")) return;
  st = Stat(d + "/sock");
  c.Expect(S_ISSOCK(st.st_mode), "socket type", "socket", Octal(st.st_mode));
  // Opening the FIFO over NFS must give a local pipe, not talk to the server.
  int rd = open((d + "/fifo").c_str(), O_RDONLY | O_NONBLOCK);
  int wr = open((d + "/fifo").c_str(), O_WRONLY | O_NONBLOCK);
  char buf[4] = {};
  c.Expect(rd >= 0 && wr >= 0 && write(wr, "ab", 2) == 2 && read(rd, buf, 2) == 2,
           "data through the fifo", "ab", buf);
  if (rd >= 0) close(rd);
  if (wr >= 0) close(wr);
}

void ChmodChown() {
  Check c("chmod_chown");
  std::string f = Fresh("chmod_chown") + "/f";
  WriteFile(f, "x");
  for (mode_t m : {0751, 0600, 04755, 02755, 01777, 0}) {
    if (!c.Ok(chmod(f.c_str(), m), "chmod " + Octal(m))) return;
    if (!c.Eq(m, Stat(f).st_mode & 07777, "mode after chmod " + Octal(m))) return;
  }
  if (!c.Ok(chown(f.c_str(), 1234, 5678), "chown 1234:5678")) return;
  struct stat st = Stat(f);
  if (!c.Eq(1234, st.st_uid, "uid")) return;
  if (!c.Eq(5678, st.st_gid, "gid")) return;
  if (!c.Ok(chown(f.c_str(), static_cast<uid_t>(-1), 42), "chown -1:42")) return;
  st = Stat(f);
  c.Eq(1234, st.st_uid, "uid kept by chown -1");
  c.Eq(42, st.st_gid, "gid after chown -1:42");
  symlink("f", (Fresh("chmod_chown") + "/l").c_str());
  if (c.Ok(lchown((P("chmod_chown") + "/l").c_str(), 77, 88), "lchown")) {
    c.Eq(77, Stat(P("chmod_chown") + "/l").st_uid, "symlink uid after lchown");
    c.Eq(1234, Stat(f).st_uid, "target uid after lchown");
  }
}

void Utimens() {
  Check c("utimensat_ns");
  std::string f = Fresh("utimensat_ns") + "/f";
  WriteFile(f, "x");
  struct timespec ts[2] = {{1500000000, 123456789}, {1600000000, 987654321}};
  if (!c.Ok(utimensat(AT_FDCWD, f.c_str(), ts, 0), "utimensat")) return;
  struct stat st = Stat(f);
  c.Eq(1500000000, st.st_atim.tv_sec, "atime seconds");
  c.Eq(123456789, st.st_atim.tv_nsec, "atime nanoseconds");
  c.Eq(1600000000, st.st_mtim.tv_sec, "mtime seconds");
  c.Eq(987654321, st.st_mtim.tv_nsec, "mtime nanoseconds");
  struct timespec omit[2] = {{0, UTIME_OMIT}, {1700000000, 5}};
  if (!c.Ok(utimensat(AT_FDCWD, f.c_str(), omit, 0), "utimensat with UTIME_OMIT")) return;
  st = Stat(f);
  c.Eq(123456789, st.st_atim.tv_nsec, "atime kept by UTIME_OMIT");
  c.Eq(1700000000, st.st_mtim.tv_sec, "new mtime");
  c.Eq(5, st.st_mtim.tv_nsec, "new mtime nanoseconds");
  // Before 1970: nfstime3 is unsigned, so this is refused or wraps; we only need no crash and
  // a consistent answer, which the next stat shows.
  struct timespec neg[2] = {{0, UTIME_OMIT}, {-1, 0}};
  utimensat(AT_FDCWD, f.c_str(), neg, 0);
  c.Ok(lstat(f.c_str(), &st), "stat after a pre-1970 time");
}

void NameLength() {
  Check c("name_255");
  std::string d = Fresh("name_255");
  std::string n255(255, 'n'), n256(256, 'n');
  std::string f = d + "/" + n255;
  int fd = open(f.c_str(), O_CREAT | O_WRONLY, 0644);
  if (!c.Ok(fd, "create with a 255-byte name")) return;
  close(fd);
  if (!c.Ok(access(f.c_str(), F_OK), "lookup of the 255-byte name")) return;
  c.Err(open((d + "/" + n256).c_str(), O_CREAT | O_WRONLY, 0644), ENAMETOOLONG,
        "create with a 256-byte name");
  c.Err(mkdir((d + "/" + n256).c_str(), 0755), ENAMETOOLONG, "mkdir with a 256-byte name");
  c.Err(rename(f.c_str(), (d + "/" + n256).c_str()), ENAMETOOLONG,
        "rename to a 256-byte name");
  bool listed = false;
  if (DIR* dir = opendir(d.c_str())) {
    while (dirent* e = readdir(dir)) listed = listed || e->d_name == n255;
    closedir(dir);
  }
  c.Expect(listed, "readdir shows the 255-byte name", "listed", "missing");
}

// rm -rf's pattern: read the directory and unlink entries as they come.  One pass must see
// every entry exactly once, so the directory is empty afterwards.  (On tmpfs, whose 6.1
// readdir cookies are positions, entries are skipped: export from ext4.)
void ReaddirWhileRemoving() {
  Check c("readdir_remove_10000");
  std::string d = Fresh("readdir_remove_10000");
  std::string make_in = g_backing.empty() ? d : g_backing + "/readdir_remove_10000";
  for (int i = 0; i < kReaddirEntries; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "/entry-%05d", i);
    int fd = open((make_in + name).c_str(), O_CREAT | O_WRONLY, 0644);
    if (!c.Ok(fd, std::string("create ") + name)) return;
    close(fd);
  }
  DIR* dir = opendir(d.c_str());
  if (!c.Expect(dir != nullptr, "opendir", "success", ErrnoName(errno))) return;
  std::set<std::string> seen;
  int duplicates = 0, unknown = 0, unlink_errors = 0;
  std::string first_unlink_error;
  errno = 0;
  while (dirent* e = readdir(dir)) {
    std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    if (name.rfind("entry-", 0) != 0) {
      ++unknown;
      continue;
    }
    if (!seen.insert(name).second) ++duplicates;
    // Every 10th entry goes through the client (its REMOVE invalidates its directory cache);
    // the rest directly in the export when we have it: 10,000 REMOVEs over NFS would take
    // minutes under TCG, and the server must keep its cookies valid either way.
    bool direct = !g_backing.empty() && seen.size() % 10 != 0;
    std::string victim = (direct ? make_in : d) + "/" + name;
    if (unlink(victim.c_str()) != 0) {
      if (unlink_errors++ == 0) first_unlink_error = name + ": " + ErrnoName(errno);
    }
    errno = 0;
  }
  int read_errno = errno;
  closedir(dir);
  if (!c.Eq(0, read_errno, "readdir errno (0 = clean end)")) return;
  if (!c.Eq(kReaddirEntries, static_cast<long long>(seen.size()),
            "distinct entries seen in one pass"))
    return;
  if (!c.Eq(0, duplicates, "entries returned twice")) return;
  if (!c.Eq(0, unknown, "unexpected names")) return;
  if (!c.Expect(unlink_errors == 0, "unlink of listed entries", "no errors",
                std::to_string(unlink_errors) + " errors, first " + first_unlink_error))
    return;
  c.Ok(rmdir(d.c_str()), "rmdir after one pass (ENOTEMPTY = entries were skipped)");
}

// An unlinked but open file is renamed to .nfsXXXX by the client and removed on last close.
void SillyRename() {
  Check c("silly_rename");
  std::string d = Fresh("silly_rename");
  std::string f = d + "/victim";
  if (!c.Expect(WriteFile(f, "still here"), "write", "ok", "error")) return;
  int fd = open(f.c_str(), O_RDWR);
  if (!c.Ok(fd, "open")) return;
  if (!c.Ok(unlink(f.c_str()), "unlink while open")) return;
  c.Err(access(f.c_str(), F_OK), ENOENT, "lookup of the unlinked name");
  char buf[16] = {};
  c.Eq(10, pread(fd, buf, sizeof buf, 0), "read from the open unlinked file");
  c.Expect(std::string(buf) == "still here", "content", "still here", buf);
  c.Eq(4, pwrite(fd, "more", 4, 10), "write to the open unlinked file");
  struct stat st {};
  c.Ok(fstat(fd, &st), "fstat of the open unlinked file");
  c.Ok(fsync(fd), "fsync of the open unlinked file");
  close(fd);
  // The client removes the .nfs file asynchronously after the last close.
  int left = -1;
  for (int tries = 0; tries < 100; ++tries) {
    left = 0;
    if (DIR* dir = opendir(d.c_str())) {
      while (dirent* e = readdir(dir)) left += std::string(e->d_name).rfind(".nfs", 0) == 0;
      closedir(dir);
    }
    if (left == 0) break;
    usleep(100 * 1000);
  }
  c.Eq(0, left, ".nfs files left 10 s after close");
  c.Ok(rmdir(d.c_str()), "rmdir of the emptied directory");
}

void MmapWrite() {
  Check c("mmap_write");
  std::string f = Fresh("mmap_write") + "/f";
  const size_t len = 3 * 4096 + 100;
  int fd = open(f.c_str(), O_CREAT | O_RDWR | O_TRUNC, 0644);
  if (!c.Ok(fd, "open")) return;
  if (!c.Ok(ftruncate(fd, static_cast<off_t>(len)), "ftruncate")) return;
  void* map = mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (!c.Expect(map != MAP_FAILED, "mmap", "success", ErrnoName(errno))) return;
  auto* bytes = static_cast<unsigned char*>(map);
  for (size_t i = 0; i < len; ++i) bytes[i] = static_cast<unsigned char>((i * 7 + 3) & 0xff);
  c.Ok(msync(map, len, MS_SYNC), "msync");
  munmap(map, len);
  close(fd);
  sync();
  int dc = open("/proc/sys/vm/drop_caches", O_WRONLY);
  c.Expect(dc >= 0 && write(dc, "3", 1) == 1, "drop_caches", "written", ErrnoName(errno));
  if (dc >= 0) close(dc);
  std::string back = ReadFile(f);
  if (!c.Eq(static_cast<long long>(len), static_cast<long long>(back.size()), "size read back"))
    return;
  size_t bad = len;
  for (size_t i = 0; i < len && bad == len; ++i)
    if (static_cast<unsigned char>(back[i]) != ((i * 7 + 3) & 0xff)) bad = i;
  c.Expect(bad == len, "content read back after drop_caches", "the mapped bytes",
           "a difference at offset " + std::to_string(bad));
}

void SetgidDirRoot() {
  Check c("setgid_dir");
  std::string d = Fresh("setgid_dir", 02775);
  if (!c.Ok(chown(d.c_str(), 0, kGroupOther), "chown dir")) return;
  if (!c.Ok(chmod(d.c_str(), 02775), "chmod 2775")) return;
  WriteFile(d + "/f", "x");
  c.Eq(kGroupOther, Stat(d + "/f").st_gid, "gid of a file created in a setgid dir");
  mkdir((d + "/sub").c_str(), 0755);
  struct stat st = Stat(d + "/sub");
  c.Eq(kGroupOther, st.st_gid, "gid of a subdir created in a setgid dir");
  c.Expect((st.st_mode & S_ISGID) != 0, "setgid bit of the subdir", "set", Octal(st.st_mode));
}

// ---- checks run as unprivileged users ------------------------------------------------------

// Runs `body` in a child with the given credentials and no supplementary groups.
bool AsUser(uid_t uid, gid_t gid, const std::function<void()>& body) {
  std::fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    int before = g_failures;
    if (setgroups(0, nullptr) != 0 || setresgid(gid, gid, gid) != 0 ||
        setresuid(uid, uid, uid) != 0) {
      std::printf("FAIL as_user: cannot switch to uid %u: %s\n", uid, strerror(errno));
      std::fflush(stdout);
      _exit(1);
    }
    body();
    std::fflush(stdout);
    _exit(g_failures > before ? 1 : 0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    ++g_failures;
    return false;
  }
  return true;
}

void UserPermissions() {
  std::string d = Fresh("user_eacces");
  WriteFile(d + "/secret", "x", 0600);
  chmod((d + "/secret").c_str(), 0600);
  std::string ro = d + "/rodir";
  mkdir(ro.c_str(), 0755);
  chmod(ro.c_str(), 0755);
  std::string noexec = d + "/noexec";
  mkdir(noexec.c_str(), 0700);
  chmod(noexec.c_str(), 0700);
  WriteFile(noexec + "/inner", "x", 0644);
  AsUser(kUserA, kGroupA, [&] {
    Check c("user_eacces");
    c.Err(open((d + "/secret").c_str(), O_RDONLY), EACCES, "read a root 0600 file");
    c.Err(open((d + "/secret").c_str(), O_WRONLY), EACCES, "write a root 0600 file");
    c.Err(open((ro + "/new").c_str(), O_CREAT | O_WRONLY, 0644), EACCES,
          "create in a root 0755 dir");
    c.Err(unlink((d + "/secret").c_str()), EACCES, "unlink in a root 0755 dir");
    c.Err(mkdir((ro + "/sub").c_str(), 0755), EACCES, "mkdir in a root 0755 dir");
    c.Err(open((noexec + "/inner").c_str(), O_RDONLY), EACCES,
          "lookup through a root 0700 dir");
    c.Err(chmod((d + "/secret").c_str(), 0777), EPERM, "chmod of a root file");
    c.Err(chown((d + "/secret").c_str(), kUserA, kGroupA), EPERM, "chown of a root file");
  });
}

void UserSticky() {
  std::string d = Fresh("user_sticky", 01777);
  AsUser(kUserA, kGroupA, [&] {
    Check c("user_sticky_create");
    c.Expect(WriteFile(d + "/a_file", "a"), "user A creates a file", "ok", ErrnoName(errno));
    c.Expect(WriteFile(d + "/a_file2", "a"), "user A creates a second file", "ok",
             ErrnoName(errno));
  });
  AsUser(kUserB, kGroupB, [&] {
    Check c("user_sticky");
    c.Err(unlink((d + "/a_file").c_str()), EPERM, "user B unlinks A's file in a sticky dir",
          EACCES);
    c.Err(rename((d + "/a_file").c_str(), (d + "/b_name").c_str()), EPERM,
          "user B renames A's file in a sticky dir", EACCES);
    c.Expect(WriteFile(d + "/b_file", "b"), "user B creates a file", "ok", ErrnoName(errno));
  });
  AsUser(kUserA, kGroupA, [&] {
    Check c("user_sticky_owner");
    c.Ok(unlink((d + "/a_file").c_str()), "user A unlinks own file in a sticky dir");
  });
}

// The owner of a file may write and truncate it through a descriptor opened before the mode
// went to 0 (and a file created with mode 0), as on a local file system.
void UserOwnerMode0() {
  std::string d = Fresh("user_owner_mode0", 0777);
  AsUser(kUserA, kGroupA, [&] {
    Check c("user_owner_mode0");
    std::string f = d + "/f";
    int fd = open(f.c_str(), O_CREAT | O_RDWR | O_EXCL, 0);
    if (!c.Ok(fd, "create with mode 0")) return;
    if (!c.Eq(0, Stat(f).st_mode & 07777, "mode")) return;
    c.Eq(8, pwrite(fd, "01234567", 8, 0), "write through the fd");
    c.Ok(fsync(fd), "fsync");
    c.Ok(ftruncate(fd, 4), "ftruncate to 4 through the fd");
    char buf[8] = {};
    c.Eq(4, pread(fd, buf, sizeof buf, 0), "read back through the fd");
    struct stat st {};
    fstat(fd, &st);
    c.Eq(4, st.st_size, "size");
    close(fd);
    c.Err(open(f.c_str(), O_RDONLY), EACCES, "new open of the mode-0 file");
    c.Ok(chmod(f.c_str(), 0600), "owner chmod of the mode-0 file");
  });
}

void UserSetgid() {
  std::string d = Fresh("user_setgid", 02777);
  chown(d.c_str(), 0, kGroupOther);
  chmod(d.c_str(), 02777);
  std::string suid = d + "/suid";
  WriteFile(suid, "x", 0);
  chmod(suid.c_str(), 04777);
  AsUser(kUserA, kGroupA, [&] {
    Check c("user_setgid");
    std::string f = d + "/mine";
    if (!c.Expect(WriteFile(f, "x"), "create in a setgid dir", "ok", ErrnoName(errno))) return;
    c.Eq(kGroupOther, Stat(f).st_gid, "gid inherited from the setgid dir");
    // Not a member of the file's group: chmod g+s must not leave the bit set.
    if (c.Ok(chmod(f.c_str(), 02755), "chmod 2755 by the owner")) {
      c.Eq(0755, Stat(f).st_mode & 07777, "mode after chmod g+s by a non-member");
    }
    c.Err(chown(f.c_str(), kUserA, kGroupB), EPERM, "chown to a group the owner is not in");
    c.Ok(chown(f.c_str(), kUserA, kGroupA), "chown to the owner's own group");
  });
  AsUser(kUserB, kGroupB, [&] {
    Check c("user_write_clears_suid");
    int fd = open(suid.c_str(), O_WRONLY);
    if (!c.Ok(fd, "open a 4777 root file")) return;
    c.Eq(1, write(fd, "y", 1), "write");
    close(fd);
    struct stat st = Stat(suid);
    c.Eq(0777, st.st_mode & 07777, "mode after a non-owner write (setuid must be cleared)");
  });
}

void UserUtimes() {
  std::string d = Fresh("user_utimes", 0777);
  std::string f = d + "/shared";
  WriteFile(f, "x", 0666);
  chmod(f.c_str(), 0666);
  AsUser(kUserA, kGroupA, [&] {
    Check c("user_utimes");
    c.Ok(utimensat(AT_FDCWD, f.c_str(), nullptr, 0), "utimensat(now) on a writable file");
    struct timespec ts[2] = {{1, 0}, {2, 0}};
    c.Err(utimensat(AT_FDCWD, f.c_str(), ts, 0), EPERM,
          "utimensat with explicit times by a non-owner");
    c.Ok(truncate(f.c_str(), 0), "truncate of a 0666 file by a non-owner");
    std::string own = d + "/own";
    WriteFile(own, "x");
    c.Ok(utimensat(AT_FDCWD, own.c_str(), ts, 0), "utimensat with explicit times by the owner");
    c.Eq(2, Stat(own).st_mtim.tv_sec, "mtime set by the owner");
  });
}

struct Entry {
  const char* id;
  void (*fn)();
};

constexpr Entry kChecks[] = {
    {"creat_excl", CreatExcl},
    {"o_trunc", Trunc},
    {"o_append", Append},
    {"sparse_beyond_4g", Beyond4G},
    {"truncate_up_down", TruncateUpDown},
    {"rename_over_file", RenameOverFile},
    {"rename_dirs", RenameDirs},
    {"rename_across_dirs", RenameAcross},
    {"hard_links", HardLinks},
    {"symlinks", Symlinks},
    {"mkfifo_mknod", SpecialFiles},
    {"chmod_chown", ChmodChown},
    {"utimensat_ns", Utimens},
    {"name_255", NameLength},
    {"setgid_dir", SetgidDirRoot},
    {"silly_rename", SillyRename},
    {"mmap_write", MmapWrite},
    {"user_eacces", UserPermissions},
    {"user_sticky", UserSticky},
    {"user_owner_mode0", UserOwnerMode0},
    {"user_setgid", UserSetgid},
    {"user_utimes", UserUtimes},
    {"readdir_remove_10000", ReaddirWhileRemoving},
};

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (i + 1 < argc && arg == "--dir") {
      g_dir = argv[++i];
    } else if (i + 1 < argc && arg == "--backing") {
      g_backing = argv[++i];
    } else if (i + 1 < argc && arg == "--only") {
      g_only = argv[++i];
    } else if (i + 1 < argc && arg == "--symlink-max") {
      char* end = nullptr;
      const unsigned long v = std::strtoul(argv[++i], &end, 10);
      // Above 1024 so that the fixed lengths below it stay in order and distinct.
      if (*argv[i] == '\0' || *end != '\0' || v <= 1024 || v > 4095) {
        std::fprintf(stderr, "posix_check: --symlink-max wants 1025..4095\n");
        return 2;
      }
      g_symlink_max = v;
    } else {
      std::fprintf(stderr,
                   "usage: posix_check --dir DIR [--backing DIR] [--only SUBSTRING] "
                   "[--symlink-max BYTES]\n");
      return 2;
    }
  }
  if (g_dir.empty() || geteuid() != 0) {
    std::fprintf(stderr, "posix_check: needs --dir and must start as root\n");
    return 2;
  }
  setvbuf(stdout, nullptr, _IOLBF, 0);
  umask(022);
  for (const Entry& e : kChecks) {
    if (!Selected(e.id)) continue;
    timespec t0{}, t1{};
    clock_gettime(CLOCK_MONOTONIC, &t0);
    e.fn();
    clock_gettime(CLOCK_MONOTONIC, &t1);
    // On stderr: the harness logs it, and "ok"/"FAIL" lines stay the only stdout.
    std::fprintf(stderr, "time %s %lld ms\n", e.id,
                 (t1.tv_sec - t0.tv_sec) * 1000LL + (t1.tv_nsec - t0.tv_nsec) / 1000000);
  }
  return g_failures == 0 ? 0 : 1;
}
