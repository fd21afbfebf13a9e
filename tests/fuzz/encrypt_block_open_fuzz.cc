// Hostile stored blocks for the encrypt core's block codec.  The input is applied as an XOR
// mask over a genuine sealed block (so the fuzzer starts next to valid data), together with
// changes to the block number and file id.  Invariants: nothing crashes, and open succeeds
// only for the untouched block (giving back its plaintext) or for a hole (giving zeros).
// The first 16 bytes are also used as hostile sizes for the layout arithmetic.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "layers/encrypt/core/block_codec.h"
#include "layers/encrypt/core/block_layout.h"
#include "layers/encrypt/core/status.h"
#include "layers/encrypt/openssl_backend.h"

namespace {

using loopfs::encrypt::Aes256Key;
using loopfs::encrypt::OpenSslCrypto;

constexpr uint64_t kBlockNo = 5;
constexpr uint8_t kFileId[LFENC_FILE_ID_LEN] = {0xf1, 0xe2, 0xd3, 0xc4, 0xb5, 0xa6, 0x97, 0x88,
                                                0x79, 0x6a, 0x5b, 0x4c, 0x3d, 0x2e, 0x1f, 0x00};

struct Reference {
  std::unique_ptr<Aes256Key> key;
  std::vector<uint8_t> plain;
  std::vector<uint8_t> sealed;
};

const Reference& Ref() {
  static const Reference* ref = [] {
    auto* r = new Reference;
    uint8_t raw[32];
    for (int i = 0; i < 32; i++) raw[i] = static_cast<uint8_t>(i);
    r->key = Aes256Key::Create(raw);
    r->plain.resize(LFENC_PLAIN_BLOCK_LEN);
    for (size_t i = 0; i < r->plain.size(); i++) r->plain[i] = static_cast<uint8_t>(i * 7);
    r->sealed.resize(LFENC_CIPHER_BLOCK_LEN);
    size_t len = 0;
    if (r->key == nullptr ||
        lfenc_block_seal(&OpenSslCrypto(), r->key->handle(), kBlockNo, kFileId, r->plain.data(),
                         r->plain.size(), r->sealed.data(), r->sealed.size(), &len) != LFENC_OK) {
      abort();
    }
    return r;
  }();
  return *ref;
}

uint64_t Load64(const uint8_t* p) {
  uint64_t v;
  memcpy(&v, p, sizeof(v));
  return v;
}

void CheckLayout(uint64_t a, uint64_t b) {
  uint64_t plain = 0, cipher = 0, again = 0;
  if (lfenc_plain_size(a, &plain) == LFENC_OK) {
    if (plain != 0 && (lfenc_cipher_size(plain, &again) != LFENC_OK || again != a)) abort();
    if (plain > a) abort();
  }
  if (lfenc_cipher_size(a, &cipher) == LFENC_OK) {
    if (lfenc_plain_size(cipher, &again) != LFENC_OK || again != a) abort();
  }
  lfenc_span span;
  if (lfenc_span_of(a, b, &span) == LFENC_OK) {
    if (span.block_count == 0 || span.first_block != a / LFENC_PLAIN_BLOCK_LEN) abort();
    if (span.cipher_len != span.block_count * LFENC_CIPHER_BLOCK_LEN) abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 24) return 0;
  CheckLayout(Load64(data), Load64(data + 8));
  const Reference& ref = Ref();
  const uint64_t block_delta = Load64(data);
  uint8_t file_id[LFENC_FILE_ID_LEN];
  bool id_changed = false;
  for (size_t i = 0; i < LFENC_FILE_ID_LEN; i++) {
    file_id[i] = kFileId[i] ^ data[8 + i];
    id_changed |= data[8 + i] != 0;
  }
  // The rest, XORed over the reference, is the stored block; its length is the input's.
  const uint8_t* mask = data + 24;
  const size_t len = size - 24;
  std::vector<uint8_t> stored(len);
  bool masked = false;
  for (size_t i = 0; i < len; i++) {
    const uint8_t base = i < ref.sealed.size() ? ref.sealed[i] : 0;
    stored[i] = base ^ mask[i];
    masked |= mask[i] != 0;
  }
  std::vector<uint8_t> plain(LFENC_PLAIN_BLOCK_LEN + 64, 0xcc);
  size_t plain_len = 0;
  // Odd first byte: no file id (the form used for the master key and symlinks).
  const bool with_id = (data[8] & 1) == 0;
  const int rc = lfenc_block_open(&OpenSslCrypto(), ref.key->handle(), kBlockNo + block_delta,
                                  with_id ? file_id : nullptr, stored.data(), stored.size(),
                                  plain.data(), plain.size(), &plain_len);
  if (rc != LFENC_OK) {
    if (plain_len != 0) abort();
    if (rc == LFENC_ERR_AUTH) {
      for (size_t i = 0; i + LFENC_BLOCK_OVERHEAD < len; i++) {
        if (plain[i] != 0) abort();  // nothing unauthenticated may leak out
      }
    } else if (rc != LFENC_ERR_SIZE) {
      abort();
    }
    return 0;
  }
  if (lfenc_block_is_hole(stored.data(), stored.size())) {
    if (plain_len != LFENC_PLAIN_BLOCK_LEN) abort();
    for (size_t i = 0; i < plain_len; i++) {
      if (plain[i] != 0) abort();
    }
    return 0;
  }
  // Anything else that opened must be the genuine block in its genuine place.
  if (masked || len != ref.sealed.size() || block_delta != 0 || id_changed || !with_id) abort();
  if (plain_len != ref.plain.size() || memcmp(plain.data(), ref.plain.data(), plain_len) != 0) {
    abort();
  }
  return 0;
}
