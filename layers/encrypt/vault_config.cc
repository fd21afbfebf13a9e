#include "layers/encrypt/vault_config.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "layers/encrypt/core/base64.h"
#include "layers/encrypt/core/block_codec.h"
#include "layers/encrypt/core/status.h"

namespace loopfs::encrypt {
namespace {

using Json = nlohmann::json;

constexpr size_t kEncryptedKeyLen = LFENC_NONCE_LEN + SecretKey::kLength + LFENC_TAG_LEN;
constexpr uint64_t kScryptMinN = uint64_t{1} << 10;
constexpr uint64_t kScryptMaxN = uint64_t{1} << 28;
constexpr size_t kSaltMinLen = 16;
constexpr size_t kSaltMaxLen = 1024;

// Flags gocryptfs knows that loopfs does not serve, so the refusal can say so.
constexpr std::array<std::string_view, 6> kKnownUnsupportedFlags = {
    "PlaintextNames", "AESSIV", "FIDO2", "LongNameMax", "XChaCha20Poly1305", "Raw64Padded"};

bool Fail(std::string* error, std::string message) {
  *error = "gocryptfs.conf: " + std::move(message);
  return false;
}

bool DecodeBase64(const Json& value, std::string_view field, std::vector<uint8_t>* out,
                  std::string* error) {
  if (!value.is_string()) return Fail(error, std::string(field) + " must be a base64 string");
  const std::string& text = value.get_ref<const std::string&>();
  out->resize(text.size() / 4 * 3 + 3);
  size_t len = 0;
  if (lfenc_base64_decode(LFENC_BASE64_STD_PAD, text.data(), text.size(), out->data(), out->size(),
                          &len) != LFENC_OK) {
    return Fail(error, std::string(field) + " is not valid base64");
  }
  out->resize(len);
  return true;
}

bool GetUnsigned(const Json& object, const char* field, uint64_t* out, std::string* error) {
  auto it = object.find(field);
  if (it == object.end() || !it->is_number_unsigned()) {
    return Fail(error, std::string("ScryptObject.") + field + " must be a positive integer");
  }
  *out = it->get<uint64_t>();
  return true;
}

std::string EncodeBase64(std::span<const uint8_t> bytes) {
  std::string text(lfenc_base64_encoded_len(LFENC_BASE64_STD_PAD, bytes.size()) + 1, '\0');
  size_t len = 0;
  lfenc_base64_encode(LFENC_BASE64_STD_PAD, bytes.data(), bytes.size(), text.data(), text.size(),
                      &len);
  text.resize(len);
  return text;
}

bool CheckFlags(const std::vector<std::string>& flags, std::string* error) {
  std::string unknown;
  std::string unsupported;
  for (const std::string& flag : flags) {
    const bool required = std::find(kRequiredFeatureFlags.begin(), kRequiredFeatureFlags.end(),
                                    flag) != kRequiredFeatureFlags.end();
    if (required) continue;
    const bool known = std::find(kKnownUnsupportedFlags.begin(), kKnownUnsupportedFlags.end(),
                                 flag) != kKnownUnsupportedFlags.end();
    std::string& list = known ? unsupported : unknown;
    list += (list.empty() ? "" : ", ") + flag;
  }
  std::string missing;
  for (std::string_view flag : kRequiredFeatureFlags) {
    if (std::find(flags.begin(), flags.end(), flag) == flags.end()) {
      missing += (missing.empty() ? "" : ", ") + std::string(flag);
    }
  }
  if (unknown.empty() && unsupported.empty() && missing.empty()) return true;
  std::string message;
  if (!unsupported.empty()) message += "unsupported feature flags: " + unsupported;
  if (!unknown.empty()) {
    message += std::string(message.empty() ? "" : "; ") + "unknown feature flags: " + unknown;
  }
  if (!missing.empty()) {
    message += std::string(message.empty() ? "" : "; ") + "missing feature flags: " + missing;
  }
  message +=
      " (loopfs serves vaults with exactly HKDF, GCMIV128, DirIV, EMENames, LongNames, "
      "Raw64: gocryptfs 2.x defaults)";
  return Fail(error, std::move(message));
}

bool ScryptWithinLimits(const ScryptParams& s, std::string* error) {
  if (s.n < kScryptMinN || s.n > kScryptMaxN || (s.n & (s.n - 1)) != 0) {
    return Fail(error, "ScryptObject.N must be a power of two from 2^10 to 2^28, is " +
                           std::to_string(s.n));
  }
  if (s.r == 0 || s.p == 0 || s.r > kScryptMaxMemory / 128 || s.p > kScryptMaxMemory ||
      s.n + s.p + 2 > kScryptMaxMemory / (128 * s.r)) {
    return Fail(error, "ScryptObject R and P must be positive and need at most " +
                           std::to_string(kScryptMaxMemory >> 20) + " MiB");
  }
  if (s.key_len != SecretKey::kLength) {
    return Fail(error, "ScryptObject.KeyLen must be 32, is " + std::to_string(s.key_len));
  }
  if (s.salt.size() < kSaltMinLen || s.salt.size() > kSaltMaxLen) {
    return Fail(error, "ScryptObject.Salt must be 16 to 1024 bytes");
  }
  return true;
}

// The key that wraps the master key: HKDF over the scrypt output, as for file content.
std::unique_ptr<Aes256Key> WrapKey(const ScryptParams& s, std::string_view passphrase) {
  SecretKey seed;
  SecretKey wrap;
  if (!Scrypt(passphrase, s.salt, s.n, s.r, s.p, seed.bytes()) ||
      !HkdfSha256(seed.bytes(), kHkdfInfoContent, wrap.bytes())) {
    return nullptr;
  }
  return Aes256Key::Create(wrap.bytes());
}

}  // namespace

std::optional<VaultConfig> ParseVaultConfig(std::string_view json, std::string* error) {
  if (json.size() > kConfigMaxBytes) {
    Fail(error, "larger than " + std::to_string(kConfigMaxBytes) + " bytes");
    return std::nullopt;
  }
  const Json root = Json::parse(json.begin(), json.end(), nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded() || !root.is_object()) {
    Fail(error, "not a JSON object");
    return std::nullopt;
  }
  VaultConfig config;
  auto version = root.find("Version");
  if (version == root.end() || !version->is_number_unsigned()) {
    Fail(error, "Version must be a positive integer");
    return std::nullopt;
  }
  config.version = version->get<uint64_t>();
  if (config.version != kConfigVersion) {
    Fail(error, "unsupported version " + std::to_string(config.version) +
                    " (loopfs reads version 2, gocryptfs 1.0 and later)");
    return std::nullopt;
  }
  if (auto creator = root.find("Creator"); creator != root.end()) {
    if (!creator->is_string()) {
      Fail(error, "Creator must be a string");
      return std::nullopt;
    }
    config.creator = creator->get<std::string>();
  }
  auto flags = root.find("FeatureFlags");
  if (flags == root.end() || !flags->is_array()) {
    Fail(error, "FeatureFlags must be an array of strings");
    return std::nullopt;
  }
  for (const Json& flag : *flags) {
    if (!flag.is_string()) {
      Fail(error, "FeatureFlags must be an array of strings");
      return std::nullopt;
    }
    config.feature_flags.push_back(flag.get<std::string>());
  }
  if (!CheckFlags(config.feature_flags, error)) return std::nullopt;

  auto key = root.find("EncryptedKey");
  if (key == root.end() || !DecodeBase64(*key, "EncryptedKey", &config.encrypted_key, error)) {
    if (key == root.end()) Fail(error, "EncryptedKey is missing");
    return std::nullopt;
  }
  if (config.encrypted_key.size() != kEncryptedKeyLen) {
    Fail(error, "EncryptedKey must be " + std::to_string(kEncryptedKeyLen) + " bytes, is " +
                    std::to_string(config.encrypted_key.size()));
    return std::nullopt;
  }
  auto scrypt = root.find("ScryptObject");
  if (scrypt == root.end() || !scrypt->is_object()) {
    Fail(error, "ScryptObject must be an object");
    return std::nullopt;
  }
  auto salt = scrypt->find("Salt");
  if (salt == scrypt->end()) {
    Fail(error, "ScryptObject.Salt is missing");
    return std::nullopt;
  }
  if (!DecodeBase64(*salt, "ScryptObject.Salt", &config.scrypt.salt, error) ||
      !GetUnsigned(*scrypt, "N", &config.scrypt.n, error) ||
      !GetUnsigned(*scrypt, "R", &config.scrypt.r, error) ||
      !GetUnsigned(*scrypt, "P", &config.scrypt.p, error) ||
      !GetUnsigned(*scrypt, "KeyLen", &config.scrypt.key_len, error) ||
      !ScryptWithinLimits(config.scrypt, error)) {
    return std::nullopt;
  }
  return config;
}

std::string SerializeVaultConfig(const VaultConfig& config) {
  nlohmann::ordered_json root;
  root["Creator"] = config.creator;
  root["EncryptedKey"] = EncodeBase64(config.encrypted_key);
  root["ScryptObject"]["Salt"] = EncodeBase64(config.scrypt.salt);
  root["ScryptObject"]["N"] = config.scrypt.n;
  root["ScryptObject"]["R"] = config.scrypt.r;
  root["ScryptObject"]["P"] = config.scrypt.p;
  root["ScryptObject"]["KeyLen"] = config.scrypt.key_len;
  root["Version"] = config.version;
  root["FeatureFlags"] = config.feature_flags;
  return root.dump(1, '\t') + "\n";
}

bool UnlockMasterKey(const VaultConfig& config, std::string_view passphrase, SecretKey* master,
                     std::string* error) {
  if (config.encrypted_key.size() != kEncryptedKeyLen) {
    return Fail(error, "EncryptedKey has the wrong length");
  }
  std::unique_ptr<Aes256Key> wrap = WrapKey(config.scrypt, passphrase);
  if (wrap == nullptr) return Fail(error, "cannot derive the key from the passphrase");
  size_t len = 0;
  const int rc = lfenc_block_open(&OpenSslCrypto(), wrap->handle(), 0, nullptr,
                                  config.encrypted_key.data(), config.encrypted_key.size(),
                                  master->bytes().data(), master->bytes().size(), &len);
  if (rc != LFENC_OK || len != SecretKey::kLength) {
    Wipe(master->bytes());
    return Fail(error, "wrong passphrase (or a damaged EncryptedKey)");
  }
  return true;
}

std::optional<VaultConfig> CreateVaultConfig(std::string_view passphrase, const SecretKey& master,
                                             int log_n, std::string* error) {
  VaultConfig config;
  config.creator = "loopfs " LOOPFS_ENCRYPT_VERSION;
  config.version = kConfigVersion;
  config.feature_flags.assign(kRequiredFeatureFlags.begin(), kRequiredFeatureFlags.end());
  config.scrypt.salt.resize(32);
  config.scrypt.n = log_n >= 0 && log_n < 63 ? uint64_t{1} << log_n : 0;
  config.scrypt.r = 8;
  config.scrypt.p = 1;
  config.scrypt.key_len = SecretKey::kLength;
  if (!RandomBytes(config.scrypt.salt)) {
    Fail(error, "no random bytes from the OS");
    return std::nullopt;
  }
  if (!ScryptWithinLimits(config.scrypt, error)) return std::nullopt;
  std::unique_ptr<Aes256Key> wrap = WrapKey(config.scrypt, passphrase);
  if (wrap == nullptr) {
    Fail(error, "cannot derive the key from the passphrase");
    return std::nullopt;
  }
  config.encrypted_key.resize(kEncryptedKeyLen);
  size_t len = 0;
  if (lfenc_block_seal(&OpenSslCrypto(), wrap->handle(), 0, nullptr, master.bytes().data(),
                       master.bytes().size(), config.encrypted_key.data(),
                       config.encrypted_key.size(), &len) != LFENC_OK) {
    Fail(error, "cannot wrap the master key");
    return std::nullopt;
  }
  return config;
}

bool DeriveSubkeys(const SecretKey& master, SecretKey* content, SecretKey* names) {
  return HkdfSha256(master.bytes(), kHkdfInfoContent, content->bytes()) &&
         HkdfSha256(master.bytes(), kHkdfInfoNames, names->bytes());
}

bool DeriveVaultKeys(const SecretKey& master, VaultKeys* keys) {
  SecretKey content;
  SecretKey names;
  if (!DeriveSubkeys(master, &content, &names)) return false;
  keys->content = Aes256Key::Create(content.bytes());
  keys->names = Aes256Key::Create(names.bytes());
  return keys->content != nullptr && keys->names != nullptr;
}

}  // namespace loopfs::encrypt
