#include "layers/encrypt/keyring.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <system_error>

#include "layers/encrypt/atomic_file.h"
#include "layers/encrypt/core/name_codec.h"

namespace loopfs::encrypt {
namespace {

using Json = nlohmann::json;

constexpr std::string_view kConfPrefix = "gocryptfs.conf: ";

bool Fail(std::string* error, std::string message) {
  *error = std::string(kKeyringName) + ": " + std::move(message);
  return false;
}

// An entry is checked by the gocryptfs.conf parser: it is a gocryptfs.conf without the
// version and flags, which are the vault's.
std::optional<VaultConfig> ParseWrappedKey(const Json& entry, std::string* error) {
  Json conf = Json::object();
  conf["Creator"] = std::string(kKeyringName);
  if (auto it = entry.find("EncryptedKey"); it != entry.end()) conf["EncryptedKey"] = *it;
  if (auto it = entry.find("ScryptObject"); it != entry.end()) conf["ScryptObject"] = *it;
  conf["Version"] = kConfigVersion;
  conf["FeatureFlags"] = Json::array();
  for (std::string_view flag : kRequiredFeatureFlags) conf["FeatureFlags"].push_back(flag);
  std::optional<VaultConfig> parsed = ParseVaultConfig(conf.dump(), error);
  if (!parsed && error->compare(0, kConfPrefix.size(), kConfPrefix) == 0) {
    error->erase(0, kConfPrefix.size());
  }
  return parsed;
}

// Serializes changes to loopfs.keys (two `passwd --add` at once would otherwise lose one):
// an exclusive flock on the vault directory, held while the file is read and replaced.
class KeyringLock {
 public:
  explicit KeyringLock(const std::string& cipher_dir)
      : fd_(open(cipher_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) {
    if (fd_ >= 0 && flock(fd_, LOCK_EX) != 0) {
      close(fd_);
      fd_ = -1;
    }
  }
  ~KeyringLock() {
    if (fd_ >= 0) close(fd_);
  }
  KeyringLock(const KeyringLock&) = delete;
  KeyringLock& operator=(const KeyringLock&) = delete;
  bool locked(const std::string& cipher_dir, std::string* error) const {
    if (fd_ < 0)
      *error = "cannot lock " + cipher_dir + ": " + std::generic_category().message(errno);
    return fd_ >= 0;
  }

 private:
  int fd_;
};

std::string NowUtc() {
  const time_t now = time(nullptr);
  tm utc{};
  gmtime_r(&now, &utc);
  char buf[32];
  strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buf;
}

}  // namespace

bool IsValidLabel(std::string_view label) {
  if (label.empty() || label.size() > kLabelMaxLength) return false;
  for (char c : label) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '@' || c == '+' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::optional<Keyring> ParseKeyring(std::string_view json, std::string* error) {
  if (json.size() > kKeyringMaxBytes) {
    Fail(error, "larger than " + std::to_string(kKeyringMaxBytes) + " bytes");
    return std::nullopt;
  }
  const Json root = Json::parse(json.begin(), json.end(), nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded() || !root.is_object()) {
    Fail(error,
         "not a JSON object (restore it from a backup, or delete it to keep only the "
         "gocryptfs.conf passphrase)");
    return std::nullopt;
  }
  auto version = root.find("Version");
  if (version == root.end() || !version->is_number_unsigned() ||
      version->get<uint64_t>() != kKeyringVersion) {
    Fail(error, "Version must be 1 (written by a newer loopfs?)");
    return std::nullopt;
  }
  auto keys = root.find("Keys");
  if (keys == root.end() || !keys->is_array()) {
    Fail(error, "Keys must be an array");
    return std::nullopt;
  }
  if (keys->size() > kKeyringMaxEntries) {
    Fail(error, "more than " + std::to_string(kKeyringMaxEntries) + " passphrases");
    return std::nullopt;
  }
  Keyring keyring;
  for (size_t i = 0; i < keys->size(); i++) {
    const Json& entry = (*keys)[i];
    const std::string where = "Keys[" + std::to_string(i) + "]";
    if (!entry.is_object()) {
      Fail(error, where + " must be an object");
      return std::nullopt;
    }
    KeyringEntry parsed;
    auto label = entry.find("Label");
    if (label == entry.end() || !label->is_string() ||
        !IsValidLabel(label->get_ref<const std::string&>())) {
      Fail(error, where + ".Label must be 1 to 64 of A-Z a-z 0-9 . _ @ + -");
      return std::nullopt;
    }
    parsed.label = label->get<std::string>();
    for (const KeyringEntry& other : keyring.entries) {
      if (other.label == parsed.label) {
        Fail(error, "label " + parsed.label + " appears twice");
        return std::nullopt;
      }
    }
    if (auto created = entry.find("Created"); created != entry.end()) {
      if (!created->is_string() || created->get_ref<const std::string&>().size() > 64) {
        Fail(error, where + ".Created must be a short string");
        return std::nullopt;
      }
      parsed.created = created->get<std::string>();
    }
    std::string why;
    std::optional<VaultConfig> wrapped = ParseWrappedKey(entry, &why);
    if (!wrapped) {
      std::string message = where;
      message.append(" (").append(parsed.label).append("): ").append(why);
      Fail(error, std::move(message));
      return std::nullopt;
    }
    parsed.wrapped = std::move(*wrapped);
    keyring.entries.push_back(std::move(parsed));
  }
  return keyring;
}

std::string SerializeKeyring(const Keyring& keyring) {
  nlohmann::ordered_json root;
  root["Version"] = kKeyringVersion;
  root["Keys"] = nlohmann::ordered_json::array();
  for (const KeyringEntry& entry : keyring.entries) {
    // The conf serializer encodes the key and scrypt fields; reuse its output.
    const Json conf = Json::parse(SerializeVaultConfig(entry.wrapped));
    nlohmann::ordered_json out;
    out["Label"] = entry.label;
    out["Created"] = entry.created;
    out["EncryptedKey"] = conf["EncryptedKey"];
    out["ScryptObject"]["Salt"] = conf["ScryptObject"]["Salt"];
    out["ScryptObject"]["N"] = entry.wrapped.scrypt.n;
    out["ScryptObject"]["R"] = entry.wrapped.scrypt.r;
    out["ScryptObject"]["P"] = entry.wrapped.scrypt.p;
    out["ScryptObject"]["KeyLen"] = entry.wrapped.scrypt.key_len;
    root["Keys"].push_back(std::move(out));
  }
  return root.dump(1, '\t') + "\n";
}

std::optional<VaultConfig> LoadVaultConfig(const std::string& cipher_dir, std::string* error) {
  std::string text;
  bool missing = false;
  if (!ReadSmallFile(cipher_dir + "/" LFENC_CONF_NAME, kConfigMaxBytes, &text, &missing, error)) {
    if (missing) {
      *error = "no " LFENC_CONF_NAME " in " + cipher_dir +
               ": not a gocryptfs vault (create one with `loopfs encrypt init`)";
    }
    return std::nullopt;
  }
  return ParseVaultConfig(text, error);
}

std::optional<Keyring> LoadKeyring(const std::string& cipher_dir, std::string* error) {
  std::string text;
  bool missing = false;
  if (!ReadSmallFile(cipher_dir + "/" + std::string(kKeyringName), kKeyringMaxBytes, &text,
                     &missing, error)) {
    if (missing) return Keyring{};
    return std::nullopt;
  }
  return ParseKeyring(text, error);
}

bool SaveKeyring(const std::string& cipher_dir, const Keyring& keyring, std::string* error) {
  const std::string path = cipher_dir + "/" + std::string(kKeyringName);
  if (keyring.entries.empty()) {
    if (unlink(path.c_str()) != 0 && errno != ENOENT) {
      *error = "cannot remove " + path + ": " + std::generic_category().message(errno);
      return false;
    }
    return true;
  }
  return WriteFileAtomically(cipher_dir, kKeyringName, SerializeKeyring(keyring), 0400,
                             /*exclusive=*/false, error);
}

bool UnlockVault(const std::string& cipher_dir, std::string_view passphrase, SecretKey* master,
                 std::string* error) {
  std::optional<VaultConfig> conf = LoadVaultConfig(cipher_dir, error);
  if (!conf) return false;
  std::string ignored;
  if (UnlockMasterKey(*conf, passphrase, master, &ignored)) return true;
  std::optional<Keyring> keyring = LoadKeyring(cipher_dir, error);
  if (!keyring) {
    *error = "wrong passphrase for " LFENC_CONF_NAME ", and the other passphrases are unusable: " +
             *error;
    return false;
  }
  for (const KeyringEntry& entry : keyring->entries) {
    if (UnlockMasterKey(entry.wrapped, passphrase, master, &ignored)) return true;
  }
  *error = "wrong passphrase: it opens neither " LFENC_CONF_NAME;
  if (!keyring->entries.empty()) {
    *error += " nor any of the " + std::to_string(keyring->entries.size()) + " passphrases in " +
              std::string(kKeyringName);
  }
  return false;
}

bool AddPassphrase(const std::string& cipher_dir, const SecretKey& master, std::string_view label,
                   std::string_view passphrase, int log_n, std::string* error) {
  if (!IsValidLabel(label)) {
    *error = "label must be 1 to 64 of A-Z a-z 0-9 . _ @ + -";
    return false;
  }
  const KeyringLock lock(cipher_dir);
  if (!lock.locked(cipher_dir, error)) return false;
  std::optional<Keyring> keyring = LoadKeyring(cipher_dir, error);
  if (!keyring) return false;
  for (const KeyringEntry& entry : keyring->entries) {
    if (entry.label == label) {
      *error = "a passphrase labelled " + std::string(label) +
               " exists already: remove it first or choose another label";
      return false;
    }
  }
  if (keyring->entries.size() >= kKeyringMaxEntries) {
    return Fail(error,
                "already " + std::to_string(kKeyringMaxEntries) + " passphrases: remove one first");
  }
  KeyringEntry entry;
  entry.label = std::string(label);
  entry.created = NowUtc();
  std::optional<VaultConfig> wrapped = CreateVaultConfig(passphrase, master, log_n, error);
  if (!wrapped) return false;
  entry.wrapped = std::move(*wrapped);
  keyring->entries.push_back(std::move(entry));
  return SaveKeyring(cipher_dir, *keyring, error);
}

bool RemovePassphrase(const std::string& cipher_dir, std::string_view label, std::string* error) {
  const KeyringLock lock(cipher_dir);
  if (!lock.locked(cipher_dir, error)) return false;
  std::optional<Keyring> keyring = LoadKeyring(cipher_dir, error);
  if (!keyring) return false;
  auto& entries = keyring->entries;
  auto it = std::find_if(entries.begin(), entries.end(),
                         [&](const KeyringEntry& e) { return e.label == label; });
  if (it == entries.end()) {
    *error = "no passphrase labelled " + std::string(label) + " (see `loopfs encrypt passwd DIR " +
             "--list`; the original passphrase in " LFENC_CONF_NAME " is changed with " +
             "gocryptfs -passwd)";
    return false;
  }
  entries.erase(it);
  return SaveKeyring(cipher_dir, *keyring, error);
}

}  // namespace loopfs::encrypt
