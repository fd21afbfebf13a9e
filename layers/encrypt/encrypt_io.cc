// The encrypt layer's file contents: READ, WRITE, COMMIT, SETATTR (truncation), and the
// plaintext sizes every attribute reports.
//
// A write touches whole blocks: the blocks it covers entirely are sealed from the client's
// bytes, and the first and last, when only partly covered, are read, opened, patched and
// sealed again.  Growing a file past a partial last block first completes that block with
// zeros (gocryptfs does the same), so every block but the last is a full 4096 bytes, which
// is what makes block offsets computable; blocks skipped entirely stay holes.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>
#include <shared_mutex>

#include "layers/encrypt/core/block_codec.h"
#include "layers/encrypt/core/block_layout.h"
#include "layers/encrypt/core/status.h"
#include "layers/encrypt/encrypt_layer.h"
#include "layers/encrypt/symlink_codec.h"

namespace loopfs::encrypt {
namespace {

// The plaintext size the client sees for a ciphertext size.  A size no gocryptfs file can
// have (a torn header or last block) is rounded down to the blocks that may be intact, so
// the file stays listable and removable; reading the damaged part answers NFS3ERR_IO.
uint64_t PlainSizeOf(uint64_t cipher_size) {
  uint64_t plain = 0;
  if (lfenc_plain_size(cipher_size, &plain) == LFENC_OK) return plain;
  if (cipher_size <= LFENC_HEADER_LEN) return 0;
  const uint64_t body = cipher_size - LFENC_HEADER_LEN;
  const uint64_t tail = body % LFENC_CIPHER_BLOCK_LEN;
  return body / LFENC_CIPHER_BLOCK_LEN * LFENC_PLAIN_BLOCK_LEN +
         (tail > LFENC_BLOCK_OVERHEAD ? tail - LFENC_BLOCK_OVERHEAD : 0);
}

uint64_t BlockCipherOffset(uint64_t block_no) {
  uint64_t off = 0;
  // Callers only pass block numbers of in-range plaintext offsets.
  (void)lfenc_block_cipher_offset(block_no, &off);
  return off;
}

// A per-thread buffer for ciphertext: up to a 1 MiB transfer's blocks, reused across calls
// so the request path does not allocate.
std::span<uint8_t> Scratch(size_t len) {
  thread_local std::unique_ptr<uint8_t[]> buf;
  thread_local size_t cap = 0;
  if (cap < len) {
    buf.reset(new uint8_t[len]);
    cap = len;
  }
  return {buf.get(), len};
}

// The file's id from its header; kIo for a damaged one.  An empty file has none (*exists
// false).
Status ReadHeader(Layer* lower, const RequestContext& ictx, const NodeHandle& fh,
                  uint8_t file_id[LFENC_FILE_ID_LEN], bool* exists) {
  uint8_t header[LFENC_HEADER_LEN];
  ReadRes rr;
  Status st = lower->Read(ictx, fh, 0, header, &rr);
  if (!st.ok()) return st;
  *exists = rr.count > 0;
  if (rr.count == 0) return Status::Ok();
  return lfenc_header_parse(header, rr.count, file_id) == LFENC_OK ? Status::Ok()
                                                                    : Status(Nfsstat3::kIo);
}

}  // namespace

void EncryptLayer::ToPlainAttr(const RequestContext& ctx, const NodeHandle& fh, Attr* attr) {
  if (attr->type == FileType::kReg) {
    attr->size = PlainSizeOf(attr->size);
  } else if (attr->type == FileType::kLnk) {
    ReadLinkRes rl;
    std::string target;
    if (lower()->ReadLink(InternalContext(ctx), fh, &rl).ok() &&
        DecryptSymlinkTarget(keys(), rl.target, &target)) {
      attr->size = target.size();
    }
  }
}

void EncryptLayer::ToPlainAttr(const RequestContext& ctx, const NodeHandle& fh,
                               std::optional<Attr>* attr) {
  if (attr->has_value()) ToPlainAttr(ctx, fh, &**attr);
}

namespace {

// wcc_data of a regular file: both halves in plaintext sizes.
void ToPlainFileWcc(Wcc* wcc) {
  if (wcc->before) wcc->before->size = PlainSizeOf(wcc->before->size);
  if (wcc->after && wcc->after->type == FileType::kReg) {
    wcc->after->size = PlainSizeOf(wcc->after->size);
  }
}

}  // namespace

Status EncryptLayer::GetAttr(const RequestContext& ctx, const NodeHandle& fh, Attr* attr) {
  Status st = lower()->GetAttr(ctx, fh, attr);
  if (st.ok()) ToPlainAttr(ctx, fh, attr);
  return st;
}

Status EncryptLayer::Access(const RequestContext& ctx, const NodeHandle& fh, uint32_t access,
                            AccessRes* res) {
  Status st = lower()->Access(ctx, fh, access, res);
  ToPlainAttr(ctx, fh, &res->attr);
  return st;
}

Status EncryptLayer::ReadLink(const RequestContext& ctx, const NodeHandle& fh, ReadLinkRes* res) {
  ReadLinkRes stored;
  Status st = lower()->ReadLink(ctx, fh, &stored);
  res->attr = stored.attr;
  if (!st.ok()) return st;
  if (!DecryptSymlinkTarget(keys(), stored.target, &res->target)) {
    spdlog::error("encrypt {}: symlink (fileid {}) has a damaged target", label(),
                  stored.attr ? stored.attr->fileid : 0);
    return Nfsstat3::kIo;
  }
  if (res->attr) res->attr->size = res->target.size();
  return Status::Ok();
}

Status EncryptLayer::Read(const RequestContext& ctx, const NodeHandle& fh, uint64_t offset,
                          std::span<uint8_t> buf, ReadRes* res) {
  {
    std::shared_lock shared(FileLock(fh));
    bool retry = false;
    Status st = ReadLocked(ctx, fh, offset, buf, res, &retry);
    if (!retry) return st;
  }
  // A block did not open: damage, or a whole-block write running beside us.  Alone with
  // the file, a second look tells which.
  std::unique_lock exclusive(FileLock(fh));
  *res = ReadRes();
  return ReadLocked(ctx, fh, offset, buf, res, nullptr);
}

Status EncryptLayer::ReadLocked(const RequestContext& ctx, const NodeHandle& fh, uint64_t offset,
                                std::span<uint8_t> buf, ReadRes* res, bool* retry) {
  lfenc_span span{};
  if (buf.empty() || lfenc_span_of(offset, buf.size(), &span) != LFENC_OK) {
    // Nothing to read (or an offset no file reaches): the size decides eof.
    Attr attr;
    Status st = GetAttr(ctx, fh, &attr);
    if (!st.ok()) return st;
    if (attr.type != FileType::kReg) return Nfsstat3::kInval;
    res->attr = attr;
    res->count = 0;
    res->eof = offset >= attr.size;
    return Status::Ok();
  }
  // Block 0 is read together with the header in one lower READ; other spans read the
  // header on its own (18 bytes from a cached fd).
  uint8_t file_id[LFENC_FILE_ID_LEN];
  const bool with_header = span.first_block == 0;
  const size_t skip = with_header ? LFENC_HEADER_LEN : 0;
  std::span<uint8_t> cipher = Scratch(span.cipher_len + skip);
  ReadRes lower_res;
  Status st = lower()->Read(ctx, fh, with_header ? 0 : span.cipher_offset, cipher, &lower_res);
  res->attr = lower_res.attr;
  ToPlainAttr(ctx, fh, &res->attr);
  if (!st.ok()) return st;
  res->count = 0;
  res->eof = true;
  size_t avail = lower_res.count;
  if (with_header) {
    if (avail == 0) return Status::Ok();  // empty file
    if (avail < LFENC_HEADER_LEN || lfenc_header_parse(cipher.data(), LFENC_HEADER_LEN,
                                                       file_id) != LFENC_OK) {
      spdlog::error("encrypt {}: file (fileid {}) has a damaged header", label(),
                    res->attr ? res->attr->fileid : 0);
      return Nfsstat3::kIo;
    }
    avail -= LFENC_HEADER_LEN;
  } else if (avail > 0) {
    bool exists = false;
    if (Status hs = ReadHeader(lower(), ctx, fh, file_id, &exists); !hs.ok() || !exists) {
      spdlog::error("encrypt {}: file (fileid {}) has a damaged header", label(),
                    res->attr ? res->attr->fileid : 0);
      return Nfsstat3::kIo;
    }
  }
  // Open block by block; a block wholly inside the request opens straight into the
  // caller's buffer.
  const uint8_t* in = cipher.data() + skip;
  uint32_t in_block = lfenc_block_offset(offset);
  size_t copied = 0;
  uint8_t block[LFENC_PLAIN_BLOCK_LEN];
  for (uint64_t b = span.first_block; avail > 0 && copied < buf.size(); ++b) {
    const size_t stored_len = std::min<size_t>(avail, LFENC_CIPHER_BLOCK_LEN);
    const size_t want = buf.size() - copied;
    const bool direct = in_block == 0 && want >= LFENC_PLAIN_BLOCK_LEN;
    uint8_t* out = direct ? buf.data() + copied : block;
    size_t plain_len = 0;
    if (lfenc_block_open(&OpenSslCrypto(), keys().content->handle(), b, file_id, in, stored_len,
                         out, LFENC_PLAIN_BLOCK_LEN, &plain_len) != LFENC_OK) {
      if (retry != nullptr) {
        *retry = true;
        return Nfsstat3::kIo;
      }
      spdlog::error("encrypt {}: file (fileid {}) block {} does not authenticate (tampered, "
                    "moved or truncated)",
                    label(), res->attr ? res->attr->fileid : 0, b);
      return Nfsstat3::kIo;
    }
    if (in_block >= plain_len) break;  // offset past the end of the last block
    const size_t n = std::min(plain_len - in_block, want);
    if (!direct) std::memcpy(buf.data() + copied, block + in_block, n);
    copied += n;
    in += stored_len;
    avail -= stored_len;
    in_block = 0;
  }
  res->count = static_cast<uint32_t>(copied);
  res->eof = res->attr ? offset + copied >= res->attr->size : lower_res.eof && avail == 0;
  return Status::Ok();
}

// One block's new ciphertext, for a block whose current plaintext is `old_len` bytes (0 for
// a block past the end or a hole's zeros) and becomes `new_len` bytes with `patch` placed at
// `patch_at`.  The old plaintext is read (as root: see the header) only when some of it
// survives.
Status EncryptLayer::SealPatchedBlock(const RequestContext& ictx, const NodeHandle& fh,
                                      const uint8_t* file_id, uint64_t block_no, size_t old_len,
                                      size_t new_len, size_t patch_at,
                                      std::span<const uint8_t> patch, uint8_t* out,
                                      size_t* out_len) {
  if (patch_at == 0 && patch.size() == new_len) {  // the common case: a whole block
    return lfenc_block_seal(&OpenSslCrypto(), keys().content->handle(), block_no, file_id,
                            patch.data(), new_len, out, LFENC_CIPHER_BLOCK_LEN,
                            out_len) == LFENC_OK
               ? Status::Ok()
               : Status(Nfsstat3::kServerfault);
  }
  uint8_t plain[LFENC_PLAIN_BLOCK_LEN];
  std::memset(plain, 0, sizeof plain);
  const bool keeps_old = old_len > 0 && (patch_at > 0 || patch_at + patch.size() < old_len);
  if (keeps_old) {
    uint8_t stored[LFENC_CIPHER_BLOCK_LEN];
    ReadRes rr;
    Status st = lower()->Read(ictx, fh, BlockCipherOffset(block_no),
                              {stored, old_len + LFENC_BLOCK_OVERHEAD}, &rr);
    if (!st.ok()) return st;
    size_t got = 0;
    if (lfenc_block_open(&OpenSslCrypto(), keys().content->handle(), block_no, file_id, stored,
                         rr.count, plain, sizeof plain, &got) != LFENC_OK) {
      spdlog::error("encrypt {}: cannot rewrite block {} of a file: it does not authenticate",
                    label(), block_no);
      return Nfsstat3::kIo;
    }
    // Bytes past the old end (a hole opens to a full block) become zeros again.
    if (got > old_len) std::memset(plain + old_len, 0, got - old_len);
  }
  if (!patch.empty()) std::memcpy(plain + patch_at, patch.data(), patch.size());
  const int rc = lfenc_block_seal(&OpenSslCrypto(), keys().content->handle(), block_no, file_id,
                                  plain, new_len, out, LFENC_CIPHER_BLOCK_LEN, out_len);
  Wipe(plain);
  return rc == LFENC_OK ? Status::Ok() : Status(Nfsstat3::kServerfault);
}

// Reads the file's header, or makes one for an empty file (*new_header then holds it and
// must be written before any block).
Status EncryptLayer::FileIdForWrite(const RequestContext& ictx, const NodeHandle& fh,
                                    uint64_t cipher_size, uint8_t file_id[LFENC_FILE_ID_LEN],
                                    std::optional<std::array<uint8_t, LFENC_HEADER_LEN>>* header) {
  if (cipher_size == 0) {
    header->emplace();
    return lfenc_header_new(&OpenSslCrypto(), file_id, (*header)->data()) == LFENC_OK
               ? Status::Ok()
               : Status(Nfsstat3::kServerfault);
  }
  bool exists = false;
  Status st = ReadHeader(lower(), ictx, fh, file_id, &exists);
  if (st.ok() && !exists) st = Nfsstat3::kIo;  // shrank under us: not ours to guess
  if (!st.ok()) spdlog::error("encrypt {}: cannot write a file with a damaged header", label());
  return st;
}

Status EncryptLayer::Write(const RequestContext& ctx, const NodeHandle& fh, uint64_t offset,
                           std::span<const uint8_t> data, StableHow stable, WriteRes* res) {
  {
    // Whole aligned blocks of a file that has its header, with no partial last block to
    // complete first, need nothing read and change no block another writer might patch:
    // such writes (what a client's write-back mostly sends) run side by side.  Readers
    // that race them may see a block half written and retry (see Read).
    std::shared_lock shared(FileLock(fh));
    bool needs_exclusive = false;
    Status st = WriteLocked(ctx, fh, offset, data, stable, res, &needs_exclusive);
    if (!needs_exclusive) return st;
  }
  std::unique_lock exclusive(FileLock(fh));
  *res = WriteRes();
  return WriteLocked(ctx, fh, offset, data, stable, res, nullptr);
}

Status EncryptLayer::WriteLocked(const RequestContext& ctx, const NodeHandle& fh,
                                 uint64_t offset, std::span<const uint8_t> data,
                                 StableHow stable, WriteRes* res, bool* needs_exclusive) {
  const RequestContext ictx = InternalContext(ctx);
  Attr before;
  if (Status st = lower()->GetAttr(ictx, fh, &before); !st.ok()) return st;
  if (before.type != FileType::kReg) {
    return before.type == FileType::kDir ? Nfsstat3::kIsdir : Nfsstat3::kInval;
  }
  uint64_t old_size = 0;
  if (lfenc_plain_size(before.size, &old_size) != LFENC_OK) {
    spdlog::error("encrypt {}: file (fileid {}) has an impossible ciphertext size {}; not "
                  "writing to it (run `loopfs encrypt fsck`)",
                  label(), before.fileid, before.size);
    return Nfsstat3::kIo;
  }
  res->wcc.before = ToWccAttr(before);
  res->wcc.before->size = old_size;
  res->committed = stable;
  if (data.empty()) {
    res->wcc.after = before;
    res->wcc.after->size = old_size;
    return Status::Ok();
  }
  const uint64_t end = offset + data.size();
  lfenc_span span{};
  if (end < offset || lfenc_span_of(offset, data.size(), &span) != LFENC_OK) {
    return Nfsstat3::kFbig;
  }
  // Writing past a partial last block in a later block: complete it with zeros first.
  const uint64_t last_block = lfenc_block_no(old_size);
  const size_t last_len = lfenc_block_offset(old_size);
  if (needs_exclusive != nullptr) {
    const bool whole_blocks = lfenc_block_offset(offset) == 0 && lfenc_block_offset(end) == 0;
    const bool pads = last_len != 0 && span.first_block > last_block;
    if (before.size == 0 || !whole_blocks || pads) {
      *needs_exclusive = true;
      return Status::Ok();
    }
  }
  uint8_t file_id[LFENC_FILE_ID_LEN];
  std::optional<std::array<uint8_t, LFENC_HEADER_LEN>> header;
  if (Status st = FileIdForWrite(ictx, fh, before.size, file_id, &header); !st.ok()) return st;

  std::span<uint8_t> cipher = Scratch(span.cipher_len + LFENC_CIPHER_BLOCK_LEN);
  // The last block as it was, to put back if the write itself then fails (a write past what
  // the file system takes answers FBIG only once the padding is done).
  uint8_t old_last[LFENC_CIPHER_BLOCK_LEN];
  size_t old_last_len = 0;
  if (last_len != 0 && span.first_block > last_block) {
    ReadRes orr;
    Status st = lower()->Read(ictx, fh, BlockCipherOffset(last_block),
                              {old_last, last_len + LFENC_BLOCK_OVERHEAD}, &orr);
    if (!st.ok()) return st;
    old_last_len = orr.count;
    size_t sealed = 0;
    st = SealPatchedBlock(ictx, fh, file_id, last_block, last_len, LFENC_PLAIN_BLOCK_LEN, 0, {},
                          cipher.data(), &sealed);
    WriteRes wr;
    if (st.ok()) {
      st = lower()->Write(ctx, fh, BlockCipherOffset(last_block), cipher.first(sealed), stable,
                          &wr);
    }
    if (st.ok() && wr.count != sealed) st = Nfsstat3::kIo;
    if (!st.ok()) return st;
    old_size = (last_block + 1) * LFENC_PLAIN_BLOCK_LEN;
  }

  // Seal every block the write touches into one contiguous run of ciphertext, behind the
  // header when a new file starts at block 0.
  size_t pos = 0;
  uint64_t at = BlockCipherOffset(span.first_block);
  if (header && span.first_block == 0) {
    std::memcpy(cipher.data(), header->data(), LFENC_HEADER_LEN);
    pos = LFENC_HEADER_LEN;
    at = 0;
    header.reset();
  }
  for (uint64_t b = span.first_block; b < span.first_block + span.block_count; ++b) {
    const uint64_t block_start = b * LFENC_PLAIN_BLOCK_LEN;
    const size_t from = static_cast<size_t>(std::max(offset, block_start) - block_start);
    const size_t to =
        static_cast<size_t>(std::min(end, block_start + LFENC_PLAIN_BLOCK_LEN) - block_start);
    const size_t old_len = block_start < old_size
                               ? static_cast<size_t>(std::min<uint64_t>(
                                     old_size - block_start, LFENC_PLAIN_BLOCK_LEN))
                               : 0;
    const std::span<const uint8_t> patch = data.subspan(block_start + from - offset, to - from);
    size_t sealed = 0;
    Status st = SealPatchedBlock(ictx, fh, file_id, b, old_len, std::max(old_len, to), from,
                                 patch, cipher.data() + pos, &sealed);
    if (!st.ok()) return st;
    pos += sealed;
  }
  if (header) {  // a new file written from a later block: the header goes first
    WriteRes hw;
    Status st = lower()->Write(ctx, fh, 0, *header, stable, &hw);
    if (st.ok() && hw.count != LFENC_HEADER_LEN) st = Nfsstat3::kIo;
    if (!st.ok()) return st;
  }
  WriteRes lower_res;
  Status st = lower()->Write(ctx, fh, at, cipher.first(pos), stable, &lower_res);
  // Only the lower layer's post-op attributes still hold a ciphertext size: wcc.before
  // already has the plaintext one.
  Wcc after_only;
  after_only.after = lower_res.wcc.after;
  ToPlainFileWcc(&after_only);
  res->wcc.after = after_only.after;
  if (!st.ok() && old_last_len != 0) {
    WriteRes undo;
    SetAttrArgs size;
    size.size = before.size;
    Wcc ignored;
    if (lower()->Write(ctx, fh, BlockCipherOffset(last_block), {old_last, old_last_len},
                       StableHow::kFileSync, &undo).ok()) {
      (void)lower()->SetAttr(ctx, fh, size, std::nullopt, &ignored);
    }
  }
  if (!st.ok()) return st;
  if (lower_res.count != pos) {
    spdlog::error("encrypt {}: short write to the ciphertext of fileid {} ({} of {} bytes)",
                  label(), before.fileid, lower_res.count, pos);
    return Nfsstat3::kIo;
  }
  res->count = static_cast<uint32_t>(data.size());
  res->committed = lower_res.committed;
  return Status::Ok();
}

Status EncryptLayer::Commit(const RequestContext& ctx, const NodeHandle& fh, uint64_t offset,
                            uint32_t count, CommitRes* res) {
  // Commit the whole file: plaintext ranges do not map onto ciphertext ranges one to one,
  // and the lower layer flushes a whole file anyway.
  (void)offset;
  (void)count;
  Status st = lower()->Commit(ctx, fh, 0, 0, res);
  ToPlainFileWcc(&res->wcc);
  return st;
}

Status EncryptLayer::SetAttr(const RequestContext& ctx, const NodeHandle& fh,
                             const SetAttrArgs& args, const std::optional<NfsTime>& guard_ctime,
                             Wcc* wcc) {
  if (!args.size) {
    Status st = lower()->SetAttr(ctx, fh, args, guard_ctime, wcc);
    if (wcc->after && wcc->after->type == FileType::kReg) ToPlainFileWcc(wcc);
    if (wcc->after && wcc->after->type == FileType::kLnk) ToPlainAttr(ctx, fh, &wcc->after);
    return st;
  }
  std::unique_lock lock(FileLock(fh));
  const RequestContext ictx = InternalContext(ctx);
  Attr before;
  if (Status st = lower()->GetAttr(ictx, fh, &before); !st.ok()) return st;
  if (before.type != FileType::kReg) return lower()->SetAttr(ctx, fh, args, guard_ctime, wcc);
  wcc->before = ToWccAttr(before);
  wcc->before->size = PlainSizeOf(before.size);
  auto fill_after = [&] {
    Attr after;
    if (lower()->GetAttr(ictx, fh, &after).ok()) {
      after.size = PlainSizeOf(after.size);
      wcc->after = after;
    }
  };
  if (guard_ctime && !(before.ctime == *guard_ctime)) {
    fill_after();
    return Nfsstat3::kNotSync;
  }
  Status st = Truncate(ctx, fh, *args.size, before);
  SetAttrArgs rest = args;
  rest.size.reset();
  const bool more = rest.mode || rest.uid || rest.gid || rest.atime.how != TimeHow::kDontChange ||
                    rest.mtime.how != TimeHow::kDontChange;
  if (st.ok() && more) {
    Wcc ignored;
    st = lower()->SetAttr(ctx, fh, rest, std::nullopt, &ignored);
  }
  fill_after();
  return st;
}

// Sets the plaintext size of a regular file.  The lower layer checks the caller's right to
// change the file on the first change made, before anything is altered.
Status EncryptLayer::Truncate(const RequestContext& ctx, const NodeHandle& fh, uint64_t new_size,
                              const Attr& before) {
  const RequestContext ictx = InternalContext(ctx);
  auto set_cipher_size = [&](uint64_t cipher_size) {
    SetAttrArgs a;
    a.size = cipher_size;
    Wcc ignored;
    return lower()->SetAttr(ctx, fh, a, std::nullopt, &ignored);
  };
  auto write_at = [&](uint64_t at, std::span<const uint8_t> bytes) {
    WriteRes wr;
    Status st = lower()->Write(ctx, fh, at, bytes, StableHow::kFileSync, &wr);
    return st.ok() && wr.count != bytes.size() ? Status(Nfsstat3::kIo) : st;
  };
  uint64_t old_size = 0;
  const bool sane = lfenc_plain_size(before.size, &old_size) == LFENC_OK;
  if (new_size == 0) return set_cipher_size(0);
  if (!sane) {
    spdlog::error("encrypt {}: file (fileid {}) has an impossible ciphertext size {}; only "
                  "truncation to 0 is possible",
                  label(), before.fileid, before.size);
    return Nfsstat3::kIo;
  }
  uint64_t new_cipher = 0;
  if (lfenc_cipher_size(new_size, &new_cipher) != LFENC_OK) return Nfsstat3::kFbig;
  if (new_size == old_size) return set_cipher_size(before.size);  // times change, as locally

  uint8_t file_id[LFENC_FILE_ID_LEN];
  std::optional<std::array<uint8_t, LFENC_HEADER_LEN>> header;
  if (Status st = FileIdForWrite(ictx, fh, before.size, file_id, &header); !st.ok()) return st;
  if (header) {
    if (Status st = write_at(0, *header); !st.ok()) return st;
  }
  uint8_t sealed[LFENC_CIPHER_BLOCK_LEN];
  size_t sealed_len = 0;
  const uint64_t new_last = lfenc_block_no(new_size - 1);
  const size_t new_last_len = static_cast<size_t>(new_size - new_last * LFENC_PLAIN_BLOCK_LEN);

  if (new_size < old_size) {
    // Shrinking: re-seal the new last block at its new length, then cut the file after it.
    if (new_last_len < LFENC_PLAIN_BLOCK_LEN) {
      const size_t old_len = static_cast<size_t>(std::min<uint64_t>(
          old_size - new_last * LFENC_PLAIN_BLOCK_LEN, LFENC_PLAIN_BLOCK_LEN));
      Status st = SealPatchedBlock(ictx, fh, file_id, new_last, old_len, new_last_len,
                                   new_last_len, {}, sealed, &sealed_len);
      if (st.ok()) st = write_at(BlockCipherOffset(new_last), {sealed, sealed_len});
      if (!st.ok()) return st;
    }
    return set_cipher_size(new_cipher);
  }

  // Growing: complete a partial last block, then make the new last block exist; whole
  // blocks in between are holes.
  const uint64_t old_last = old_size == 0 ? 0 : lfenc_block_no(old_size - 1);
  const size_t old_last_len = static_cast<size_t>(old_size - old_last * LFENC_PLAIN_BLOCK_LEN);
  // The old last block as it was, to put back if growing further fails (FBIG from the file
  // system comes only once the old last block is complete).
  uint8_t old_block[LFENC_CIPHER_BLOCK_LEN];
  size_t old_block_len = 0;
  if (old_size > 0 && old_last_len < LFENC_PLAIN_BLOCK_LEN) {
    const size_t grown = old_last == new_last ? new_last_len : LFENC_PLAIN_BLOCK_LEN;
    ReadRes orr;
    Status st = lower()->Read(ictx, fh, BlockCipherOffset(old_last),
                              {old_block, old_last_len + LFENC_BLOCK_OVERHEAD}, &orr);
    old_block_len = orr.count;
    if (st.ok()) {
      st = SealPatchedBlock(ictx, fh, file_id, old_last, old_last_len, grown, grown, {}, sealed,
                            &sealed_len);
    }
    if (st.ok()) st = write_at(BlockCipherOffset(old_last), {sealed, sealed_len});
    if (!st.ok() || old_last == new_last) return st;
  }
  auto undo_on_failure = [&](Status st) {
    if (!st.ok() && old_block_len != 0 &&
        write_at(BlockCipherOffset(old_last), {old_block, old_block_len}).ok()) {
      (void)set_cipher_size(before.size);
    }
    return st;
  };
  if (new_last_len == LFENC_PLAIN_BLOCK_LEN) {  // a hole
    return undo_on_failure(set_cipher_size(new_cipher));
  }
  Status st = SealPatchedBlock(ictx, fh, file_id, new_last, 0, new_last_len, 0, {}, sealed,
                               &sealed_len);
  if (st.ok()) st = write_at(BlockCipherOffset(new_last), {sealed, sealed_len});
  return undo_on_failure(st);
}

Status EncryptLayer::FsInfo(const RequestContext& ctx, const NodeHandle& fh, FsInfoRes* res) {
  Status st = lower()->FsInfo(ctx, fh, res);
  // The largest plaintext whose ciphertext still fits below the lower layer's limit.
  const uint64_t cipher_max = res->maxfilesize;
  res->maxfilesize = cipher_max <= LFENC_HEADER_LEN
                         ? 0
                         : (cipher_max - LFENC_HEADER_LEN) / LFENC_CIPHER_BLOCK_LEN *
                               LFENC_PLAIN_BLOCK_LEN;
  ToPlainAttr(ctx, fh, &res->attr);
  return st;
}

}  // namespace loopfs::encrypt
