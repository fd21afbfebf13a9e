// Per-export options, with the names and defaults of exports(5).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace loopfs::nfsd {

struct ExportOptions {
  bool read_only = false;
  // Map uid 0 / gid 0 to anonuid / anongid.  On by default, as with knfsd:
  // a client's root is not the server's root.
  bool root_squash = true;
  // Map every uid and gid to anonuid / anongid.
  bool all_squash = false;
  uint32_t anonuid = 65534;
  uint32_t anongid = 65534;
  // Accept calls from source ports >= 1024.  Off by default: on a reserved
  // port only root can have sent the AUTH_SYS credentials.
  bool insecure = false;

  bool operator==(const ExportOptions&) const = default;
};

// Applies one option word ("ro", "rw", "root_squash", "no_root_squash",
// "all_squash", "no_all_squash", "anonuid=N", "anongid=N", "insecure",
// "secure").  Returns false and sets *error on an unknown or malformed word.
bool ApplyExportOption(std::string_view word, ExportOptions* options, std::string* error);

// Applies a list of words, later words overriding earlier ones; also accepts
// comma-separated words ("ro,no_root_squash") as exports(5) writes them.
bool ParseExportOptions(const std::vector<std::string>& words, ExportOptions* options,
                        std::string* error);

// The canonical words, e.g. "rw,root_squash,anonuid=65534,anongid=65534,secure".
std::string FormatExportOptions(const ExportOptions& options);

}  // namespace loopfs::nfsd
