// Ciphertext edited on disk under a running loopfsd: every kind of damage answers
// NFS3ERR_IO (or hides a name whose entry cannot be decrypted), never wrong bytes, and the
// server keeps serving everything else.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <set>

#include "layers/encrypt/core/block_layout.h"
#include "layers/encrypt/core/name_codec.h"
#include "layers/encrypt/core/status.h"
#include "layers/encrypt/openssl_backend.h"
#include "tests/integration/encrypt_vault_fixture.h"
#include "tests/support/nfs3_constants.h"

namespace loopfs::testing::encrypt_it {
namespace {

using loopfs::encrypt::testing::ReadFileBytes;
using loopfs::encrypt::testing::WriteFileBytes;

constexpr uint32_t kIoError = NFS3ERR_IO;
constexpr size_t kFileSize = 3 * 4096 + 500;  // three full blocks and a partial one

uint64_t BlockAt(uint64_t block_no) {
  return LFENC_HEADER_LEN + block_no * LFENC_CIPHER_BLOCK_LEN;
}

class EncryptTamperTest : public VaultTest {
 protected:
  void SetUp() override {
    VaultTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    InitVault();
    Mount();
    unsigned seed = 1;
    for (const std::string& name : FileNames()) {
      contents_[name] = Pattern(kFileSize, seed++);
      WriteFileBytes(mnt_ + "/" + name, contents_[name]);
    }
    for (const std::string dir : {"fresh-a", "fresh-b"}) {
      ASSERT_EQ(mkdir((mnt_ + "/" + dir).c_str(), 0755), 0);
      WriteFileBytes(mnt_ + "/" + dir + "/x", "inside " + std::string(dir));
    }
    ASSERT_EQ(symlink("some/where/else", (mnt_ + "/sl").c_str()), 0);
    Unmount();
    keys_ = Keys();
    root_iv_ = ReadFileBytes(cipher_ + "/gocryptfs.diriv");
    StartServer();
    // Everything reads before the damage (and the root's IV is now cached).
    for (const std::string& name : FileNames()) ExpectContent(name);
    ReadDirRes rd = client_->ReadDirAll(client_->root(), true);
    ASSERT_TRUE(rd.ok()) << Why(rd);
    EXPECT_EQ(rd.entries.size(), FileNames().size() + 2 + 3);
  }

  static std::vector<std::string> FileNames() {
    return {"control", "f-flip",  "f-swap", "f-src",   "f-dst", "f-trunc", "f-torn",
            "f-header", "f-version", "f-name", LongName(), "f-empty-block"};
  }
  static std::string LongName() { return "long-" + std::string(200, 'z'); }

  // The ciphertext path of a root entry (the stored name; for a long name, its file).
  std::string DiskPath(const std::string& name, std::string* long_content = nullptr) {
    std::string content;
    const std::string disk = loopfs::encrypt::testing::StoredName(
        keys_, reinterpret_cast<const uint8_t*>(root_iv_.data()), name, &content);
    if (long_content != nullptr) *long_content = content;
    return cipher_ + "/" + disk;
  }

  // Overwrites bytes of a ciphertext file in place.
  static void Poke(const std::string& path, uint64_t off, std::string_view bytes) {
    const int fd = open(path.c_str(), O_WRONLY);
    ASSERT_GE(fd, 0) << path;
    ASSERT_EQ(pwrite(fd, bytes.data(), bytes.size(), static_cast<off_t>(off)),
              static_cast<ssize_t>(bytes.size()));
    close(fd);
  }
  static std::string Peek(const std::string& path, uint64_t off, size_t len) {
    return ReadFileBytes(path).substr(off, len);
  }
  static void FlipByte(const std::string& path, uint64_t off) {
    std::string b = Peek(path, off, 1);
    b[0] = static_cast<char>(b[0] ^ 0x40);
    Poke(path, off, b);
  }

  void ExpectContent(const std::string& name) {
    LookupRes lr = client_->Lookup(client_->root(), name);
    ASSERT_TRUE(lr.ok()) << name << ": " << Why(lr);
    ReadRes r = client_->Read(lr.fh, 0, 1 << 20);
    ASSERT_TRUE(r.ok()) << name << ": " << Why(r);
    EXPECT_TRUE(ToString(r.data) == contents_[name]) << "content of " << name;
  }

  // A READ that must fail with EIO, whatever the piece.
  void ExpectReadIo(const std::string& name, uint64_t off, uint32_t count) {
    LookupRes lr = client_->Lookup(client_->root(), name);
    ASSERT_TRUE(lr.ok()) << name << ": " << Why(lr);
    ReadRes r = client_->Read(lr.fh, off, count);
    EXPECT_EQ(r.status, kIoError) << "READ " << name << " " << off << "+" << count << ": "
                                  << Why(r) << " (" << r.data.size() << " bytes)";
  }
  void ExpectReadOk(const std::string& name, uint64_t off, uint32_t count) {
    LookupRes lr = client_->Lookup(client_->root(), name);
    ASSERT_TRUE(lr.ok()) << name << ": " << Why(lr);
    ReadRes r = client_->Read(lr.fh, off, count);
    ASSERT_TRUE(r.ok()) << "READ " << name << " " << off << "+" << count << ": " << Why(r);
    EXPECT_TRUE(ToString(r.data) == contents_[name].substr(off, count)) << name;
  }

  // The server is alive and still serves undamaged files.
  void ExpectStillServing() {
    ASSERT_TRUE(server_->Alive()) << server_->LogTail();
    ExpectContent("control");
  }

  std::set<std::string> RootNames() {
    ReadDirRes rd = client_->ReadDirAll(client_->root(), false);
    EXPECT_TRUE(rd.ok()) << Why(rd);
    std::set<std::string> names;
    for (const DirEntry3& e : rd.entries) names.insert(e.name);
    return names;
  }

  loopfs::encrypt::VaultKeys keys_;
  std::string root_iv_;
  std::map<std::string, std::string> contents_;
};

TEST_F(EncryptTamperTest, DamagedContentAnswersIoError) {
  // A flipped byte in block 1: block 1 fails, blocks 0 and 2 still read.
  FlipByte(DiskPath("f-flip"), BlockAt(1) + 100);
  ExpectReadIo("f-flip", 4096, 10);
  ExpectReadIo("f-flip", 4000, 200);  // a read that only touches it
  ExpectReadIo("f-flip", 0, 1 << 20);
  ExpectReadOk("f-flip", 0, 4096);
  ExpectReadOk("f-flip", 8192, 4096);
  {
    // A partial write into the damaged block cannot merge with bytes it cannot trust.
    LookupRes lr = client_->Lookup(client_->root(), "f-flip");
    ASSERT_TRUE(lr.ok()) << Why(lr);
    EXPECT_EQ(client_->Write(lr.fh, 4096 + 10, ToBytes("x"), 2).status, kIoError);
  }
  ExpectStillServing();

  // Blocks 0 and 1 swapped (each is authentic, in the wrong place).
  {
    const std::string path = DiskPath("f-swap");
    const std::string b0 = Peek(path, BlockAt(0), LFENC_CIPHER_BLOCK_LEN);
    const std::string b1 = Peek(path, BlockAt(1), LFENC_CIPHER_BLOCK_LEN);
    Poke(path, BlockAt(0), b1);
    Poke(path, BlockAt(1), b0);
  }
  ExpectReadIo("f-swap", 0, 100);
  ExpectReadIo("f-swap", 4096, 100);
  ExpectReadOk("f-swap", 8192, 100);
  ExpectStillServing();

  // A block moved into another file at the same place (another file id).
  Poke(DiskPath("f-dst"), BlockAt(1), Peek(DiskPath("f-src"), BlockAt(1), LFENC_CIPHER_BLOCK_LEN));
  ExpectReadIo("f-dst", 4096, 4096);
  ExpectReadOk("f-src", 4096, 4096);
  ExpectStillServing();

  // Truncated mid-block: the last block is short and its tag gone.
  std::filesystem::resize_file(DiskPath("f-trunc"), BlockAt(1) + 1000);
  ExpectReadIo("f-trunc", 4096, 100);
  ExpectReadOk("f-trunc", 0, 4096);
  // Truncated inside a block's nonce and tag: less than a block's overhead left.
  std::filesystem::resize_file(DiskPath("f-torn"), BlockAt(2) + 20);
  {
    LookupRes lr = client_->Lookup(client_->root(), "f-torn");
    ASSERT_TRUE(lr.ok()) << Why(lr);
    ReadRes r = client_->Read(lr.fh, 0, 1 << 20);
    // Either the intact blocks, or EIO: never bytes that were not written.
    if (r.ok()) {
      EXPECT_TRUE(ToString(r.data) == contents_["f-torn"].substr(0, r.data.size()));
      EXPECT_LE(r.data.size(), 8192u);
    } else {
      EXPECT_EQ(r.status, kIoError) << Why(r);
    }
    ExpectReadIo("f-torn", 8192, 100);
  }
  ExpectStillServing();

  // A header's file id, and its version.
  FlipByte(DiskPath("f-header"), 5);
  ExpectReadIo("f-header", 0, 100);
  ExpectReadIo("f-header", 8192, 100);
  {
    LookupRes lr = client_->Lookup(client_->root(), "f-header");
    ASSERT_TRUE(lr.ok()) << Why(lr);
    EXPECT_EQ(client_->Write(lr.fh, 8192 + 10, ToBytes("x"), 2).status, kIoError);
    EXPECT_EQ(client_->SetAttr(lr.fh, {.size = 100}).status, kIoError);
  }
  FlipByte(DiskPath("f-version"), 1);
  ExpectReadIo("f-version", 0, 100);
  ExpectStillServing();

  // An all-zero block in the middle is a hole and reads as zeros (gocryptfs agrees), but a
  // block zeroed except for one byte is damage.
  {
    const std::string path = DiskPath("f-empty-block");
    std::string zero(LFENC_CIPHER_BLOCK_LEN, '\0');
    zero[LFENC_CIPHER_BLOCK_LEN - 1] = 1;
    Poke(path, BlockAt(1), zero);
    ExpectReadIo("f-empty-block", 4096, 1);
  }
  ExpectStillServing();

  // A symlink whose stored target is not sealed by this vault.
  {
    const std::string path = DiskPath("sl");
    std::string target(8192, '\0');
    target.resize(static_cast<size_t>(readlink(path.c_str(), target.data(), target.size())));
    target[10] = target[10] == 'A' ? 'B' : 'A';
    ASSERT_EQ(unlink(path.c_str()), 0);
    ASSERT_EQ(symlink(target.c_str(), path.c_str()), 0);
    LookupRes lr = client_->Lookup(client_->root(), "sl");
    ASSERT_TRUE(lr.ok()) << Why(lr);
    ReadLinkRes rl = client_->ReadLink(lr.fh);
    EXPECT_EQ(rl.status, kIoError) << Why(rl) << " target " << rl.target;
  }
  ExpectStillServing();
}

TEST_F(EncryptTamperTest, DamagedNamesAreSkipped) {
  std::set<std::string> names = RootNames();
  ASSERT_EQ(names.count("f-name"), 1u);
  ASSERT_EQ(names.count(LongName()), 1u);

  // A stored name edited so it no longer decrypts (checked with the vault's keys, so the
  // test does not depend on luck: a random edit decrypts to garbage that may pass).
  const std::string disk = DiskPath("f-name");
  const std::string stored = std::filesystem::path(disk).filename().string();
  std::string bad;
  for (size_t pos = 0; pos < stored.size() && bad.empty(); pos++) {
    std::string candidate = stored;
    candidate[pos] = candidate[pos] == 'A' ? 'B' : 'A';
    char out[LFENC_NAME_MAX + 1];
    size_t len = 0;
    if (lfenc_name_decrypt(&loopfs::encrypt::OpenSslCrypto(), keys_.names->handle(),
                           reinterpret_cast<const uint8_t*>(root_iv_.data()), candidate.data(),
                           candidate.size(), out, sizeof out, &len) != LFENC_OK) {
      bad = candidate;
    }
  }
  ASSERT_FALSE(bad.empty());
  ASSERT_EQ(rename(disk.c_str(), (cipher_ + "/" + bad).c_str()), 0);
  std::set<std::string> after = RootNames();
  names.erase("f-name");
  EXPECT_TRUE(after == names) << "READDIR must skip exactly the damaged entry";
  EXPECT_EQ(client_->Lookup(client_->root(), "f-name").status,
            static_cast<uint32_t>(NFS3ERR_NOENT));
  ExpectStillServing();

  // A long name's .name side file edited: its hash no longer matches, the entry is skipped.
  std::string long_content;
  const std::string long_disk = DiskPath(LongName(), &long_content);
  ASSERT_FALSE(long_content.empty());
  FlipByte(long_disk + LFENC_LONGNAME_SUFFIX, 7);
  after = RootNames();
  names.erase(LongName());
  EXPECT_TRUE(after == names) << "READDIR must skip the entry whose .name file is damaged";
  {
    // Its content is still authenticated on its own: LOOKUP may find it (the on-disk name
    // is a hash of the encrypted name) and must then read true bytes, or fail with EIO.
    LookupRes lr = client_->Lookup(client_->root(), LongName());
    if (lr.ok()) {
      ReadRes r = client_->Read(lr.fh, 0, 1 << 20);
      ASSERT_TRUE(r.ok()) << Why(r);
      EXPECT_TRUE(ToString(r.data) == contents_[LongName()]);
    } else {
      EXPECT_EQ(lr.status, kIoError) << Why(lr);
    }
  }
  ExpectStillServing();

  // A directory IV of the wrong length, in a directory loopfsd has not read yet.
  const std::string fresh_a = DiskPath("fresh-a");
  std::filesystem::resize_file(fresh_a + "/gocryptfs.diriv", 10);
  LookupRes a = client_->LookupPath("fresh-a");
  ASSERT_TRUE(a.ok()) << Why(a);
  EXPECT_EQ(client_->Lookup(a.fh, "x").status, kIoError);
  EXPECT_EQ(client_->ReadDir(a.fh).status, kIoError);
  EXPECT_EQ(client_->ReadDirPlus(a.fh).status, kIoError);
  EXPECT_EQ(client_->Create(a.fh, "new", 1, {.mode = 0644}).status, kIoError);
  ExpectStillServing();

  // Another IV of the right length: names encrypt differently, so "x" is not found, and
  // what is listed (if anything decrypts by chance) is not "x".
  const std::string fresh_b = DiskPath("fresh-b");
  WriteFileBytes(fresh_b + "/gocryptfs.diriv", Pattern(16, 99), 0440);
  LookupRes b = client_->LookupPath("fresh-b");
  ASSERT_TRUE(b.ok()) << Why(b);
  LookupRes x = client_->Lookup(b.fh, "x");
  EXPECT_FALSE(x.ok()) << "found x under a changed IV";
  ReadDirRes rd = client_->ReadDirAll(b.fh);
  if (rd.ok()) {
    for (const DirEntry3& e : rd.entries) EXPECT_NE(e.name, "x");
  }
  ExpectStillServing();

  // The root keeps working for changes too.
  CreateRes c = client_->Create(client_->root(), "after-damage", 1, {.mode = 0644});
  ASSERT_TRUE(c.ok()) << Why(c);
  ASSERT_TRUE(client_->Write(*c.fh, 0, ToBytes("still fine"), 2).ok());
  ReadRes r = client_->Read(*c.fh, 0, 100);
  ASSERT_TRUE(r.ok()) << Why(r);
  EXPECT_EQ(ToString(r.data), "still fine");
}

}  // namespace
}  // namespace loopfs::testing::encrypt_it
