#include "layers/encrypt/tools/vault_init.h"

#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <system_error>

#include "layers/encrypt/atomic_file.h"
#include "layers/encrypt/core/name_codec.h"

namespace loopfs::encrypt {
namespace {

bool Fail(std::string* error, std::string message) {
  *error = std::move(message);
  return false;
}

// Creates cipher_dir if needed; false unless it is then an empty directory.
bool PrepareEmptyDirectory(const std::string& dir, std::string* error) {
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return Fail(error, "cannot create " + dir + ": " + std::generic_category().message(errno));
  }
  DIR* d = opendir(dir.c_str());
  if (d == nullptr)
    return Fail(error, "cannot open " + dir + ": " + std::generic_category().message(errno));
  bool empty = true;
  while (const dirent* e = readdir(d)) {  // NOLINT(concurrency-mt-unsafe): a private stream
    const std::string_view name = e->d_name;
    if (name != "." && name != "..") {
      empty = false;
      break;
    }
  }
  closedir(d);
  if (!empty) {
    return Fail(error, dir +
                           " is not empty: a vault is created in an empty directory (choose "
                           "another, or move its contents away)");
  }
  return true;
}

}  // namespace

bool InitVault(const std::string& cipher_dir, std::string_view passphrase, int scrypt_log_n,
               SecretKey* master, std::string* error) {
  if (!PrepareEmptyDirectory(cipher_dir, error)) return false;
  std::array<uint8_t, LFENC_DIRIV_LEN> diriv{};
  if (!RandomBytes(master->bytes()) || !RandomBytes(diriv)) {
    return Fail(error, "no random bytes from the OS");
  }
  std::optional<VaultConfig> config = CreateVaultConfig(passphrase, *master, scrypt_log_n, error);
  if (!config) return false;
  const std::string_view diriv_bytes(reinterpret_cast<const char*>(diriv.data()), diriv.size());
  if (!WriteFileAtomically(cipher_dir, LFENC_DIRIV_NAME, diriv_bytes, 0440, /*exclusive=*/true,
                           error)) {
    return false;
  }
  // The config last: a vault without one is visibly unfinished, and is removed on failure.
  if (!WriteFileAtomically(cipher_dir, LFENC_CONF_NAME, SerializeVaultConfig(*config), 0400,
                           /*exclusive=*/true, error)) {
    unlink((cipher_dir + "/" LFENC_DIRIV_NAME).c_str());
    return false;
  }
  return true;
}

std::string FormatMasterKey(const SecretKey& master, std::string_view indent) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out(indent);
  const auto bytes = master.bytes();
  for (size_t i = 0; i < bytes.size(); i++) {
    if (i > 0 && i % 4 == 0) out += i == bytes.size() / 2 ? "-\n" + std::string(indent) : "-";
    out += kDigits[bytes[i] >> 4];
    out += kDigits[bytes[i] & 15];
  }
  return out;
}

}  // namespace loopfs::encrypt
