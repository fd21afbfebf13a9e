#include "nfsd/names.h"

namespace loopfs::nfsd {

Status CheckName(std::string_view name, NameUse use) {
  if (name.empty()) return Nfsstat3::kAcces;
  if (name.size() > kMaxNameLength) return Nfsstat3::kNametoolong;
  if (name.find_first_of(std::string_view("/\0", 2)) != std::string_view::npos) {
    return Nfsstat3::kAcces;
  }
  if (name == "." || name == "..") {
    switch (use) {
      case NameUse::kLookup:
        return Status::Ok();
      case NameUse::kCreate:
        return Nfsstat3::kExist;
      case NameUse::kRemove:
        return Nfsstat3::kAcces;
      case NameUse::kRename:
        return Nfsstat3::kPerm;
    }
  }
  return Status::Ok();
}

}  // namespace loopfs::nfsd
