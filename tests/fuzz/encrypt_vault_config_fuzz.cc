// Hostile gocryptfs.conf files.  Invariants: nothing crashes or throws; a config that parses
// serializes to text that parses to the same config.  The passphrase is never tried: scrypt
// is deliberately slow, and what it is given was validated by the parser.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "layers/encrypt/vault_config.h"

using loopfs::encrypt::ParseVaultConfig;
using loopfs::encrypt::SerializeVaultConfig;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string error;
  auto config =
      ParseVaultConfig(std::string_view(reinterpret_cast<const char*>(data), size), &error);
  if (!config) {
    if (error.empty()) abort();
    return 0;
  }
  auto again = ParseVaultConfig(SerializeVaultConfig(*config), &error);
  if (!again || again->encrypted_key != config->encrypted_key ||
      again->scrypt.salt != config->scrypt.salt || again->scrypt.n != config->scrypt.n ||
      again->scrypt.r != config->scrypt.r || again->scrypt.p != config->scrypt.p ||
      again->feature_flags != config->feature_flags || again->creator != config->creator) {
    abort();
  }
  return 0;
}
