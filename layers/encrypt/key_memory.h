// Where an attached vault's keys live.
//
// The raw key bytes the server keeps (the derived content and name keys: the kernel fast
// path will be handed the content key) sit in a page of their own that is mlock'd (never
// written to swap) and marked MADV_DONTDUMP (never in a core dump), and are wiped before the
// page is unmapped.  The master key is only held for the derivation, on the stack, and wiped.
//
// OpenSSL expands each key into its cipher contexts (Aes256Key), in OpenSSL's own heap
// memory, which cannot be placed in that page.  So while any vault key exists the whole
// process is made non-dumpable (prctl PR_SET_DUMPABLE 0): no core file, no ptrace by
// non-root users, no /proc/PID/mem for them.  It stays so until exit: a process that once
// held keys may still have copies in freed heap memory.
#pragma once

#include <memory>
#include <span>
#include <string>

#include "layers/encrypt/vault_config.h"

namespace loopfs::encrypt {

class KeyMemory {
 public:
  // Derives the vault's keys from its master key.  nullptr and *error if a locked page or
  // the key contexts cannot be had (e.g. RLIMIT_MEMLOCK: the message says so).
  static std::unique_ptr<KeyMemory> FromMasterKey(const SecretKey& master, std::string* error);
  ~KeyMemory();
  KeyMemory(const KeyMemory&) = delete;
  KeyMemory& operator=(const KeyMemory&) = delete;

  const VaultKeys& keys() const { return keys_; }
  // The derived content key's bytes (for grants to the kernel fast path).
  std::span<const uint8_t, 32> content_key() const;

 private:
  KeyMemory() = default;
  struct LockedPage;
  LockedPage* page_ = nullptr;
  VaultKeys keys_;
};

}  // namespace loopfs::encrypt
