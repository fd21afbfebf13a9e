// Replacing a small file so that a crash leaves either the old or the new content, never a
// mix: how gocryptfs.conf and loopfs.keys are written.
#pragma once

#include <string>
#include <string_view>

namespace loopfs::encrypt {

// Writes `content` to dir/name with `mode`: a temporary file in dir (name + ".tmp-XXXXXX"),
// fsync, rename over dir/name, fsync of dir.  With `exclusive`, fails if dir/name exists
// (rename would replace it; link is used instead).  False with *error on failure, leaving
// dir/name as it was.
bool WriteFileAtomically(const std::string& dir, std::string_view name, std::string_view content,
                         int mode, bool exclusive, std::string* error);

// Reads a whole regular file of at most max_bytes.  False with *error otherwise; *missing is
// set when the file does not exist (so callers can treat absence differently).
bool ReadSmallFile(const std::string& path, size_t max_bytes, std::string* out, bool* missing,
                   std::string* error);

}  // namespace loopfs::encrypt
