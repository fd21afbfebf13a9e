#include "tests/unit/encrypt/vault_tree.h"

#include "layers/encrypt/symlink_codec.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "layers/encrypt/core/base64.h"
#include "layers/encrypt/core/block_codec.h"
#include "layers/encrypt/core/name_codec.h"
#include "layers/encrypt/core/status.h"

namespace loopfs::encrypt::testing {
namespace {

const lfenc_crypto* Crypto() { return &OpenSslCrypto(); }

std::vector<std::string> ListDir(const std::string& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    names.push_back(entry.path().filename().string());
  }
  if (ec) ADD_FAILURE() << "cannot list " << dir << ": " << ec.message();
  return names;
}

std::string Join(const std::string& dir, const std::string& name) {
  std::string path = dir;
  path += '/';
  path += name;
  return path;
}

bool IsZero(std::string_view bytes) {
  return bytes.find_first_not_of('\0') == std::string_view::npos;
}

void ReadCipherDir(const VaultKeys& keys, const std::string& cipher_dir, const std::string& prefix,
                   bool is_root, Tree* tree) {
  const std::string diriv = ReadFileBytes(cipher_dir + "/" LFENC_DIRIV_NAME);
  ASSERT_EQ(diriv.size(), LFENC_DIRIV_LEN) << cipher_dir;
  const auto* iv = reinterpret_cast<const uint8_t*>(diriv.data());
  for (const std::string& entry : ListDir(cipher_dir)) {
    const std::string path = Join(cipher_dir, entry);
    std::string stored = entry;
    switch (lfenc_name_kind_of(entry.data(), entry.size())) {
      case LFENC_NAME_DIRIV:
      case LFENC_NAME_LONG_NAMEFILE:
        continue;
      case LFENC_NAME_CONF:
        if (is_root) continue;
        break;
      case LFENC_NAME_LONG: {
        stored = ReadFileBytes(path + LFENC_LONGNAME_SUFFIX);
        char expect[LFENC_LONGNAME_LEN + 1];
        ASSERT_EQ(lfenc_longname_of(Crypto(), stored.data(), stored.size(), expect), LFENC_OK);
        EXPECT_EQ(entry, std::string(expect)) << "long name hash mismatch in " << path;
        break;
      }
      case LFENC_NAME_ENCRYPTED:
        break;
    }
    char name[LFENC_NAME_MAX + 1];
    size_t name_len = 0;
    ASSERT_EQ(lfenc_name_decrypt(Crypto(), keys.names->handle(), iv, stored.data(), stored.size(),
                                 name, sizeof(name), &name_len),
              LFENC_OK)
        << "cannot decrypt name " << path;
    const std::string plain_path = prefix + std::string(name, name_len);
    struct stat st;
    ASSERT_EQ(lstat(path.c_str(), &st), 0) << path;
    Entry out;
    if (S_ISDIR(st.st_mode)) {
      out.type = Entry::Type::kDirectory;
      ReadCipherDir(keys, path, plain_path + "/", false, tree);
    } else if (S_ISLNK(st.st_mode)) {
      out.type = Entry::Type::kSymlink;
      char target[8192];
      const ssize_t n = readlink(path.c_str(), target, sizeof(target));
      ASSERT_GT(n, 0);
      ASSERT_TRUE(testing::DecryptSymlinkTarget(keys, std::string_view(target, n), &out.data))
          << path;
    } else {
      EXPECT_TRUE(DecryptContent(keys, ReadFileBytes(path), &out.data)) << "damaged " << path;
    }
    (*tree)[plain_path] = out;
  }
}

void ReadPlainDir(const std::string& dir, const std::string& prefix, Tree* tree) {
  for (const std::string& entry : ListDir(dir)) {
    const std::string path = Join(dir, entry);
    struct stat st;
    ASSERT_EQ(lstat(path.c_str(), &st), 0) << path;
    Entry out;
    if (S_ISDIR(st.st_mode)) {
      out.type = Entry::Type::kDirectory;
      ReadPlainDir(path, prefix + entry + "/", tree);
    } else if (S_ISLNK(st.st_mode)) {
      out.type = Entry::Type::kSymlink;
      char target[8192];
      const ssize_t n = readlink(path.c_str(), target, sizeof(target));
      ASSERT_GT(n, 0);
      out.data.assign(target, n);
    } else {
      out.data = ReadFileBytes(path);
      EXPECT_EQ(static_cast<size_t>(st.st_size), out.data.size()) << path;
    }
    (*tree)[prefix + entry] = out;
  }
}

std::string DirOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? "" : path.substr(0, slash);
}

std::string BaseOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

std::string ReadFileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

void WriteFileBytes(const std::string& path, std::string_view bytes, int mode) {
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, mode);
  ASSERT_GE(fd, 0) << "cannot create " << path;
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = write(fd, bytes.data() + done, bytes.size() - done);
    ASSERT_GT(n, 0) << path;
    done += static_cast<size_t>(n);
  }
  ASSERT_EQ(close(fd), 0);
}

bool OpenVault(const std::string& cipher_dir, std::string_view passphrase, VaultKeys* keys) {
  std::string error;
  auto config = ParseVaultConfig(ReadFileBytes(cipher_dir + "/gocryptfs.conf"), &error);
  if (!config) {
    ADD_FAILURE() << error;
    return false;
  }
  SecretKey master;
  if (!UnlockMasterKey(*config, passphrase, &master, &error)) {
    ADD_FAILURE() << error;
    return false;
  }
  if (!DeriveVaultKeys(master, keys)) {
    ADD_FAILURE() << "DeriveVaultKeys";
    return false;
  }
  return true;
}

bool DecryptContent(const VaultKeys& keys, std::string_view cipher, std::string* plain) {
  plain->clear();
  uint64_t plain_size = 0;
  if (lfenc_plain_size(cipher.size(), &plain_size) != LFENC_OK) return false;
  if (plain_size == 0) return true;
  uint8_t file_id[LFENC_FILE_ID_LEN];
  if (lfenc_header_parse(reinterpret_cast<const uint8_t*>(cipher.data()), LFENC_HEADER_LEN,
                         file_id) != LFENC_OK) {
    return false;
  }
  uint8_t block[LFENC_PLAIN_BLOCK_LEN];
  for (uint64_t n = 0;; n++) {
    uint64_t offset = 0;
    if (lfenc_block_cipher_offset(n, &offset) != LFENC_OK) return false;
    if (offset >= cipher.size()) break;
    const std::string_view stored = cipher.substr(offset, LFENC_CIPHER_BLOCK_LEN);
    size_t len = 0;
    if (lfenc_block_open(Crypto(), keys.content->handle(), n, file_id,
                         reinterpret_cast<const uint8_t*>(stored.data()), stored.size(), block,
                         sizeof(block), &len) != LFENC_OK) {
      return false;
    }
    plain->append(reinterpret_cast<const char*>(block), len);
  }
  return plain->size() == plain_size;
}

std::string EncryptContent(const VaultKeys& keys, std::string_view plain,
                           const std::vector<uint64_t>& holes) {
  std::string out;
  if (plain.empty()) return out;
  uint8_t file_id[LFENC_FILE_ID_LEN];
  uint8_t header[LFENC_HEADER_LEN];
  EXPECT_EQ(lfenc_header_new(Crypto(), file_id, header), LFENC_OK);
  out.append(reinterpret_cast<const char*>(header), sizeof(header));
  uint8_t block[LFENC_CIPHER_BLOCK_LEN];
  for (uint64_t n = 0; n * LFENC_PLAIN_BLOCK_LEN < plain.size(); n++) {
    const std::string_view chunk = plain.substr(n * LFENC_PLAIN_BLOCK_LEN, LFENC_PLAIN_BLOCK_LEN);
    if (std::find(holes.begin(), holes.end(), n) != holes.end()) {
      EXPECT_EQ(chunk.size(), LFENC_PLAIN_BLOCK_LEN);
      EXPECT_TRUE(IsZero(chunk));
      out.append(LFENC_CIPHER_BLOCK_LEN, '\0');
      continue;
    }
    size_t len = 0;
    EXPECT_EQ(lfenc_block_seal(Crypto(), keys.content->handle(), n, file_id,
                               reinterpret_cast<const uint8_t*>(chunk.data()), chunk.size(), block,
                               sizeof(block), &len),
              LFENC_OK);
    out.append(reinterpret_cast<const char*>(block), len);
  }
  return out;
}

bool DecryptSymlinkTarget(const VaultKeys& keys, std::string_view stored, std::string* target) {
  return encrypt::DecryptSymlinkTarget(keys, stored, target);
}

std::string EncryptSymlinkTarget(const VaultKeys& keys, std::string_view target) {
  std::string stored;
  EXPECT_TRUE(encrypt::EncryptSymlinkTarget(keys, target, &stored));
  return stored;
}

std::string StoredName(const VaultKeys& keys, const uint8_t* diriv, std::string_view name,
                       std::string* name_file_content) {
  char stored[LFENC_ENCRYPTED_NAME_MAX + 1];
  size_t len = 0;
  EXPECT_EQ(lfenc_name_encrypt(Crypto(), keys.names->handle(), diriv, name.data(), name.size(),
                               stored, sizeof(stored), &len),
            LFENC_OK);
  name_file_content->clear();
  if (!lfenc_name_needs_longname(len)) return std::string(stored, len);
  name_file_content->assign(stored, len);
  char long_name[LFENC_LONGNAME_LEN + 1];
  EXPECT_EQ(lfenc_longname_of(Crypto(), stored, len, long_name), LFENC_OK);
  return long_name;
}

Tree ReadCipherTree(const VaultKeys& keys, const std::string& cipher_dir) {
  Tree tree;
  ReadCipherDir(keys, cipher_dir, "", true, &tree);
  return tree;
}

void WriteCipherTree(const VaultKeys& keys, const std::string& cipher_dir, const Tree& tree) {
  // Plaintext directory path -> its ciphertext path; maps iterate parents before children.
  std::map<std::string, std::string> dirs = {{"", cipher_dir}};
  for (const auto& [path, entry] : tree) {
    const auto parent = dirs.find(DirOf(path));
    ASSERT_NE(parent, dirs.end()) << "parent of " << path << " not in the tree";
    const std::string diriv = ReadFileBytes(parent->second + "/" LFENC_DIRIV_NAME);
    ASSERT_EQ(diriv.size(), LFENC_DIRIV_LEN);
    std::string name_file;
    const std::string stored =
        StoredName(keys, reinterpret_cast<const uint8_t*>(diriv.data()), BaseOf(path), &name_file);
    const std::string cipher_path = parent->second + "/" + stored;
    if (!name_file.empty()) WriteFileBytes(cipher_path + LFENC_LONGNAME_SUFFIX, name_file, 0400);
    switch (entry.type) {
      case Entry::Type::kDirectory: {
        ASSERT_EQ(mkdir(cipher_path.c_str(), 0755), 0) << cipher_path;
        uint8_t iv[LFENC_DIRIV_LEN];
        ASSERT_TRUE(RandomBytes(iv));
        WriteFileBytes(cipher_path + "/" LFENC_DIRIV_NAME,
                       std::string_view(reinterpret_cast<char*>(iv), sizeof(iv)), 0440);
        dirs[path] = cipher_path;
        break;
      }
      case Entry::Type::kSymlink:
        ASSERT_EQ(symlink(EncryptSymlinkTarget(keys, entry.data).c_str(), cipher_path.c_str()), 0);
        break;
      case Entry::Type::kFile: {
        // Full zero blocks before the last one become holes, as a sparse writer would leave.
        std::vector<uint64_t> holes;
        for (uint64_t n = 0; (n + 1) * LFENC_PLAIN_BLOCK_LEN < entry.data.size(); n++) {
          if (IsZero(std::string_view(entry.data)
                         .substr(n * LFENC_PLAIN_BLOCK_LEN, LFENC_PLAIN_BLOCK_LEN))) {
            holes.push_back(n);
          }
        }
        WriteFileBytes(cipher_path, EncryptContent(keys, entry.data, holes));
        break;
      }
    }
  }
}

Tree ReadPlainTree(const std::string& dir) {
  Tree tree;
  ReadPlainDir(dir, "", &tree);
  return tree;
}

void WritePlainTree(const std::string& dir, const Tree& tree) {
  for (const auto& [path, entry] : tree) {
    const std::string full = Join(dir, path);
    switch (entry.type) {
      case Entry::Type::kDirectory:
        ASSERT_EQ(mkdir(full.c_str(), 0755), 0) << full;
        break;
      case Entry::Type::kSymlink:
        ASSERT_EQ(symlink(entry.data.c_str(), full.c_str()), 0) << full;
        break;
      case Entry::Type::kFile:
        WriteFileBytes(full, entry.data);
        break;
    }
  }
}

}  // namespace loopfs::encrypt::testing
