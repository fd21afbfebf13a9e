// READDIR and READDIRPLUS through the encrypt layer: the lower layer's listing with names
// decrypted, the vault's own files hidden, and plaintext sizes.  Cookies, verifiers and
// fileids are the lower layer's, so a listing resumes exactly where the client left it.
#include <spdlog/spdlog.h>

#include "layers/encrypt/core/name_codec.h"
#include "layers/encrypt/encrypt_layer.h"

namespace loopfs::encrypt {
namespace {

// The vault's bookkeeping files: directory IVs, .name side files, the config and loopfs's
// own side files, and an IV moved aside by an RMDIR in progress.  None is a valid
// encrypted name (they contain '.', which base64url never does).
bool IsBookkeeping(std::string_view disk_name) {
  switch (lfenc_name_kind_of(disk_name.data(), disk_name.size())) {
    case LFENC_NAME_DIRIV:
    case LFENC_NAME_CONF:
    case LFENC_NAME_LONG_NAMEFILE:
      return true;
    case LFENC_NAME_LONG:
      return false;
    case LFENC_NAME_ENCRYPTED:
      break;
  }
  return disk_name.starts_with("gocryptfs.") || disk_name.starts_with("loopfs.");
}

class PlainNameSink final : public DirSink {
 public:
  PlainNameSink(EncryptLayer* layer, const RequestContext& ctx, const NodeHandle& dir,
                const std::array<uint8_t, 16>& iv, DirSink* out)
      : layer_(layer), ctx_(ctx), dir_(dir), iv_(iv), out_(out) {}

  bool Add(const DirEntry& entry) override {
    if (entry.name == "." || entry.name == "..") return out_->Add(entry);
    if (IsBookkeeping(entry.name)) return true;
    DirEntry plain = entry;
    if (!layer_->DecryptName(ctx_, dir_, iv_, entry.name, &name_).ok()) {
      spdlog::warn("encrypt {}: skipping directory entry {:?} (fileid {}): its name does not "
                   "decrypt",
                   layer_->label(), entry.name, entry.fileid);
      return true;
    }
    plain.name = name_;
    if (plain.attr && plain.handle) layer_->ToPlainAttr(ctx_, *plain.handle, &plain.attr);
    return out_->Add(plain);
  }

 private:
  EncryptLayer* layer_;
  const RequestContext& ctx_;
  const NodeHandle& dir_;
  const std::array<uint8_t, 16>& iv_;
  DirSink* out_;
  std::string name_;
};

}  // namespace

Status EncryptLayer::ReadDir(const RequestContext& ctx, const NodeHandle& dir, uint64_t cookie,
                             const CookieVerifier& verf, bool plus, DirSink& sink,
                             ReadDirRes* res) {
  std::array<uint8_t, 16> iv;
  Status st = DirIv(ctx, dir, &iv);
  if (!st.ok()) {
    // Not a directory, or gone: let the lower layer answer with its attributes.
    if (st == Nfsstat3::kIo) return st;
    return lower()->ReadDir(ctx, dir, cookie, verf, plus, sink, res);
  }
  PlainNameSink plain(this, ctx, dir, iv, &sink);
  return lower()->ReadDir(ctx, dir, cookie, verf, plus, plain, res);
}

}  // namespace loopfs::encrypt
