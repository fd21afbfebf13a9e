#include "tests/integration/encrypt_vault_fixture.h"

#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "tests/support/nfs3_constants.h"

extern char** environ;

namespace loopfs::testing::encrypt_it {

std::string KindName(Node::Kind kind) {
  switch (kind) {
    case Node::Kind::kFile:
      return "file";
    case Node::Kind::kDir:
      return "directory";
    case Node::Kind::kSymlink:
      return "symlink";
    case Node::Kind::kFifo:
      return "fifo";
  }
  return "?";
}

std::string DiffTrees(const PlainTree& want, const PlainTree& got) {
  std::string out;
  for (const auto& [path, node] : want) {
    auto it = got.find(path);
    if (it == got.end()) {
      out += fmt::format("{}: missing ({})\n", path, KindName(node.kind));
    } else if (it->second.kind != node.kind) {
      out += fmt::format("{}: is a {}, expected a {}\n", path, KindName(it->second.kind),
                         KindName(node.kind));
    } else if (it->second.data != node.data) {
      size_t at = 0;
      while (at < node.data.size() && at < it->second.data.size() &&
             node.data[at] == it->second.data[at]) {
        at++;
      }
      out += fmt::format("{}: {} bytes, expected {}; first difference at byte {}\n", path,
                         it->second.data.size(), node.data.size(), at);
    }
  }
  for (const auto& [path, node] : got) {
    if (want.count(path) == 0) out += fmt::format("{}: unexpected {}\n", path, KindName(node.kind));
  }
  return out;
}

std::string Pattern(size_t size, unsigned seed) {
  std::string s(size, '\0');
  uint32_t x = seed * 2654435761u + 7;
  for (char& c : s) {
    x = x * 1103515245u + 12345u;
    c = static_cast<char>(x >> 23);
  }
  return s;
}

Bytes ToBytes(std::string_view s) { return Bytes(s.begin(), s.end()); }
std::string ToString(const Bytes& b) { return std::string(b.begin(), b.end()); }

int RunProgram(const std::vector<std::string>& args, std::string* output) {
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  char out_path[] = "/tmp/loopfs-enc-run-XXXXXX";
  int out_fd = -1;
  if (output != nullptr) {
    out_fd = mkstemp(out_path);
    if (out_fd < 0) return -1;
    posix_spawn_file_actions_adddup2(&actions, out_fd, STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, out_fd, STDERR_FILENO);
  }
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  int status = 0;
  const bool ran = rc == 0 && waitpid(pid, &status, 0) == pid;
  if (out_fd >= 0) {
    close(out_fd);
    *output = loopfs::encrypt::testing::ReadFileBytes(out_path);
    unlink(out_path);
  }
  if (!ran || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

namespace {

void ReadLocalDir(const std::string& dir, const std::string& prefix, PlainTree* tree) {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    names.push_back(e.path().filename().string());
  }
  for (const std::string& name : names) {
    const std::string path = dir + "/" + name;
    struct stat st;
    ASSERT_EQ(lstat(path.c_str(), &st), 0) << path;
    Node node;
    if (S_ISDIR(st.st_mode)) {
      node.kind = Node::Kind::kDir;
      ReadLocalDir(path, prefix + name + "/", tree);
    } else if (S_ISLNK(st.st_mode)) {
      node.kind = Node::Kind::kSymlink;
      std::string target(8192, '\0');
      const ssize_t n = readlink(path.c_str(), target.data(), target.size());
      ASSERT_GE(n, 0) << path;
      target.resize(static_cast<size_t>(n));
      node.data = target;
    } else if (S_ISFIFO(st.st_mode)) {
      node.kind = Node::Kind::kFifo;
    } else {
      node.data = loopfs::encrypt::testing::ReadFileBytes(path);
      EXPECT_EQ(static_cast<size_t>(st.st_size), node.data.size()) << "st_size of " << path;
    }
    (*tree)[prefix + name] = node;
  }
}

bool SameAttrs(const Attr3& a, const Attr3& b) {
  return a.type == b.type && a.mode == b.mode && a.size == b.size && a.fileid == b.fileid &&
         a.nlink == b.nlink;
}

void ReadNfsDir(Nfs3Client& client, const Fh& dir, const std::string& prefix, PlainTree* tree) {
  // Small counts make the listing span several calls, so cookies are exercised too.
  ReadDirRes plus = client.ReadDirAll(dir, /*plus=*/true, 1024);
  ASSERT_TRUE(plus.ok()) << "READDIRPLUS " << prefix << ": " << Why(plus);
  ReadDirRes plain = client.ReadDirAll(dir, /*plus=*/false, 1024);
  ASSERT_TRUE(plain.ok()) << "READDIR " << prefix << ": " << Why(plain);
  std::map<std::string, uint64_t> plain_ids;
  for (const DirEntry3& e : plain.entries) {
    EXPECT_TRUE(plain_ids.emplace(e.name, e.fileid).second) << "READDIR lists twice: " << e.name;
  }
  std::set<std::string> seen;
  for (const DirEntry3& e : plus.entries) {
    if (e.name == "." || e.name == "..") continue;
    EXPECT_TRUE(seen.insert(e.name).second) << "READDIRPLUS lists twice: " << prefix << e.name;
    const std::string path = prefix + e.name;
    auto pit = plain_ids.find(e.name);
    EXPECT_TRUE(pit != plain_ids.end()) << "READDIR does not list " << path;
    if (pit != plain_ids.end()) {
      EXPECT_EQ(pit->second, e.fileid) << path;
    }
    EXPECT_TRUE(e.name.find_first_of(std::string("/\0", 2)) == std::string::npos) << path;

    LookupRes lr = client.Lookup(dir, e.name);
    ASSERT_TRUE(lr.ok()) << "LOOKUP " << path << ": " << Why(lr);
    GetAttrRes ga = client.GetAttr(lr.fh);
    ASSERT_TRUE(ga.ok()) << "GETATTR " << path << ": " << Why(ga);
    if (e.fh) {
      EXPECT_EQ(*e.fh, lr.fh) << "READDIRPLUS handle of " << path;
    }
    if (e.attr) {
      EXPECT_TRUE(SameAttrs(*e.attr, ga.attr)) << "READDIRPLUS attributes of " << path;
    }
    if (lr.attr) {
      EXPECT_TRUE(SameAttrs(*lr.attr, ga.attr)) << "LOOKUP attributes of " << path;
    }
    EXPECT_EQ(ga.attr.fileid, e.fileid) << path;

    Node node;
    switch (ga.attr.type) {
      case NF3DIR:
        node.kind = Node::Kind::kDir;
        ReadNfsDir(client, lr.fh, path + "/", tree);
        break;
      case NF3LNK: {
        node.kind = Node::Kind::kSymlink;
        ReadLinkRes rl = client.ReadLink(lr.fh);
        ASSERT_TRUE(rl.ok()) << "READLINK " << path << ": " << Why(rl);
        node.data = rl.target;
        EXPECT_EQ(ga.attr.size, rl.target.size()) << "symlink size of " << path;
        break;
      }
      case NF3FIFO:
        node.kind = Node::Kind::kFifo;
        break;
      case NF3REG: {
        // Whole-file reads in three piece sizes: one that straddles every block boundary
        // differently, one just over a block, and one large.
        node.data = ReadNfsFile(client, lr.fh, ga.attr.size, 1000);
        if (ga.attr.size > 0 && ga.attr.size < 300000) {
          EXPECT_EQ(ReadNfsFile(client, lr.fh, ga.attr.size, 4097), node.data) << path;
        }
        EXPECT_EQ(ReadNfsFile(client, lr.fh, ga.attr.size, 65537), node.data) << path;
        break;
      }
      default:
        ADD_FAILURE() << path << " has unexpected type " << ga.attr.type;
    }
    (*tree)[path] = node;
  }
  EXPECT_EQ(seen.size() + 2, plus.entries.size()) << "READDIRPLUS of " << prefix
                                                  << " without . and ..";
  EXPECT_EQ(plain.entries.size(), plus.entries.size()) << "READDIR vs READDIRPLUS of " << prefix;
}

}  // namespace

std::string CheckCipherBookkeeping(const std::string& cipher_dir) {
  std::string problems;
  struct stat st;
  const std::string diriv = cipher_dir + "/gocryptfs.diriv";
  if (lstat(diriv.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size != 16) {
    problems += diriv + ": missing or not 16 bytes\n";
  }
  std::set<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(cipher_dir)) {
    names.insert(e.path().filename().string());
  }
  const std::string prefix = "gocryptfs.longname.";
  const std::string suffix = ".name";
  for (const std::string& name : names) {
    const std::string path = cipher_dir + "/" + name;
    const bool is_long = name.starts_with(prefix);
    const bool is_name_file = is_long && name.ends_with(suffix);
    if (is_name_file) {
      if (names.count(name.substr(0, name.size() - suffix.size())) == 0) {
        problems += path + ": side file without its entry\n";
      }
    } else if (is_long && names.count(name + suffix) == 0) {
      problems += path + ": long name without its .name side file\n";
    }
    if (lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
      problems += CheckCipherBookkeeping(path);
    }
  }
  return problems;
}

PlainTree ReadLocalTree(const std::string& dir) {
  PlainTree tree;
  ReadLocalDir(dir, "", &tree);
  return tree;
}

PlainTree ReadNfsTree(Nfs3Client& client, const Fh& dir) {
  PlainTree tree;
  ReadNfsDir(client, dir, "", &tree);
  return tree;
}

std::string ReadNfsFile(Nfs3Client& client, const Fh& fh, uint64_t size, uint32_t piece) {
  std::string data;
  for (uint64_t off = 0;;) {
    ReadRes r = client.Read(fh, off, piece);
    if (!r.ok()) {
      ADD_FAILURE() << "READ at " << off << ": " << Why(r);
      return "";
    }
    if (r.attr) {
      EXPECT_EQ(r.attr->size, size) << "READ's post-op size at " << off;
    }
    data += ToString(r.data);
    off += r.data.size();
    if (r.eof) break;
    if (r.data.empty()) {
      ADD_FAILURE() << "READ at " << off << " returned nothing without eof";
      return "";
    }
    if (off > size) {
      ADD_FAILURE() << "READ past the size " << size << " without eof";
      return "";
    }
  }
  EXPECT_EQ(data.size(), size) << "bytes read vs. GETATTR size";
  return data;
}

void VaultTest::SetUp() {
  if (NeedsFuse()) {
    const int fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
    if (fd < 0) GTEST_SKIP() << "FUSE unavailable: /dev/fuse cannot be opened";
    close(fd);
    if (RunProgram({"sh", "-c", "command -v fusermount3 >/dev/null || command -v fusermount "
                                ">/dev/null"}) != 0) {
      GTEST_SKIP() << "FUSE unavailable: no fusermount";
    }
  }
  ASSERT_EQ(RunProgram({"sh", "-c", "command -v gocryptfs >/dev/null"}), 0)
      << "gocryptfs is not installed: run tests/install-deps.sh test";
  char base[] = "/tmp/loopfs-encrypt-it-XXXXXX";
  ASSERT_NE(mkdtemp(base), nullptr);
  base_ = base;
  // Tests act as other uids too: the vault must be reachable for them.
  ASSERT_EQ(chmod(base_.c_str(), 0755), 0);
  cipher_ = base_ + "/cipher";
  mnt_ = base_ + "/mnt";
  passfile_ = base_ + "/pass";
  ASSERT_EQ(mkdir(cipher_.c_str(), 0755), 0);
  ASSERT_EQ(mkdir(mnt_.c_str(), 0700), 0);
  loopfs::encrypt::testing::WriteFileBytes(passfile_, std::string(kPassphrase) + "\n", 0600);
}

void VaultTest::TearDown() {
  client_.reset();
  if (server_) StopServer();
  if (mounted_) Unmount();
  if (!base_.empty() && getenv("LOOPFS_TEST_KEEP") == nullptr) {
    std::error_code ec;
    std::filesystem::remove_all(base_, ec);
  }
}

void VaultTest::InitVault() {
  std::string out;
  ASSERT_EQ(RunProgram({"gocryptfs", "-init", "-q", "-scryptn", "10", "-passfile", passfile_,
                        cipher_},
                       &out),
            0)
      << out;
}

void VaultTest::Mount() {
  std::string out;
  ASSERT_EQ(RunProgram({"gocryptfs", "-q", "-nosyslog", "-passfile", passfile_, cipher_, mnt_},
                       &out),
            0)
      << out;
  mounted_ = true;
}

void VaultTest::Unmount() {
  mounted_ = false;
  if (RunProgram({"fusermount3", "-u", mnt_}) != 0) {
    ASSERT_EQ(RunProgram({"fusermount", "-u", mnt_}), 0) << "cannot unmount " << mnt_;
  }
}

int VaultTest::Fsck(std::string* output) {
  return RunProgram({"gocryptfs", "-fsck", "-q", "-passfile", passfile_, cipher_}, output);
}

std::string VaultTest::ServerToml() const {
  return fmt::format(
      "[[export]]\n"
      "path = \"/\"\n"
      "options = [\"rw\", \"no_root_squash\"]\n"
      "layers = [ {{ type = \"encrypt\", passfile = \"{}\" }}, "
      "{{ type = \"posix\", root = \"{}\" }} ]\n",
      passfile_, cipher_);
}

void VaultTest::StartServer() {
  ServerConfig config;
  config.config_toml = ServerToml();
  server_ = TestServer::Start(config);
  ASSERT_NE(server_, nullptr) << "loopfsd did not start on the vault";
  client_ = NewClient();
  ASSERT_NE(client_, nullptr);
}

void VaultTest::StopServer() {
  client_.reset();
  if (!server_) return;
  const int rc = server_->Stop();
  EXPECT_EQ(rc, 0) << "loopfsd did not exit cleanly; log:\n" << server_->LogTail();
  server_.reset();
}

std::unique_ptr<Nfs3Client> VaultTest::NewClient(uint32_t uid, uint32_t gid) {
  ClientOptions opts;
  auto client = Nfs3Client::Connect(*server_, opts);
  if (client) client->SetCredentials(uid, gid);
  return client;
}

Fh VaultTest::Path(const std::string& path) {
  LookupRes lr = client_->LookupPath(path);
  EXPECT_TRUE(lr.ok()) << "LOOKUP " << path << ": " << Why(lr);
  return lr.fh;
}

loopfs::encrypt::VaultKeys VaultTest::Keys() {
  loopfs::encrypt::VaultKeys keys;
  EXPECT_TRUE(loopfs::encrypt::testing::OpenVault(cipher_, kPassphrase, &keys));
  return keys;
}

}  // namespace loopfs::testing::encrypt_it
