// How each entry type (-fstype=) becomes a layer stack: a small table from FsType to a
// function, so a new type (archive, nfs) is one more row.  The automount layer adds the row
// for kAuto (a nested automount layer) itself, since it needs the enclosing layer's settings.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "layers/automount/map_entry.h"
#include "layers/layer.h"

namespace loopfs::automount {

// Builds the stack for `entry`.  On failure: nullptr, *status (what calls into the entry
// answer while it is down) and *error (for the log and `loopfs automount status`).
using EntryAttacher = std::function<std::unique_ptr<Layer>(const MapEntry& entry, Status* status,
                                                           std::string* error)>;
using AttacherTable = std::map<FsType, EntryAttacher>;

// posix: the posix layer with root = the entry's path.
EntryAttacher PosixAttacher();
// encrypt: the encrypt layer over posix, unlocked with the entry's passfile= or extpass=.
// Without either the vault has no key: NFS3ERR_ACCES.
EntryAttacher EncryptAttacher();
// A type not implemented yet: NFS3ERR_NOTSUPP, and a log line saying so.
EntryAttacher UnsupportedAttacher();

// posix, encrypt, and archive and nfs as unsupported.
AttacherTable BaseAttachers();

}  // namespace loopfs::automount
