// MapEntry: one automount map entry after parsing and substitution, i.e. what the automount
// layer needs to attach a key.  Produced by MapSource::Lookup (layers/automount/map_source.h);
// every field is already checked, so the layer only acts on it.
//
// The map format itself is described in man/loopfs-automount.5.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace loopfs::automount {

// What backs an entry (-fstype=).
enum class FsType {
  kPosix,    // a local directory
  kEncrypt,  // a gocryptfs-format vault in a local directory
  kArchive,  // a tar/zip/iso file, always read-only
  kNfs,      // a remote NFSv3 export, proxied
  kAuto,     // a nested map
};

// "posix", "encrypt", ... for logs, status output and tests.
std::string_view FsTypeName(FsType type);

// One NFS location: replica servers that all export the same path ("s1,s2:/export").
// Hosts are names, IPv4 addresses or IPv6 addresses (written "[::1]" in maps, stored
// without brackets).
struct NfsLocation {
  std::vector<std::string> hosts;
  std::string path;  // absolute

  bool operator==(const NfsLocation&) const = default;
};

struct MapEntry {
  std::string key;  // the key looked up (for a wildcard entry: the caller's key)
  FsType fstype = FsType::kPosix;
  bool read_only = false;  // always true for kArchive

  // kPosix, kEncrypt, kArchive: the absolute local path (directory, vault or archive file).
  // kAuto: the absolute path of the nested map.
  std::string path;

  // kNfs: one or more locations, in map order; each has one or more replica hosts.
  std::vector<NfsLocation> nfs_locations;

  // kEncrypt: where the vault's passphrase comes from; at most one is set.  Neither set means
  // the vault has no key and its entry answers EACCES.
  std::optional<std::string> passfile;  // absolute path of a file holding the passphrase
  std::optional<std::string> extpass;   // a command line that prints the passphrase

  // kNfs: transport tuning, unset = the proxy's defaults.
  std::optional<uint16_t> port;     // 1..65535
  std::optional<uint32_t> timeo;    // deciseconds, 1..6000 (as nfs(5))
  std::optional<uint32_t> retrans;  // 0..255

  // Every other -o option, by lower-case name; a bare flag ("noatime") has an empty value.
  // The layer decides which it understands; unknown ones are for it to warn about.
  std::map<std::string, std::string, std::less<>> other_options;

  // Where the entry was defined, "FILE:LINE" (program maps: "PROGRAM[key]:1"), for logs and
  // `loopfs automount status`.
  std::string origin;
};

}  // namespace loopfs::automount
