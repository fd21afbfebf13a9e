#include "layers/encrypt/fsck.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <set>
#include <system_error>
#include <utility>

#include "layers/encrypt/core/block_codec.h"
#include "layers/encrypt/core/name_codec.h"
#include "layers/encrypt/core/status.h"
#include "layers/encrypt/keyring.h"
#include "layers/encrypt/symlink_codec.h"

namespace loopfs::encrypt {
namespace {

constexpr size_t kBlocksPerRead = 32;
// gocryptfs refuses .name files larger than this; so does fsck.
constexpr size_t kNameFileMax = 4096;

std::string Join(const std::string& dir, std::string_view name) {
  return dir.empty() ? std::string(name) : dir + "/" + std::string(name);
}

class Checker {
 public:
  Checker(const std::string& root, const VaultKeys& keys, const FsckOptions& options)
      : root_(root), keys_(keys), options_(options) {}

  FsckSummary Run() {
    pending_.push_back({"", ""});
    while (!pending_.empty()) {
      auto [cipher, plain] = std::move(pending_.back());
      pending_.pop_back();
      CheckDirectory(cipher, plain);
    }
    Progress(/*final=*/true);
    return std::move(summary_);
  }

 private:
  struct Dir {
    std::string cipher;
    std::string plain;
  };

  void Problem(const std::string& cipher, const std::string& plain, std::string what) {
    summary_.problems.push_back({cipher, plain, std::move(what)});
  }

  void Progress(bool final) {
    if (options_.progress == nullptr) return;
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    const double now = static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
    if (!final && now - last_progress_ < 0.5) return;
    last_progress_ = now;
    fprintf(options_.progress, "\rfsck: %llu directories, %llu files, %.1f MiB checked",
            static_cast<unsigned long long>(summary_.directories),
            static_cast<unsigned long long>(summary_.files),
            static_cast<double>(summary_.cipher_bytes) / (1024.0 * 1024.0));
    if (final) fputc('\n', options_.progress);
    fflush(options_.progress);
  }

  // Reads the directory's diriv; false (with a problem recorded) if it is unusable.
  bool ReadDiriv(int dfd, const Dir& dir, uint8_t diriv[LFENC_DIRIV_LEN]) {
    const std::string cipher = Join(dir.cipher, LFENC_DIRIV_NAME);
    const int fd = openat(dfd, LFENC_DIRIV_NAME, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
      Problem(cipher, dir.plain,
              errno == ENOENT ? "gocryptfs.diriv is missing: no name in this directory can be "
                                "decrypted"
                              : std::string("cannot open gocryptfs.diriv: ") +
                                    std::generic_category().message(errno));
      return false;
    }
    struct stat st {};
    bool ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
    if (!ok) {
      Problem(cipher, dir.plain, "gocryptfs.diriv is not a regular file");
    } else if (st.st_size != LFENC_DIRIV_LEN) {
      Problem(cipher, dir.plain,
              "gocryptfs.diriv is " + std::to_string(st.st_size) + " bytes, must be 16");
      ok = false;
    } else if (pread(fd, diriv, LFENC_DIRIV_LEN, 0) != LFENC_DIRIV_LEN) {
      Problem(
          cipher, dir.plain,
          std::string("cannot read gocryptfs.diriv: ") + std::generic_category().message(errno));
      ok = false;
    }
    close(fd);
    return ok;
  }

  std::vector<std::string> ListNames(int dfd, const Dir& dir) {
    std::vector<std::string> names;
    const int copy = dup(dfd);
    DIR* d = copy < 0 ? nullptr : fdopendir(copy);
    if (d == nullptr) {
      if (copy >= 0) close(copy);
      Problem(dir.cipher, dir.plain,
              std::string("cannot list directory: ") + std::generic_category().message(errno));
      return names;
    }
    errno = 0;
    // readdir is safe on a stream no other thread uses.
    while (const dirent* e = readdir(d)) {  // NOLINT(concurrency-mt-unsafe)
      const std::string_view name = e->d_name;
      if (name != "." && name != "..") names.emplace_back(name);
    }
    if (errno != 0) {
      Problem(dir.cipher, dir.plain,
              std::string("cannot list directory: ") + std::generic_category().message(errno));
    }
    closedir(d);
    std::sort(names.begin(), names.end());
    return names;
  }

  // The stored (encrypted) name behind a directory entry: the entry itself, or for a long
  // name the content of its .name file, checked against the entry's hash.
  bool StoredName(int dfd, const std::string& name, const std::string& cipher,
                  const std::string& plain, std::string* stored) {
    if (lfenc_name_kind_of(name.data(), name.size()) != LFENC_NAME_LONG) {
      *stored = name;
      return true;
    }
    const std::string name_file = name + LFENC_LONGNAME_SUFFIX;
    const int fd = openat(dfd, name_file.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
      Problem(cipher, plain, "long name's " + name_file + " is missing: the name is lost");
      return false;
    }
    std::string text(kNameFileMax + 1, '\0');
    const ssize_t n = pread(fd, text.data(), text.size(), 0);
    close(fd);
    if (n <= 0 || static_cast<size_t>(n) > kNameFileMax) {
      Problem(cipher, plain, "long name's " + name_file + " is empty, unreadable or too large");
      return false;
    }
    text.resize(static_cast<size_t>(n));
    char hashed[LFENC_LONGNAME_LEN + 1];
    if (lfenc_longname_of(&OpenSslCrypto(), text.data(), text.size(), hashed) != LFENC_OK ||
        name != hashed) {
      Problem(cipher, plain, "long name's " + name_file + " does not match the entry's hash");
      return false;
    }
    *stored = std::move(text);
    return true;
  }

  bool DecryptName(const uint8_t diriv[LFENC_DIRIV_LEN], const std::string& stored,
                   std::string* plain_name) {
    char out[LFENC_NAME_MAX + 1];
    size_t len = 0;
    if (lfenc_name_decrypt(&OpenSslCrypto(), keys_.names->handle(), diriv, stored.data(),
                           stored.size(), out, sizeof out, &len) != LFENC_OK) {
      return false;
    }
    plain_name->assign(out, len);
    return true;
  }

  bool SkipInRoot(const Dir& dir, const std::string& name) {
    // gocryptfs.conf (and gocryptfs -passwd's temporary), loopfs.keys and its temporaries.
    return dir.cipher.empty() &&
           (name.rfind(LFENC_CONF_NAME, 0) == 0 || name.rfind(std::string(kKeyringName), 0) == 0);
  }

  void CheckDirectory(const std::string& cipher_rel, const std::string& plain_rel) {
    const Dir dir{cipher_rel, plain_rel};
    const std::string path = cipher_rel.empty() ? root_ : root_ + "/" + cipher_rel;
    const int dfd = open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dfd < 0) {
      Problem(cipher_rel, plain_rel,
              std::string("cannot open directory: ") + std::generic_category().message(errno));
      return;
    }
    summary_.directories++;
    uint8_t diriv[LFENC_DIRIV_LEN];
    const bool have_diriv = ReadDiriv(dfd, dir, diriv);
    const std::vector<std::string> names = ListNames(dfd, dir);
    size_t encrypted = 0;
    size_t undecryptable = 0;
    for (const std::string& name : names) {
      if (SkipInRoot(dir, name)) continue;
      const std::string cipher = Join(cipher_rel, name);
      const lfenc_name_kind kind = lfenc_name_kind_of(name.data(), name.size());
      if (kind == LFENC_NAME_DIRIV) continue;
      if (kind == LFENC_NAME_LONG_NAMEFILE) {
        const std::string base = name.substr(0, name.size() - strlen(LFENC_LONGNAME_SUFFIX));
        if (!std::binary_search(names.begin(), names.end(), base)) {
          Problem(cipher, Join(plain_rel, "?"), "orphaned long-name file: no entry " + base);
        }
        continue;
      }
      std::string plain = Join(plain_rel, "?");
      std::string stored;
      if (StoredName(dfd, name, cipher, plain, &stored) && have_diriv) {
        encrypted++;
        std::string plain_name;
        if (DecryptName(diriv, stored, &plain_name)) {
          plain = Join(plain_rel, plain_name);
        } else {
          undecryptable++;
          Problem(cipher, plain, "name does not decrypt: corrupted, or not made with this key");
        }
      }
      CheckEntry(dfd, name, cipher, plain);
    }
    if (have_diriv && encrypted > 0 && undecryptable == encrypted) {
      Problem(Join(cipher_rel, LFENC_DIRIV_NAME), plain_rel,
              "no name in this directory decrypts: gocryptfs.diriv is probably damaged");
    }
    close(dfd);
  }

  void CheckEntry(int dfd, const std::string& name, const std::string& cipher,
                  const std::string& plain) {
    struct stat st {};
    if (fstatat(dfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      Problem(cipher, plain, std::string("cannot stat: ") + std::generic_category().message(errno));
      return;
    }
    if (S_ISDIR(st.st_mode)) {
      pending_.push_back({cipher, plain});
    } else if (S_ISREG(st.st_mode)) {
      if (st.st_nlink > 1 && !seen_.insert({st.st_dev, st.st_ino}).second) return;
      summary_.files++;
      CheckFile(dfd, name, cipher, plain);
      Progress(/*final=*/false);
    } else if (S_ISLNK(st.st_mode)) {
      summary_.symlinks++;
      CheckSymlink(dfd, name, cipher, plain);
    } else {
      summary_.others++;
    }
  }

  void CheckSymlink(int dfd, const std::string& name, const std::string& cipher,
                    const std::string& plain) {
    std::string stored(8192, '\0');
    const ssize_t n = readlinkat(dfd, name.c_str(), stored.data(), stored.size());
    if (n < 0 || static_cast<size_t>(n) >= stored.size()) {
      Problem(cipher, plain, "cannot read the symlink");
      return;
    }
    stored.resize(static_cast<size_t>(n));
    std::string target;
    if (!DecryptSymlinkTarget(keys_, stored, &target) || target.empty()) {
      Problem(cipher, plain, "symlink target does not decrypt");
    }
  }

  void CheckFile(int dfd, const std::string& name, const std::string& cipher,
                 const std::string& plain) {
    const int fd = openat(dfd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
    struct stat st {};
    if (fd < 0 || fstat(fd, &st) != 0) {
      Problem(cipher, plain, std::string("cannot open: ") + std::generic_category().message(errno));
      if (fd >= 0) close(fd);
      return;
    }
    const uint64_t size = static_cast<uint64_t>(st.st_size);
    summary_.cipher_bytes += size;
    uint64_t plain_size = 0;
    if (lfenc_plain_size(size, &plain_size) != LFENC_OK) {
      Problem(cipher, plain,
              "size " + std::to_string(size) +
                  " bytes is impossible for a gocryptfs file (a torn header, or a last block "
                  "without data): truncated");
    }
    if (size >= LFENC_HEADER_LEN) CheckContent(fd, size, cipher, plain);
    close(fd);
  }

  void CheckContent(int fd, uint64_t size, const std::string& cipher, const std::string& plain) {
    uint8_t header[LFENC_HEADER_LEN];
    uint8_t file_id[LFENC_FILE_ID_LEN];
    if (pread(fd, header, sizeof header, 0) != LFENC_HEADER_LEN ||
        lfenc_header_parse(header, sizeof header, file_id) != LFENC_OK) {
      Problem(cipher, plain, "file header is invalid (wrong version, or all zero)");
      return;
    }
    std::vector<uint8_t> buf(kBlocksPerRead * LFENC_CIPHER_BLOCK_LEN);
    std::vector<uint8_t> out(LFENC_PLAIN_BLOCK_LEN);
    uint64_t offset = LFENC_HEADER_LEN;
    uint64_t block_no = 0;
    size_t damaged = 0;
    while (offset < size) {
      const size_t want = static_cast<size_t>(std::min<uint64_t>(buf.size(), size - offset));
      const ssize_t n = pread(fd, buf.data(), want, static_cast<off_t>(offset));
      if (n <= 0) {
        Problem(cipher, plain,
                "cannot read at offset " + std::to_string(offset) + ": " +
                    (n < 0 ? std::generic_category().message(errno) : std::string("file shrank")));
        return;
      }
      const size_t got = static_cast<size_t>(n);
      for (size_t at = 0; at < got; at += LFENC_CIPHER_BLOCK_LEN, block_no++) {
        const size_t len = std::min<size_t>(LFENC_CIPHER_BLOCK_LEN, got - at);
        if (len <= LFENC_BLOCK_OVERHEAD) break;  // reported with the size
        if (lfenc_block_is_hole(buf.data() + at, len)) {
          summary_.holes++;
          continue;
        }
        size_t plain_len = 0;
        if (lfenc_block_open(&OpenSslCrypto(), keys_.content->handle(), block_no, file_id,
                             buf.data() + at, len, out.data(), out.size(),
                             &plain_len) == LFENC_OK) {
          summary_.blocks++;
          continue;
        }
        if (++damaged <= options_.max_block_problems_per_file) {
          const uint64_t first = block_no * LFENC_PLAIN_BLOCK_LEN;
          Problem(cipher, plain,
                  "block " + std::to_string(block_no) + " (plaintext bytes " +
                      std::to_string(first) + " to " +
                      std::to_string(first + len - LFENC_BLOCK_OVERHEAD - 1) +
                      ") does not authenticate: tampered, swapped, moved from another file, "
                      "or cut short");
        }
      }
      offset += got;
    }
    if (damaged > options_.max_block_problems_per_file) {
      Problem(
          cipher, plain,
          std::to_string(damaged - options_.max_block_problems_per_file) + " more damaged blocks");
    }
  }

  const std::string root_;
  const VaultKeys& keys_;
  const FsckOptions& options_;
  FsckSummary summary_;
  std::vector<Dir> pending_;
  std::set<std::pair<dev_t, ino_t>> seen_;
  double last_progress_ = 0;
};

}  // namespace

FsckSummary CheckVault(const std::string& cipher_dir, const VaultKeys& keys,
                       const FsckOptions& options) {
  return Checker(cipher_dir, keys, options).Run();
}

std::string FormatProblem(const FsckProblem& problem) {
  std::string line = problem.cipher_path.empty() ? "." : problem.cipher_path;
  line += " (" + (problem.plain_path.empty() ? std::string("/") : "/" + problem.plain_path) + ")";
  return line + ": " + problem.what;
}

}  // namespace loopfs::encrypt
