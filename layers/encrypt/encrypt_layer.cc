// The encrypt layer's construction: unlocking the vault through the layer below, and the
// factory that builds it from { type = "encrypt", passfile = "..." | extpass = "..." }.
#include "layers/encrypt/encrypt_layer.h"

#include <spdlog/spdlog.h>

#include "layers/encrypt/core/name_codec.h"
#include "layers/encrypt/keyring.h"
#include "layers/encrypt/passphrase.h"

namespace loopfs::encrypt {

EncryptLayer::EncryptLayer(std::unique_ptr<Layer> lower, std::unique_ptr<KeyMemory> keys,
                           std::string label)
    : ForwardingLayer(std::move(lower)), keys_(std::move(keys)), label_(std::move(label)) {}

EncryptLayer::~EncryptLayer() = default;  // KeyMemory wipes the keys

std::shared_mutex& EncryptLayer::FileLock(const NodeHandle& fh) {
  return file_locks_[NodeHandleHash()(fh) % file_locks_.size()];
}

namespace {

// Reads a file of the vault root through the layer below; *missing tells ENOENT apart.
bool ReadRootFile(Layer* lower, std::string_view name, size_t max, std::string* out,
                  bool* missing, std::string* error) {
  const RequestContext ctx;  // root credentials, no deadline: start-up or attach
  *missing = false;
  NodeHandle root;
  LookupRes lr;
  Status st = lower->Root(ctx, &root);
  if (st.ok()) st = lower->Lookup(ctx, root, name, &lr);
  if (st == Nfsstat3::kNoent) {
    *missing = true;
    *error = fmt::format("no {} in the vault directory: not a gocryptfs vault (create one with "
                         "`loopfs encrypt init DIR`)",
                         name);
    return false;
  }
  out->assign(max + 1, '\0');
  ReadRes rr;
  if (st.ok()) {
    st = lower->Read(ctx, lr.handle, 0, {reinterpret_cast<uint8_t*>(out->data()), out->size()},
                     &rr);
  }
  if (!st.ok()) {
    *error = fmt::format("cannot read {}: {}", name, StatusName(st));
    return false;
  }
  if (rr.count > max) {
    *error = fmt::format("{} is larger than {} bytes: not a vault file", name, max);
    return false;
  }
  out->resize(rr.count);
  return true;
}

}  // namespace

bool UnlockThroughLayer(Layer* lower, std::string_view passphrase, SecretKey* master,
                        std::string* error) {
  std::string text;
  bool missing = false;
  if (!ReadRootFile(lower, LFENC_CONF_NAME, kConfigMaxBytes, &text, &missing, error)) {
    return false;
  }
  std::optional<VaultConfig> config = ParseVaultConfig(text, error);
  if (!config) return false;  // *error already names gocryptfs.conf
  if (UnlockMasterKey(*config, passphrase, master, error)) return true;
  // Extra passphrases (loopfs encrypt passwd --add) live in the keyring side file.
  std::string keyring_error;
  if (!ReadRootFile(lower, kKeyringName, kKeyringMaxBytes, &text, &missing, &keyring_error)) {
    if (!missing) *error = keyring_error;
    return false;
  }
  std::optional<Keyring> keyring = ParseKeyring(text, &keyring_error);
  if (!keyring) {
    *error = fmt::format("{}: {}", kKeyringName, keyring_error);
    return false;
  }
  for (const KeyringEntry& entry : keyring->entries) {
    if (UnlockMasterKey(entry.wrapped, passphrase, master, &keyring_error)) return true;
  }
  return false;  // *error still says "wrong passphrase"
}

std::unique_ptr<Layer> MakeEncryptLayer(std::unique_ptr<Layer> lower, std::string_view passphrase,
                                        std::string label, std::string* error) {
  SecretKey master;
  if (!UnlockThroughLayer(lower.get(), passphrase, &master, error)) return nullptr;
  std::unique_ptr<KeyMemory> keys = KeyMemory::FromMasterKey(master, error);
  if (!keys) return nullptr;
  auto layer = std::make_unique<EncryptLayer>(std::move(lower), std::move(keys), std::move(label));
  // The root's IV is needed for every name: check it now rather than at the first LOOKUP.
  const RequestContext ctx;
  NodeHandle root;
  std::array<uint8_t, 16> iv;
  if (!layer->Root(ctx, &root).ok() || !layer->DirIv(ctx, root, &iv).ok()) {
    *error = "the vault's root has no valid gocryptfs.diriv (run `loopfs encrypt fsck`)";
    return nullptr;
  }
  return layer;
}

LayerFactory EncryptLayerFactory() {
  return [](const LayerParams& params, std::unique_ptr<Layer> lower,
            std::string* error) -> std::unique_ptr<Layer> {
    if (!lower) {
      *error = "the encrypt layer needs a layer below it holding the vault, e.g. "
               "{ type = \"posix\", root = \"/srv/vault\" }";
      return nullptr;
    }
    for (const auto& [key, value] : params.values()) {
      if (key != "passfile" && key != "extpass") {
        *error = fmt::format("unknown key \"{}\" (the encrypt layer takes passfile or extpass)",
                             key);
        return nullptr;
      }
    }
    PassphraseSource source;
    if (const std::string* v = params.Find("passfile")) source.passfile = *v;
    if (const std::string* v = params.Find("extpass")) source.extpass = *v;
    if (source.passfile.empty() == source.extpass.empty()) {
      *error = "the encrypt layer needs exactly one of passfile = \"FILE\" or extpass = "
               "\"COMMAND\" (loopfsd cannot prompt for a passphrase)";
      return nullptr;
    }
    std::string passphrase;
    if (!ReadPassphrase(source, &passphrase, error)) return nullptr;
    std::unique_ptr<Layer> layer =
        MakeEncryptLayer(std::move(lower), passphrase, params.origin(), error);
    WipeString(passphrase);
    if (layer) spdlog::info("encrypt {}: vault unlocked", params.origin());
    return layer;
  };
}

}  // namespace loopfs::encrypt
