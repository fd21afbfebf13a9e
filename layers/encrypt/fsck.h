// `loopfs encrypt fsck`: checks a whole vault offline with its keys.  Every directory must
// have a valid gocryptfs.diriv, every name must decrypt (long names: the .name file is there
// and hashes to the entry's name), every file must have a valid header and blocks that
// authenticate (all-zero blocks are holes and fine) and a size a gocryptfs file can have,
// and every symlink target must decrypt.  Nothing is changed.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "layers/encrypt/vault_config.h"

namespace loopfs::encrypt {

struct FsckProblem {
  std::string cipher_path;  // relative to the vault root ("" for the root itself)
  std::string plain_path;   // relative plaintext path; "?" stands for a name that is unknown
  std::string what;         // what is wrong
};

struct FsckSummary {
  uint64_t directories = 0;
  uint64_t files = 0;  // regular files (each hard-linked file once)
  uint64_t symlinks = 0;
  uint64_t others = 0;  // fifos, sockets, devices: stored as they are
  uint64_t blocks = 0;  // content blocks that authenticated
  uint64_t holes = 0;   // all-zero blocks
  uint64_t cipher_bytes = 0;
  std::vector<FsckProblem> problems;
  bool clean() const { return problems.empty(); }
};

struct FsckOptions {
  // Progress (files checked, bytes) on this stream, rewritten in place about twice a second.
  std::FILE* progress = nullptr;
  // At most this many damaged blocks are listed per file; the rest are counted.
  size_t max_block_problems_per_file = 8;
};

FsckSummary CheckVault(const std::string& cipher_dir, const VaultKeys& keys,
                       const FsckOptions& options);

// One line per problem: "cipher path (plaintext path): what".
std::string FormatProblem(const FsckProblem& problem);

}  // namespace loopfs::encrypt
