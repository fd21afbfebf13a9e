// Test helpers: a whole gocryptfs directory tree read and written with loopfs's encrypt core
// and nothing else, so tests can compare it with what the real gocryptfs made or reads.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "layers/encrypt/vault_config.h"

namespace loopfs::encrypt::testing {

// One plaintext tree entry: a file's bytes, a symlink's target, or a directory.
struct Entry {
  enum class Type { kFile, kDirectory, kSymlink };
  Type type = Type::kFile;
  std::string data;
  bool operator==(const Entry&) const = default;
};
using Tree = std::map<std::string, Entry>;  // relative plaintext path -> entry

std::string ReadFileBytes(const std::string& path);
void WriteFileBytes(const std::string& path, std::string_view bytes, int mode = 0644);

// Opens a vault with its passphrase; fails the test (ADD_FAILURE) and returns false on error.
bool OpenVault(const std::string& cipher_dir, std::string_view passphrase, VaultKeys* keys);

// Whole-file content codec.  Decrypt returns false on any damage; blocks that are holes read
// as zeros.  Encrypt writes blocks for every byte unless `holes` lists block numbers to leave
// as all-zero ciphertext (how a sparse file looks on disk).
bool DecryptContent(const VaultKeys& keys, std::string_view cipher, std::string* plain);
std::string EncryptContent(const VaultKeys& keys, std::string_view plain,
                           const std::vector<uint64_t>& holes = {});

// Symlink targets: base64url_raw(block 0 sealed without a file id).
bool DecryptSymlinkTarget(const VaultKeys& keys, std::string_view stored, std::string* target);
std::string EncryptSymlinkTarget(const VaultKeys& keys, std::string_view target);

// The stored name of `name` in a directory with `diriv`, long form included: returns the
// on-disk entry name and, for a long name, sets *name_file_content to the .name content.
std::string StoredName(const VaultKeys& keys, const uint8_t* diriv, std::string_view name,
                       std::string* name_file_content);

// Decrypts every name and entry under cipher_dir.  Damage is a test failure.
Tree ReadCipherTree(const VaultKeys& keys, const std::string& cipher_dir);

// Writes `tree` into the existing vault directory cipher_dir (its root diriv must exist):
// creates directories with fresh dirivs, long-name side files, headers and blocks.
void WriteCipherTree(const VaultKeys& keys, const std::string& cipher_dir, const Tree& tree);

// Reads a plaintext tree from a mounted directory (what the real gocryptfs shows).
Tree ReadPlainTree(const std::string& dir);

// Writes a plaintext tree into a mounted directory.
void WritePlainTree(const std::string& dir, const Tree& tree);

}  // namespace loopfs::encrypt::testing
