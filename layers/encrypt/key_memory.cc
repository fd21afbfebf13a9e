#include "layers/encrypt/key_memory.h"

#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <new>

namespace loopfs::encrypt {

struct KeyMemory::LockedPage {
  SecretKey content;
  SecretKey names;
};

namespace {

constexpr size_t kPageBytes = 4096;

void* MapLockedPage(std::string* error) {
  void* p = mmap(nullptr, kPageBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) {
    *error = std::string("cannot map memory for keys: ") + strerror(errno);
    return nullptr;
  }
  if (mlock(p, kPageBytes) != 0) {
    const int err = errno;
    munmap(p, kPageBytes);
    *error = std::string("cannot lock memory for keys (mlock: ") + strerror(err) +
             "); raise RLIMIT_MEMLOCK (ulimit -l) or run loopfsd as root";
    return nullptr;
  }
  // Best effort on kernels without MADV_DONTDUMP; the process is non-dumpable anyway.
  madvise(p, kPageBytes, MADV_DONTDUMP);
  madvise(p, kPageBytes, MADV_DONTFORK);
  return p;
}

}  // namespace

std::unique_ptr<KeyMemory> KeyMemory::FromMasterKey(const SecretKey& master, std::string* error) {
  // Before the first derived byte exists anywhere.
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  void* mem = MapLockedPage(error);
  if (mem == nullptr) return nullptr;
  std::unique_ptr<KeyMemory> km(new KeyMemory());
  static_assert(sizeof(LockedPage) <= kPageBytes);
  km->page_ = new (mem) LockedPage();
  if (!DeriveSubkeys(master, &km->page_->content, &km->page_->names)) {
    *error = "key derivation (HKDF-SHA256) failed";
    return nullptr;
  }
  km->keys_.content = Aes256Key::Create(km->page_->content.bytes());
  km->keys_.names = Aes256Key::Create(km->page_->names.bytes());
  if (!km->keys_.content || !km->keys_.names) {
    *error = "OpenSSL could not set up AES-256 contexts";
    return nullptr;
  }
  return km;
}

KeyMemory::~KeyMemory() {
  keys_.content.reset();
  keys_.names.reset();
  if (page_ != nullptr) {
    page_->~LockedPage();  // wipes both keys
    Wipe({reinterpret_cast<uint8_t*>(page_), kPageBytes});
    munmap(page_, kPageBytes);
  }
}

std::span<const uint8_t, 32> KeyMemory::content_key() const { return page_->content.bytes(); }

}  // namespace loopfs::encrypt
