// Shared by the encrypt layer's integration tests (encrypt_*_test.cc): a gocryptfs vault in a
// temporary directory, the real gocryptfs to fill or check it over FUSE, loopfsd serving it
// through { type = "encrypt" } over { type = "posix" }, and whole-tree readers for both sides
// so a test compares what one wrote with what the other shows.
//
// The real gocryptfs is the arbiter of the format: whatever loopfs writes must read back
// through a gocryptfs mount, and the other way round.  Tests skip only where FUSE is missing.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/nfs3_client.h"
#include "tests/support/test_server.h"
#include "tests/unit/encrypt/vault_tree.h"

namespace loopfs::testing::encrypt_it {

inline constexpr char kPassphrase[] = "correct horse battery staple";

// One plaintext entry as a client sees it.
struct Node {
  enum class Kind { kFile, kDir, kSymlink, kFifo };
  Kind kind = Kind::kFile;
  std::string data;  // a file's bytes or a symlink's target
  bool operator==(const Node&) const = default;
};
using PlainTree = std::map<std::string, Node>;  // relative path -> entry

std::string KindName(Node::Kind kind);
// "path: what differs" lines for every difference, empty if the trees are equal.
std::string DiffTrees(const PlainTree& want, const PlainTree& got);

// Deterministic pseudo-random bytes.
std::string Pattern(size_t size, unsigned seed);
Bytes ToBytes(std::string_view s);
std::string ToString(const Bytes& b);

// Runs a program; returns its exit status, -1 if it could not run or was signalled.
// *output (if given) gets stdout and stderr together.
int RunProgram(const std::vector<std::string>& args, std::string* output = nullptr);

// Reads a plaintext tree from a local directory (a gocryptfs mount); FIFOs are not opened.
PlainTree ReadLocalTree(const std::string& dir);

// Reads the whole tree below `dir` through NFS and checks, on the way, that the server's
// views agree: READDIR and READDIRPLUS list the same names, READDIRPLUS attributes and
// handles match LOOKUP and GETATTR, sizes are plaintext sizes, files read back identically in
// pieces of odd sizes across block boundaries (with eof exactly at the end), and symlinks by
// READLINK.  Disagreements are test failures (ADD_FAILURE).
PlainTree ReadNfsTree(Nfs3Client& client, const Fh& dir);
// A whole file by READs of `piece` bytes.  Empty and a failure on any error.
std::string ReadNfsFile(Nfs3Client& client, const Fh& fh, uint64_t size, uint32_t piece);

// Checks the ciphertext tree's bookkeeping: every directory has a 16-byte gocryptfs.diriv,
// every gocryptfs.longname.X has its X.name side file and no side file is left without its
// entry.  Returns the problems, one a line (empty if none).
std::string CheckCipherBookkeeping(const std::string& cipher_dir);

// A temporary vault: base/cipher (ciphertext), base/mnt (gocryptfs mount point),
// base/pass (the passphrase file loopfsd and gocryptfs read).
class VaultTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;
  // Tests that mount the vault with gocryptfs are skipped where FUSE is unavailable; the
  // others (gocryptfs -init needs no FUSE) run everywhere.
  virtual bool NeedsFuse() const { return true; }

  // gocryptfs -init with a cheap scrypt cost.
  void InitVault();
  void Mount();
  void Unmount();
  // `gocryptfs -fsck`: exit status and output.
  int Fsck(std::string* output);
  // The loopfs.toml body serving cipher_ at "/" (root not squashed).
  std::string ServerToml() const;
  // Starts loopfsd on the vault and connects client_ (as root).
  void StartServer();
  // Stops loopfsd, which must exit 0.
  void StopServer();
  std::unique_ptr<Nfs3Client> NewClient(uint32_t uid = 0, uint32_t gid = 0);

  // Handle of a plaintext path through LOOKUPs from the root; failure if missing.
  Fh Path(const std::string& path);

  // The vault's keys (from the passphrase) for tests that look at the ciphertext directly.
  loopfs::encrypt::VaultKeys Keys();

  std::string base_, cipher_, mnt_, passfile_;
  bool mounted_ = false;
  std::unique_ptr<TestServer> server_;
  std::unique_ptr<Nfs3Client> client_;
};

}  // namespace loopfs::testing::encrypt_it
