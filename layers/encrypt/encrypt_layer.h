// The encrypt layer: a gocryptfs-format vault (format v2, default feature flags) served as
// plaintext.  Stacked over a layer holding the ciphertext tree (posix, or anything with the
// same namespace semantics); every NFS operation is translated:
//
//   names     encrypted per directory with EME under that directory's gocryptfs.diriv;
//             stored names over 255 bytes take gocryptfs's long form, with the full stored
//             name in a gocryptfs.longname.<hash>.name side file next to the entry;
//   contents  18-byte header, then 4096-byte blocks sealed with AES-256-GCM (16-byte
//             nonce, associated data = block number + file id); an all-zero block is a hole;
//   symlinks  the target sealed like block 0 without a file id, base64url;
//   sizes     plaintext sizes in every attribute (files: from the ciphertext size; symlinks:
//             the decrypted target's length).
//
// Handles are the lower layer's, unchanged: an encrypted file has exactly one ciphertext
// object, and the lower layer's handles already survive renames and restarts.
//
// Locking.  A striped reader/writer lock per file (stripes by handle hash; files that
// collide only wait for each other).  Writes that patch a partial block (read, decrypt,
// merge, seal again), create the header, complete a partial last block or truncate take it
// exclusively, so two writers never lose each other's bytes in one block.  Writes of whole
// aligned blocks, and reads, share it; a read that meets a block it cannot open may have
// met such a write half done, so it looks again alone before calling the block damaged.
//
// Who reads what.  Changes run under the caller's credentials, so the lower layer checks
// them exactly as for a plain export.  The layer's own bookkeeping reads (a directory's IV,
// a file's header and the neighbours of a partial-block write, .name side files, a symlink
// for its size) run as root: a caller allowed to search a directory must be able to use its
// IV even though gocryptfs creates it mode 0440, and a caller allowed to write a file must
// be able to rewrite a partial block it cannot read.  Nothing such a read returns is ever
// given to the caller unless the caller's own operation then succeeds.
//
// Damage.  A block, name, header or symlink that does not authenticate or decode answers
// NFS3ERR_IO with an error in the log naming the vault and the file (never wrong data).
// READDIR skips names that do not decrypt (logging them), as gocryptfs does, so one bad
// entry does not hide a directory.
#pragma once

#include <array>
#include <memory>
#include <shared_mutex>
#include <string>

#include "layers/encrypt/core/block_layout.h"
#include "layers/encrypt/key_memory.h"
#include "layers/encrypt/vault_config.h"
#include "layers/forwarding_layer.h"
#include "layers/lru_cache.h"
#include "layers/registry.h"

namespace loopfs::encrypt {

// The plaintext name of a directory entry as stored in the lower layer: its on-disk name,
// and for a long name the content of its .name side file.
struct StoredName {
  std::string disk_name;
  std::string long_content;  // empty unless disk_name is gocryptfs.longname.<hash>
  bool is_long() const { return !long_content.empty(); }
};

class EncryptLayer final : public ForwardingLayer {
 public:
  // `keys` are the vault's derived keys; `label` names the vault in log lines (its
  // ciphertext directory or export).
  EncryptLayer(std::unique_ptr<Layer> lower, std::unique_ptr<KeyMemory> keys, std::string label);
  ~EncryptLayer() override;

  std::string_view type() const override { return "encrypt"; }

  Status GetAttr(const RequestContext& ctx, const NodeHandle& fh, Attr* attr) override;
  Status SetAttr(const RequestContext& ctx, const NodeHandle& fh, const SetAttrArgs& args,
                 const std::optional<NfsTime>& guard_ctime, Wcc* wcc) override;
  Status Lookup(const RequestContext& ctx, const NodeHandle& dir, std::string_view name,
                LookupRes* res) override;
  Status Access(const RequestContext& ctx, const NodeHandle& fh, uint32_t access,
                AccessRes* res) override;
  Status ReadLink(const RequestContext& ctx, const NodeHandle& fh, ReadLinkRes* res) override;
  Status Read(const RequestContext& ctx, const NodeHandle& fh, uint64_t offset,
              std::span<uint8_t> buf, ReadRes* res) override;
  Status Write(const RequestContext& ctx, const NodeHandle& fh, uint64_t offset,
               std::span<const uint8_t> data, StableHow stable, WriteRes* res) override;
  Status Commit(const RequestContext& ctx, const NodeHandle& fh, uint64_t offset, uint32_t count,
                CommitRes* res) override;
  Status Create(const RequestContext& ctx, const NodeHandle& dir, std::string_view name,
                CreateMode mode, const SetAttrArgs& args, const CreateVerifier& verf,
                CreateRes* res) override;
  Status MkDir(const RequestContext& ctx, const NodeHandle& dir, std::string_view name,
               const SetAttrArgs& args, CreateRes* res) override;
  Status SymLink(const RequestContext& ctx, const NodeHandle& dir, std::string_view name,
                 std::string_view target, const SetAttrArgs& args, CreateRes* res) override;
  Status MkNod(const RequestContext& ctx, const NodeHandle& dir, std::string_view name,
               FileType type, const SetAttrArgs& args, uint32_t rdev_major, uint32_t rdev_minor,
               CreateRes* res) override;
  Status Remove(const RequestContext& ctx, const NodeHandle& dir, std::string_view name,
                RemoveRes* res) override;
  Status RmDir(const RequestContext& ctx, const NodeHandle& dir, std::string_view name,
               RemoveRes* res) override;
  Status Rename(const RequestContext& ctx, const NodeHandle& from_dir, std::string_view from_name,
                const NodeHandle& to_dir, std::string_view to_name, RenameRes* res) override;
  Status Link(const RequestContext& ctx, const NodeHandle& fh, const NodeHandle& dir,
              std::string_view name, LinkRes* res) override;
  Status ReadDir(const RequestContext& ctx, const NodeHandle& dir, uint64_t cookie,
                 const CookieVerifier& verf, bool plus, DirSink& sink, ReadDirRes* res) override;
  Status FsInfo(const RequestContext& ctx, const NodeHandle& fh, FsInfoRes* res) override;

  // Pieces shared by the operation files (encrypt_*.cc); not part of the Layer API.
  const VaultKeys& keys() const { return keys_->keys(); }
  const std::string& label() const { return label_; }
  // Attributes as the client must see them: plaintext sizes.  `fh` is the object's handle
  // (symlinks are read for their size).
  void ToPlainAttr(const RequestContext& ctx, const NodeHandle& fh, Attr* attr);
  void ToPlainAttr(const RequestContext& ctx, const NodeHandle& fh, std::optional<Attr>* attr);
  // The directory's IV, read once and cached.  kIo (logged) for a missing or damaged one.
  Status DirIv(const RequestContext& ctx, const NodeHandle& dir, std::array<uint8_t, 16>* iv);
  Status EncryptName(const RequestContext& ctx, const NodeHandle& dir, std::string_view name,
                     StoredName* stored);
  // The plaintext name of an on-disk entry, or a failure (logged) for names that do not
  // decrypt.  Long names read their .name side file.
  Status DecryptName(const RequestContext& ctx, const NodeHandle& dir,
                     const std::array<uint8_t, 16>& iv, std::string_view disk_name,
                     std::string* plain);
  // Writes the .name side file of a long name in dir (replacing an existing one, whose
  // content is necessarily the same).  *created tells whether it was new.
  Status WriteLongNameFile(const RequestContext& ctx, const NodeHandle& dir,
                           const StoredName& stored, bool* created);
  void RemoveLongNameFile(const RequestContext& ctx, const NodeHandle& dir,
                          const StoredName& stored);
  // Reads a whole small lower file by handle (as root), up to max bytes.
  Status ReadSmallFile(const RequestContext& ctx, const NodeHandle& fh, size_t max,
                       std::string* out);
  std::shared_mutex& FileLock(const NodeHandle& fh);

 private:
  // Encrypts the name of a new entry, writes its .name side file if it is long, and runs
  // make_entry(stored name); removes a side file it wrote if make_entry fails.
  template <typename MakeEntry>
  Status WithNewName(const RequestContext& ctx, const NodeHandle& dir, std::string_view name,
                     MakeEntry make_entry);
  // Creates the gocryptfs.diriv of a new directory; on failure the directory is removed.
  Status InitNewDirectory(const RequestContext& ctx, const NodeHandle& parent,
                          const StoredName& stored, const NodeHandle& dir);
  // WRITE under the file's lock: exclusive when needs_exclusive is nullptr; else shared,
  // and a write that needs the exclusive lock sets *needs_exclusive and changes nothing.
  Status WriteLocked(const RequestContext& ctx, const NodeHandle& fh, uint64_t offset,
                     std::span<const uint8_t> data, StableHow stable, WriteRes* res,
                     bool* needs_exclusive);
  // READ under the file's lock: exclusive when retry is nullptr; else shared, and a block
  // that fails to open (damage, or a whole-block write beside us) sets *retry instead of
  // being reported.
  Status ReadLocked(const RequestContext& ctx, const NodeHandle& fh, uint64_t offset,
                    std::span<uint8_t> buf, ReadRes* res, bool* retry);
  // Sets a regular file's plaintext size (SETATTR's size, under the file's lock).
  Status Truncate(const RequestContext& ctx, const NodeHandle& fh, uint64_t new_size,
                  const Attr& before);
  // Seals block `block_no`, whose plaintext is now old_len bytes, as new_len bytes with
  // `patch` at patch_at (zeros elsewhere past old_len), into out (room for a full block).
  Status SealPatchedBlock(const RequestContext& ictx, const NodeHandle& fh, const uint8_t* file_id,
                          uint64_t block_no, size_t old_len, size_t new_len, size_t patch_at,
                          std::span<const uint8_t> patch, uint8_t* out, size_t* out_len);
  // The file id to write blocks under: the header's, or a new header for an empty file.
  Status FileIdForWrite(const RequestContext& ictx, const NodeHandle& fh, uint64_t cipher_size,
                        uint8_t file_id[LFENC_FILE_ID_LEN],
                        std::optional<std::array<uint8_t, LFENC_HEADER_LEN>>* header);

  std::unique_ptr<KeyMemory> keys_;
  std::string label_;
  ShardedLruCache<NodeHandle, std::shared_ptr<const std::array<uint8_t, 16>>, NodeHandleHash>
      dir_ivs_{8192};
  std::array<std::shared_mutex, 256> file_locks_;
};

// A context with the caller's deadline but root's credentials, for the layer's own reads.
RequestContext InternalContext(const RequestContext& ctx);

// Unlocks the vault held by `lower` (its root's gocryptfs.conf, then loopfs.keys).
bool UnlockThroughLayer(Layer* lower, std::string_view passphrase, SecretKey* master,
                        std::string* error);

// An encrypt layer over `lower` unlocked with `passphrase` (what `loopfs attach` uses);
// nullptr and *error (wrong passphrase, not a vault, unsupported format) otherwise.
std::unique_ptr<Layer> MakeEncryptLayer(std::unique_ptr<Layer> lower, std::string_view passphrase,
                                        std::string label, std::string* error);

// The factory registered as "encrypt": { type = "encrypt", passfile = "..." } or
// extpass = "command", over a layer holding the vault.
LayerFactory EncryptLayerFactory();

}  // namespace loopfs::encrypt
