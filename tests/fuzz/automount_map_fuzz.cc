// Hostile automount maps (man/loopfs-automount.5).  Invariants: nothing crashes, hangs or
// throws; every error names FILE:LINE; an entry that validates resolves for any valid key to
// bounded strings; program output goes through the same parser; mountinfo parsing of the same
// bytes yields absolute-looking mount points only from lines that say nfs.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>

#include "layers/automount/map_parser.h"
#include "layers/automount/mount_guard.h"

using loopfs::automount::IsIgnoredKey;
using loopfs::automount::KeyProblem;
using loopfs::automount::kMaxExpandedBytes;
using loopfs::automount::LookupContext;
using loopfs::automount::MapEntry;
using loopfs::automount::ParsedMapFile;
using loopfs::automount::RawEntry;

namespace {

void CheckEntry(const RawEntry& raw) {
  std::string error;
  if (!loopfs::automount::ValidateEntry(raw, "/etc/loopfs", &error)) {
    if (!error.starts_with("fuzz.map:")) abort();
    return;
  }
  LookupContext context;
  context.uid = 4294967295u;
  context.gid = 0;
  context.user = "u$&{key}";
  context.group = "g";
  context.host = "h";
  context.home = "/h";
  for (std::string_view key : {"k", "proj-1", "&", "$key"}) {
    std::string_view lookup = raw.key == "*" ? key : std::string_view(raw.key);
    MapEntry entry;
    if (!loopfs::automount::ResolveEntry(raw, lookup, context, "/etc/loopfs", &entry, &error)) {
      if (!error.starts_with("fuzz.map:")) abort();
      continue;
    }
    if (entry.key != lookup || entry.path.size() > 2 * kMaxExpandedBytes) abort();
    if (!KeyProblem(entry.key).empty() || IsIgnoredKey(entry.key)) abort();
    for (const auto& location : entry.nfs_locations) {
      if (location.hosts.empty() || !location.path.starts_with('/')) abort();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  ParsedMapFile parsed = loopfs::automount::ParseMapText(text, "fuzz.map");
  for (const std::string& error : parsed.errors) {
    if (!error.starts_with("fuzz.map:")) abort();
  }
  if (parsed.errors.size() > loopfs::automount::kMaxReportedErrors + 1) abort();
  std::vector<RawEntry> entries;
  for (auto& item : parsed.items) {
    if (auto* entry = std::get_if<RawEntry>(&item)) {
      if (entry->key != "*" && !KeyProblem(entry->key).empty()) abort();
      entries.push_back(std::move(*entry));
    }
  }
  loopfs::automount::ApplyDefaults(parsed.defaults, &entries);
  for (const RawEntry& entry : entries) CheckEntry(entry);

  RawEntry program_entry;
  std::string error;
  if (loopfs::automount::ParseProgramOutput(text, "k", "fuzz.map", &program_entry, &error)) {
    CheckEntry(program_entry);
  } else if (!error.starts_with("fuzz.map:")) {
    abort();
  }

  for (const std::string& point : loopfs::automount::LoopbackNfsMountPoints(text)) {
    if (text.find("nfs") == std::string_view::npos || point.size() > size) abort();
  }
  return 0;
}
