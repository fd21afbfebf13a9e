#include "layers/encrypt/symlink_codec.h"

#include "layers/encrypt/core/base64.h"
#include "layers/encrypt/core/block_codec.h"
#include "layers/encrypt/core/status.h"

namespace loopfs::encrypt {

bool EncryptSymlinkTarget(const VaultKeys& keys, std::string_view target, std::string* stored) {
  if (target.empty() || target.size() > LFENC_PLAIN_BLOCK_LEN) return false;
  uint8_t sealed[LFENC_CIPHER_BLOCK_LEN];
  size_t sealed_len = 0;
  if (lfenc_block_seal(&OpenSslCrypto(), keys.content->handle(), 0, nullptr,
                       reinterpret_cast<const uint8_t*>(target.data()), target.size(), sealed,
                       sizeof sealed, &sealed_len) != LFENC_OK) {
    return false;
  }
  stored->assign(lfenc_base64_encoded_len(LFENC_BASE64_URL_RAW, sealed_len) + 1, '\0');
  size_t len = 0;
  if (lfenc_base64_encode(LFENC_BASE64_URL_RAW, sealed, sealed_len, stored->data(),
                          stored->size(), &len) != LFENC_OK) {
    return false;
  }
  stored->resize(len);
  return true;
}

bool DecryptSymlinkTarget(const VaultKeys& keys, std::string_view stored, std::string* target) {
  uint8_t sealed[LFENC_CIPHER_BLOCK_LEN];
  size_t sealed_len = 0;
  if (lfenc_base64_decode(LFENC_BASE64_URL_RAW, stored.data(), stored.size(), sealed,
                          sizeof sealed, &sealed_len) != LFENC_OK) {
    return false;
  }
  uint8_t plain[LFENC_PLAIN_BLOCK_LEN];
  size_t len = 0;
  // A hole (all zeros) opens to zeros without authentication; no symlink is one.
  if (lfenc_block_is_hole(sealed, sealed_len) ||
      lfenc_block_open(&OpenSslCrypto(), keys.content->handle(), 0, nullptr, sealed, sealed_len,
                       plain, sizeof plain, &len) != LFENC_OK) {
    return false;
  }
  target->assign(reinterpret_cast<const char*>(plain), len);
  return true;
}

}  // namespace loopfs::encrypt
