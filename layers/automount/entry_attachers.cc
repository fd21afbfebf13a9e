#include "layers/automount/entry_attachers.h"

#include <fmt/format.h>

#include "layers/encrypt/encrypt_layer.h"
#include "layers/posix/posix_layer.h"

namespace loopfs::automount {

namespace {

std::unique_ptr<Layer> OpenPosix(const MapEntry& entry, Status* status, std::string* error) {
  LayerParams params("posix", {{"root", entry.path}}, entry.origin);
  std::string why;
  std::unique_ptr<Layer> layer = posix::PosixLayerFactory()(params, nullptr, &why);
  if (!layer) {
    *status = Nfsstat3::kIo;
    *error = fmt::format("{} ({}): {}", entry.path, entry.origin, why);
  }
  return layer;
}

}  // namespace

EntryAttacher PosixAttacher() { return OpenPosix; }

EntryAttacher EncryptAttacher() {
  return [](const MapEntry& entry, Status* status, std::string* error) -> std::unique_ptr<Layer> {
    if (!entry.passfile && !entry.extpass) {
      *status = Nfsstat3::kAcces;
      *error = fmt::format("the vault {} has no key: add passfile= or extpass= to its entry ({})",
                           entry.path, entry.origin);
      return nullptr;
    }
    std::unique_ptr<Layer> lower = OpenPosix(entry, status, error);
    if (!lower) return nullptr;
    std::map<std::string, std::string> values;
    if (entry.passfile) values["passfile"] = *entry.passfile;
    if (entry.extpass) values["extpass"] = *entry.extpass;
    LayerParams params("encrypt", std::move(values), entry.origin);
    std::string why;
    std::unique_ptr<Layer> layer = encrypt::EncryptLayerFactory()(params, std::move(lower), &why);
    if (!layer) {
      *status = Nfsstat3::kIo;
      *error = fmt::format("vault {} ({}): {}", entry.path, entry.origin, why);
    }
    return layer;
  };
}

EntryAttacher UnsupportedAttacher() {
  return [](const MapEntry& entry, Status* status, std::string* error) -> std::unique_ptr<Layer> {
    *status = Nfsstat3::kNotsupp;
    *error = fmt::format("entry type \"{}\" ({}) is not supported by this loopfsd yet",
                         FsTypeName(entry.fstype), entry.origin);
    return nullptr;
  };
}

AttacherTable BaseAttachers() {
  return {
      {FsType::kPosix, PosixAttacher()},
      {FsType::kEncrypt, EncryptAttacher()},
      {FsType::kArchive, UnsupportedAttacher()},
      {FsType::kNfs, UnsupportedAttacher()},
  };
}

}  // namespace loopfs::automount
