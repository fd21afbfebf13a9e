// Hostile loopfs.keys files.  Invariants: nothing crashes or throws; a refusal has a message;
// a keyring that parses serializes to text that parses to the same keyring.  No passphrase is
// tried (scrypt is deliberately slow).
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "layers/encrypt/keyring.h"

using loopfs::encrypt::ParseKeyring;
using loopfs::encrypt::SerializeKeyring;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string error;
  auto keyring = ParseKeyring(std::string_view(reinterpret_cast<const char*>(data), size), &error);
  if (!keyring) {
    if (error.empty()) abort();
    return 0;
  }
  auto again = ParseKeyring(SerializeKeyring(*keyring), &error);
  if (!again || again->entries.size() != keyring->entries.size()) abort();
  for (size_t i = 0; i < keyring->entries.size(); i++) {
    const auto& a = keyring->entries[i];
    const auto& b = again->entries[i];
    if (a.label != b.label || a.created != b.created ||
        a.wrapped.encrypted_key != b.wrapped.encrypted_key ||
        a.wrapped.scrypt.salt != b.wrapped.scrypt.salt ||
        a.wrapped.scrypt.n != b.wrapped.scrypt.n || a.wrapped.scrypt.r != b.wrapped.scrypt.r ||
        a.wrapped.scrypt.p != b.wrapped.scrypt.p) {
      abort();
    }
  }
  return 0;
}
