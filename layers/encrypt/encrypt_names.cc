// The encrypt layer's names: directory IVs, encrypting and decrypting entry names, long-name
// side files, and the namespace operations that only translate names (LOOKUP, CREATE, MKDIR,
// SYMLINK, MKNOD, REMOVE, RMDIR, RENAME, LINK).
#include <spdlog/spdlog.h>

#include <cstring>

#include "layers/encrypt/core/base64.h"
#include "layers/encrypt/core/block_codec.h"
#include "layers/encrypt/core/name_codec.h"
#include "layers/encrypt/core/status.h"
#include "layers/encrypt/encrypt_layer.h"
#include "layers/encrypt/symlink_codec.h"

namespace loopfs::encrypt {
namespace {

constexpr std::string_view kDirIvName = LFENC_DIRIV_NAME;
constexpr uint32_t kDirIvMode = 0440;  // as gocryptfs creates it
constexpr uint32_t kNameFileMode = 0400;

bool IsDotOrDotDot(std::string_view name) { return name == "." || name == ".."; }

}  // namespace

RequestContext InternalContext(const RequestContext& ctx) {
  RequestContext internal = ctx;
  internal.cred = Credentials{};
  internal.read_only = false;  // reads only; changes always use the caller's context
  return internal;
}

Status EncryptLayer::ReadSmallFile(const RequestContext& ctx, const NodeHandle& fh, size_t max,
                                   std::string* out) {
  out->assign(max + 1, '\0');
  size_t got = 0;
  for (;;) {
    ReadRes rr;
    auto* dst = reinterpret_cast<uint8_t*>(out->data()) + got;
    Status st = lower()->Read(ctx, fh, got, {dst, out->size() - got}, &rr);
    if (!st.ok()) return st;
    got += rr.count;
    if (rr.eof || rr.count == 0 || got == out->size()) break;
  }
  if (got > max) return Nfsstat3::kIo;  // larger than any valid one
  out->resize(got);
  return Status::Ok();
}

Status EncryptLayer::DirIv(const RequestContext& ctx, const NodeHandle& dir,
                           std::array<uint8_t, 16>* iv) {
  if (auto cached = dir_ivs_.Find(dir)) {
    *iv = *cached;
    return Status::Ok();
  }
  const RequestContext ictx = InternalContext(ctx);
  LookupRes lr;
  Status st = lower()->Lookup(ictx, dir, kDirIvName, &lr);
  if (st == Nfsstat3::kNotdir || st == Nfsstat3::kStale) return st;
  std::string content;
  if (st.ok()) st = ReadSmallFile(ictx, lr.handle, LFENC_DIRIV_LEN, &content);
  if (!st.ok() || content.size() != LFENC_DIRIV_LEN) {
    spdlog::error("encrypt {}: a directory (fileid {}) has no valid {}; its entries cannot be "
                  "named (run `loopfs encrypt fsck`)",
                  label(), lr.dir_attr ? lr.dir_attr->fileid : 0, kDirIvName);
    return Nfsstat3::kIo;
  }
  auto value = std::make_shared<std::array<uint8_t, 16>>();
  std::memcpy(value->data(), content.data(), LFENC_DIRIV_LEN);
  *iv = *value;
  dir_ivs_.Insert(dir, std::move(value));
  return Status::Ok();
}

Status EncryptLayer::EncryptName(const RequestContext& ctx, const NodeHandle& dir,
                                 std::string_view name, StoredName* stored) {
  std::array<uint8_t, 16> iv;
  if (Status st = DirIv(ctx, dir, &iv); !st.ok()) return st;
  char buf[LFENC_ENCRYPTED_NAME_MAX + 1];
  size_t len = 0;
  if (lfenc_name_encrypt(&OpenSslCrypto(), keys().names->handle(), iv.data(), name.data(),
                         name.size(), buf, sizeof buf, &len) != LFENC_OK) {
    return Nfsstat3::kInval;  // not a valid name; nfsd has already refused most
  }
  stored->long_content.clear();
  if (!lfenc_name_needs_longname(len)) {
    stored->disk_name.assign(buf, len);
    return Status::Ok();
  }
  char longname[LFENC_LONGNAME_LEN + 1];
  if (lfenc_longname_of(&OpenSslCrypto(), buf, len, longname) != LFENC_OK) {
    return Nfsstat3::kServerfault;
  }
  stored->disk_name.assign(longname, LFENC_LONGNAME_LEN);
  stored->long_content.assign(buf, len);
  return Status::Ok();
}

Status EncryptLayer::DecryptName(const RequestContext& ctx, const NodeHandle& dir,
                                 const std::array<uint8_t, 16>& iv, std::string_view disk_name,
                                 std::string* plain) {
  std::string long_content;
  std::string_view stored = disk_name;
  if (lfenc_name_kind_of(disk_name.data(), disk_name.size()) == LFENC_NAME_LONG) {
    const RequestContext ictx = InternalContext(ctx);
    LookupRes lr;
    const std::string name_file = std::string(disk_name) + LFENC_LONGNAME_SUFFIX;
    Status st = lower()->Lookup(ictx, dir, name_file, &lr);
    if (st.ok()) st = ReadSmallFile(ictx, lr.handle, LFENC_ENCRYPTED_NAME_MAX, &long_content);
    char check[LFENC_LONGNAME_LEN + 1];
    if (!st.ok() ||
        lfenc_longname_of(&OpenSslCrypto(), long_content.data(), long_content.size(), check) !=
            LFENC_OK ||
        disk_name != std::string_view(check, LFENC_LONGNAME_LEN)) {
      return Nfsstat3::kIo;
    }
    stored = long_content;
  }
  char buf[LFENC_NAME_MAX + 1];
  size_t len = 0;
  if (lfenc_name_decrypt(&OpenSslCrypto(), keys().names->handle(), iv.data(), stored.data(),
                         stored.size(), buf, sizeof buf, &len) != LFENC_OK) {
    return Nfsstat3::kIo;
  }
  plain->assign(buf, len);
  return Status::Ok();
}

Status EncryptLayer::WriteLongNameFile(const RequestContext& ctx, const NodeHandle& dir,
                                       const StoredName& stored, bool* created) {
  *created = false;
  if (!stored.is_long()) return Status::Ok();
  const std::string name_file = stored.disk_name + LFENC_LONGNAME_SUFFIX;
  SetAttrArgs mode;
  mode.mode = kNameFileMode;
  CreateRes cr;
  Status st = lower()->Create(ctx, dir, name_file, CreateMode::kGuarded, mode, {}, &cr);
  if (st == Nfsstat3::kExist) return Status::Ok();  // same name, so the same content
  if (!st.ok()) return st;
  *created = true;
  WriteRes wr;
  const auto* bytes = reinterpret_cast<const uint8_t*>(stored.long_content.data());
  st = lower()->Write(ctx, *cr.handle, 0, {bytes, stored.long_content.size()},
                      StableHow::kFileSync, &wr);
  if (st.ok() && wr.count != stored.long_content.size()) st = Nfsstat3::kIo;
  if (!st.ok()) {
    RemoveLongNameFile(ctx, dir, stored);
    *created = false;
  }
  return st;
}

void EncryptLayer::RemoveLongNameFile(const RequestContext& ctx, const NodeHandle& dir,
                                      const StoredName& stored) {
  if (!stored.is_long()) return;
  RemoveRes rr;
  // Failure leaves an orphan side file: harmless, and fsck reports it.
  (void)lower()->Remove(ctx, dir, stored.disk_name + LFENC_LONGNAME_SUFFIX, &rr);
}

template <typename MakeEntry>
Status EncryptLayer::WithNewName(const RequestContext& ctx, const NodeHandle& dir,
                                 std::string_view name, MakeEntry make_entry) {
  StoredName stored;
  if (Status st = EncryptName(ctx, dir, name, &stored); !st.ok()) return st;
  bool name_file_created = false;
  if (Status st = WriteLongNameFile(ctx, dir, stored, &name_file_created); !st.ok()) return st;
  Status st = make_entry(stored);
  if (!st.ok() && name_file_created) RemoveLongNameFile(ctx, dir, stored);
  return st;
}

Status EncryptLayer::Lookup(const RequestContext& ctx, const NodeHandle& dir,
                            std::string_view name, LookupRes* res) {
  Status st;
  if (IsDotOrDotDot(name)) {
    st = lower()->Lookup(ctx, dir, name, res);
  } else {
    StoredName stored;
    st = EncryptName(ctx, dir, name, &stored);
    if (!st.ok()) return st;
    st = lower()->Lookup(ctx, dir, stored.disk_name, res);
  }
  if (st.ok()) ToPlainAttr(ctx, res->handle, &res->attr);
  return st;
}

Status EncryptLayer::Create(const RequestContext& ctx, const NodeHandle& dir,
                            std::string_view name, CreateMode mode, const SetAttrArgs& args,
                            const CreateVerifier& verf, CreateRes* res) {
  // A size other than zero needs the header and blocks the lower layer knows nothing of.
  SetAttrArgs lower_args = args;
  std::optional<uint64_t> grow_to;
  if (lower_args.size && *lower_args.size != 0) {
    grow_to = lower_args.size;
    lower_args.size.reset();
  }
  Status st = WithNewName(ctx, dir, name, [&](const StoredName& stored) {
    return lower()->Create(ctx, dir, stored.disk_name, mode, lower_args, verf, res);
  });
  if (!st.ok()) return st;
  if (grow_to && res->handle) {
    SetAttrArgs size_only;
    size_only.size = grow_to;
    Wcc wcc;
    st = SetAttr(ctx, *res->handle, size_only, std::nullopt, &wcc);
    res->attr = wcc.after;
    return st;
  }
  if (res->handle) ToPlainAttr(ctx, *res->handle, &res->attr);
  return st;
}

Status EncryptLayer::InitNewDirectory(const RequestContext& ctx, const NodeHandle& parent,
                                      const StoredName& stored, const NodeHandle& dir) {
  auto iv = std::make_shared<std::array<uint8_t, 16>>();
  if (!RandomBytes(*iv)) return Nfsstat3::kServerfault;
  SetAttrArgs mode;
  mode.mode = kDirIvMode;
  CreateRes cr;
  Status st = lower()->Create(ctx, dir, kDirIvName, CreateMode::kGuarded, mode, {}, &cr);
  WriteRes wr;
  if (st.ok()) st = lower()->Write(ctx, *cr.handle, 0, *iv, StableHow::kFileSync, &wr);
  if (st.ok() && wr.count != iv->size()) st = Nfsstat3::kIo;
  if (!st.ok()) {
    spdlog::warn("encrypt {}: cannot create {} in a new directory ({}); removing it", label(),
                 kDirIvName, StatusName(st));
    RemoveRes rr;
    (void)lower()->Remove(ctx, dir, kDirIvName, &rr);
    (void)lower()->RmDir(ctx, parent, stored.disk_name, &rr);
    return st;
  }
  dir_ivs_.Insert(dir, std::move(iv));
  return Status::Ok();
}

Status EncryptLayer::MkDir(const RequestContext& ctx, const NodeHandle& dir, std::string_view name,
                           const SetAttrArgs& args, CreateRes* res) {
  // The directory must be writable by its creator until its IV is in it (mkdir -m 0555).
  SetAttrArgs lower_args = args;
  const uint32_t wanted_mode = args.mode.value_or(0777);
  lower_args.mode = wanted_mode | 0700;
  Status st = WithNewName(ctx, dir, name, [&](const StoredName& stored) {
    Status made = lower()->MkDir(ctx, dir, stored.disk_name, lower_args, res);
    if (made.ok() && !res->handle) made = Nfsstat3::kServerfault;
    if (made.ok()) made = InitNewDirectory(ctx, dir, stored, *res->handle);
    return made;
  });
  if (!st.ok()) return st;
  if (lower_args.mode != wanted_mode) {
    SetAttrArgs restore;
    restore.mode = wanted_mode;
    Wcc wcc;
    if (lower()->SetAttr(ctx, *res->handle, restore, std::nullopt, &wcc).ok()) {
      res->attr = wcc.after;
    }
  }
  // The parent's post-op attributes predate the IV's creation in the child; they are the
  // parent's all the same.
  return Status::Ok();
}

Status EncryptLayer::SymLink(const RequestContext& ctx, const NodeHandle& dir,
                             std::string_view name, std::string_view target,
                             const SetAttrArgs& args, CreateRes* res) {
  std::string stored_target;
  if (!EncryptSymlinkTarget(keys(), target, &stored_target)) return Nfsstat3::kNametoolong;
  Status st = WithNewName(ctx, dir, name, [&](const StoredName& stored) {
    return lower()->SymLink(ctx, dir, stored.disk_name, stored_target, args, res);
  });
  if (st.ok() && res->attr) res->attr->size = target.size();
  return st;
}

Status EncryptLayer::MkNod(const RequestContext& ctx, const NodeHandle& dir, std::string_view name,
                           FileType type, const SetAttrArgs& args, uint32_t rdev_major,
                           uint32_t rdev_minor, CreateRes* res) {
  return WithNewName(ctx, dir, name, [&](const StoredName& stored) {
    return lower()->MkNod(ctx, dir, stored.disk_name, type, args, rdev_major, rdev_minor, res);
  });
}

Status EncryptLayer::Remove(const RequestContext& ctx, const NodeHandle& dir,
                            std::string_view name, RemoveRes* res) {
  StoredName stored;
  if (Status st = EncryptName(ctx, dir, name, &stored); !st.ok()) return st;
  Status st = lower()->Remove(ctx, dir, stored.disk_name, res);
  if (st.ok()) RemoveLongNameFile(ctx, dir, stored);
  return st;
}

namespace {

// Counts a directory's entries other than ".", ".." and its IV.
class OtherEntriesSink final : public DirSink {
 public:
  bool Add(const DirEntry& e) override {
    if (e.name != "." && e.name != ".." && e.name != kDirIvName) ++others;
    return others == 0;  // one is enough to know
  }
  size_t others = 0;
};

}  // namespace

Status EncryptLayer::RmDir(const RequestContext& ctx, const NodeHandle& dir, std::string_view name,
                           RemoveRes* res) {
  if (IsDotOrDotDot(name)) return lower()->RmDir(ctx, dir, name, res);
  StoredName stored;
  if (Status st = EncryptName(ctx, dir, name, &stored); !st.ok()) return st;
  const RequestContext ictx = InternalContext(ctx);
  LookupRes child;
  Status st = lower()->Lookup(ictx, dir, stored.disk_name, &child);
  if (!st.ok() || !child.attr || child.attr->type != FileType::kDir) {
    // Not there, or not a directory: the lower layer gives the right error.
    return lower()->RmDir(ctx, dir, stored.disk_name, res);
  }
  OtherEntriesSink others;
  ReadDirRes rdr;
  st = lower()->ReadDir(ictx, child.handle, 0, {}, false, others, &rdr);
  // Not empty: the lower RMDIR fails too (the IV is still inside), with the error a plain
  // export gives, permission checked first (a caller who may not remove it learns nothing).
  if (st.ok() && others.others > 0) return lower()->RmDir(ctx, dir, stored.disk_name, res);
  // Move the IV aside rather than deleting it, so a failed RMDIR (permissions, a file
  // created meanwhile) can put it back and leave the directory usable.
  std::array<uint8_t, 8> tag{};
  (void)RandomBytes(tag);
  std::string aside = std::string(kDirIvName) + ".rmdir.";
  for (uint8_t b : tag) aside += fmt::format("{:02x}", b);
  RenameRes rr;
  const bool moved = lower()->Rename(ictx, child.handle, kDirIvName, dir, aside, &rr).ok();
  st = lower()->RmDir(ctx, dir, stored.disk_name, res);
  RemoveRes ignored;
  if (!st.ok()) {
    if (moved) (void)lower()->Rename(ictx, dir, aside, child.handle, kDirIvName, &rr);
    return st;
  }
  if (moved) (void)lower()->Remove(ictx, dir, aside, &ignored);
  dir_ivs_.Erase(child.handle);
  RemoveLongNameFile(ctx, dir, stored);
  // The parent changed again after RMDIR (the IV went); report its final attributes.
  Attr after;
  if (lower()->GetAttr(ictx, dir, &after).ok()) res->dir_wcc.after = after;
  return Status::Ok();
}

Status EncryptLayer::Rename(const RequestContext& ctx, const NodeHandle& from_dir,
                            std::string_view from_name, const NodeHandle& to_dir,
                            std::string_view to_name, RenameRes* res) {
  if (IsDotOrDotDot(from_name) || IsDotOrDotDot(to_name)) {
    return lower()->Rename(ctx, from_dir, from_name, to_dir, to_name, res);
  }
  StoredName from;
  StoredName to;
  if (Status st = EncryptName(ctx, from_dir, from_name, &from); !st.ok()) return st;
  if (Status st = EncryptName(ctx, to_dir, to_name, &to); !st.ok()) return st;
  bool name_file_created = false;
  if (Status st = WriteLongNameFile(ctx, to_dir, to, &name_file_created); !st.ok()) return st;
  Status st = lower()->Rename(ctx, from_dir, from.disk_name, to_dir, to.disk_name, res);
  if (st.code() == Nfsstat3::kNotempty) {
    // Every directory of a vault holds its IV, so a target directory that is empty in
    // plaintext is not empty below.  As gocryptfs does: remove the target (RMDIR knows about
    // the IV, checks the caller's rights and refuses a really non-empty one) and try once
    // more.  A long target name's side file goes with it, so it is written again.
    RemoveRes removed;
    if (RmDir(ctx, to_dir, to_name, &removed).ok() &&
        WriteLongNameFile(ctx, to_dir, to, &name_file_created).ok()) {
      st = lower()->Rename(ctx, from_dir, from.disk_name, to_dir, to.disk_name, res);
    }
  }
  if (!st.ok()) {
    if (name_file_created) RemoveLongNameFile(ctx, to_dir, to);
    return st;
  }
  const bool same_entry = from_dir == to_dir && from.disk_name == to.disk_name;
  if (!same_entry && from.is_long()) {
    // Renaming one hard link of a file onto another does nothing (POSIX): the source name
    // is still there and keeps its side file.
    LookupRes still;
    if (!lower()->Lookup(InternalContext(ctx), from_dir, from.disk_name, &still).ok()) {
      RemoveLongNameFile(ctx, from_dir, from);
    }
  }
  return st;
}

Status EncryptLayer::Link(const RequestContext& ctx, const NodeHandle& fh, const NodeHandle& dir,
                          std::string_view name, LinkRes* res) {
  Status st = WithNewName(ctx, dir, name, [&](const StoredName& stored) {
    return lower()->Link(ctx, fh, dir, stored.disk_name, res);
  });
  if (st.ok()) ToPlainAttr(ctx, fh, &res->attr);
  return st;
}

}  // namespace loopfs::encrypt
