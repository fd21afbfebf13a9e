#include "nfsd/export_options.h"

#include <fmt/format.h>

#include <charconv>

namespace loopfs::nfsd {
namespace {

bool ParseId(std::string_view word, std::string_view value, uint32_t* out, std::string* error) {
  uint32_t v = 0;
  auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
  if (value.empty() || ec != std::errc() || ptr != value.data() + value.size()) {
    *error = fmt::format("export option '{}': expected a number from 0 to 4294967295", word);
    return false;
  }
  *out = v;
  return true;
}

}  // namespace

bool ApplyExportOption(std::string_view word, ExportOptions* options, std::string* error) {
  if (word == "ro") {
    options->read_only = true;
  } else if (word == "rw") {
    options->read_only = false;
  } else if (word == "root_squash") {
    options->root_squash = true;
  } else if (word == "no_root_squash") {
    options->root_squash = false;
  } else if (word == "all_squash") {
    options->all_squash = true;
  } else if (word == "no_all_squash") {
    options->all_squash = false;
  } else if (word == "insecure") {
    options->insecure = true;
  } else if (word == "secure") {
    options->insecure = false;
  } else if (word.starts_with("anonuid=")) {
    return ParseId(word, word.substr(8), &options->anonuid, error);
  } else if (word.starts_with("anongid=")) {
    return ParseId(word, word.substr(8), &options->anongid, error);
  } else {
    *error = fmt::format(
        "unknown export option '{}' (known: ro, rw, root_squash, no_root_squash, all_squash, "
        "no_all_squash, anonuid=N, anongid=N, insecure, secure)",
        word);
    return false;
  }
  return true;
}

bool ParseExportOptions(const std::vector<std::string>& words, ExportOptions* options,
                        std::string* error) {
  for (const std::string& item : words) {
    std::string_view rest = item;
    while (true) {
      size_t comma = rest.find(',');
      std::string_view word = rest.substr(0, comma);
      if (word.empty()) {
        *error = fmt::format("empty export option in '{}'", item);
        return false;
      }
      if (!ApplyExportOption(word, options, error)) return false;
      if (comma == std::string_view::npos) break;
      rest = rest.substr(comma + 1);
    }
  }
  return true;
}

std::string FormatExportOptions(const ExportOptions& o) {
  return fmt::format("{},{},{}anonuid={},anongid={},{}", o.read_only ? "ro" : "rw",
                     o.root_squash ? "root_squash" : "no_root_squash",
                     o.all_squash ? "all_squash," : "", o.anonuid, o.anongid,
                     o.insecure ? "insecure" : "secure");
}

}  // namespace loopfs::nfsd
