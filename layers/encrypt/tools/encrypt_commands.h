// `loopfs encrypt init|passwd|fsck`: offline tools for vaults (gocryptfs format).  They work
// on the cipher directory directly and need no running loopfsd.  See loopfs-encrypt(7).
#pragma once

#include <memory>

namespace CLI {
class App;
}

namespace loopfs::encrypt {

class EncryptCommands {
 public:
  // Adds the `encrypt` subcommand (with init, passwd, fsck under it) to `app`.
  explicit EncryptCommands(CLI::App& app);
  ~EncryptCommands();
  EncryptCommands(const EncryptCommands&) = delete;
  EncryptCommands& operator=(const EncryptCommands&) = delete;

  // True if the parsed command line chose `encrypt`.
  bool parsed() const;

  // Runs the chosen command; returns the process exit status: 0 success, 1 failure (for
  // fsck: damage found), 2 a bad command line or a vault that cannot be unlocked.
  int Run();

  struct Options;

 private:
  std::unique_ptr<Options> options_;
};

}  // namespace loopfs::encrypt
