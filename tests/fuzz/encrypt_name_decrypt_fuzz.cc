// Hostile directory entry names for the encrypt core's name codec.  Invariants: nothing
// crashes; a name that decrypts is a valid name and encrypts back to exactly the input (one
// stored form per name, so no two entries can alias); base64 decoding is canonical.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "layers/encrypt/core/base64.h"
#include "layers/encrypt/core/name_codec.h"
#include "layers/encrypt/core/status.h"
#include "layers/encrypt/openssl_backend.h"

namespace {

using loopfs::encrypt::Aes256Key;
using loopfs::encrypt::OpenSslCrypto;

const uint8_t kDirIv[LFENC_DIRIV_LEN] = {1,  1,  2,  3,   5,   8,   13, 21,
                                         34, 55, 89, 144, 233, 121, 98, 219};

const Aes256Key& Key() {
  static const Aes256Key* key = [] {
    uint8_t raw[32];
    for (int i = 0; i < 32; i++) raw[i] = static_cast<uint8_t>(0x40 + i);
    return Aes256Key::Create(raw).release();
  }();
  return *key;
}

void CheckBase64(lfenc_base64_variant variant, const char* text, size_t size) {
  std::vector<uint8_t> bytes(size + 3);
  size_t len = 0;
  if (lfenc_base64_decode(variant, text, size, bytes.data(), bytes.size(), &len) != LFENC_OK) {
    return;
  }
  std::vector<char> again(lfenc_base64_encoded_len(variant, len) + 1);
  size_t again_len = 0;
  if (lfenc_base64_encode(variant, bytes.data(), len, again.data(), again.size(), &again_len) !=
          LFENC_OK ||
      again_len != size || memcmp(again.data(), text, size) != 0) {
    abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const char* stored = reinterpret_cast<const char*>(data);
  CheckBase64(LFENC_BASE64_URL_RAW, stored, size);
  CheckBase64(LFENC_BASE64_STD_PAD, stored, size);
  (void)lfenc_name_kind_of(stored, size);

  char name[LFENC_NAME_MAX + 1];
  size_t name_len = 0;
  if (lfenc_name_decrypt(&OpenSslCrypto(), Key().handle(), kDirIv, stored, size, name, sizeof(name),
                         &name_len) != LFENC_OK) {
    if (name_len != 0) abort();
    return 0;
  }
  if (!lfenc_name_is_valid(name, name_len)) abort();
  char again[LFENC_ENCRYPTED_NAME_MAX + 1];
  size_t again_len = 0;
  if (lfenc_name_encrypt(&OpenSslCrypto(), Key().handle(), kDirIv, name, name_len, again,
                         sizeof(again), &again_len) != LFENC_OK ||
      again_len != size || memcmp(again, stored, size) != 0) {
    abort();
  }
  return 0;
}
