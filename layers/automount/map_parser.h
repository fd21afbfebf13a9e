// The automount map text format (autofs-like; the reference is man/loopfs-automount.5):
//
//   # comment                                 (a token starting with an unescaped '#')
//   /defaults -fstype=posix,ro                options for every entry of this map and the
//                                             maps it includes; entry options override
//   docs      -ro   :/srv/docs                key, options, location
//   vault     -fstype=encrypt,passfile=/etc/loopfs/vault.pass  /srv/vault
//   home      -fstype=nfs,timeo=50  nas1,nas2:/export/home backup:/export/home
//                                             (two locations; a line ending in a backslash
//                                             continues on the next)
//   *         -fstype=posix  /srv/projects/&  ('*' matches any other key; '&' is the key)
//   +auto.local                               include another map (relative to this one)
//
// Parsing is split from use: ParseMapText() turns one file's text into RawEntry values whose
// options and locations are Templates (text with ${variables} and '&' still in), and
// ResolveEntry() substitutes a lookup's key and context and checks the result.  Loading maps
// (includes, cycles, program maps) is map_loader.h's job.
//
// Nothing here throws or crashes on hostile input; every problem is an error string that
// starts with "FILE:LINE: ".
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "layers/automount/map_entry.h"

namespace loopfs::automount {

// Bounds that keep a hostile map from costing unbounded time or memory.
inline constexpr size_t kMaxMapFileBytes = 4 * 1024 * 1024;
inline constexpr size_t kMaxMapEntries = 100'000;
inline constexpr size_t kMaxKeyBytes = 255;
// Any one option value or location after substitution (PATH_MAX).
inline constexpr size_t kMaxExpandedBytes = 4096;
// At most this many errors are kept per load; the rest are counted in one last message.
inline constexpr size_t kMaxReportedErrors = 100;

// Names that never reach a map or a map program: lookups answer "not found" at once, and a
// map that defines one is invalid.  These are the names desktops, file managers, shells and
// other operating systems probe in every directory they show; looking them up in an automount
// directory would run map programs or mount storms for nothing.
//   - every name starting with '.': ".Trash", ".Trash-1000", ".xdg-volume-info", ".hidden",
//     ".directory", ".git", ".DS_Store", ...  autofs users expect dot-names to be private to
//     the automounter (its browse mode never shows them either), and no sane map key starts
//     with a dot;
//   - "autorun.inf" and "Desktop.ini" (Windows; compared case-insensitively, as Windows does).
bool IsIgnoredKey(std::string_view name);

// Empty if `key` can be a map key (and so a directory entry name): 1..255 bytes, no '/', no
// NUL or other control characters, not "." or "..", not an ignored name.  Else what is wrong.
std::string KeyProblem(std::string_view key);

// The values ${uid} ${gid} ${user} ${group} ${host} ${home} stand for: the credentials of the
// request that made the lookup, and this server's host name.
struct LookupContext {
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::string user;   // name of uid, or the number as text when it has none
  std::string group;  // name of gid, likewise
  std::string host;   // this machine's host name
  std::string home;   // home directory of uid, "/" when it has none
};

// Option values and locations as written: literal text, ${variables} and '&'.
class Template {
 public:
  enum class Variable { kKey, kUid, kGid, kUser, kGroup, kHost, kHome };
  struct Part {
    bool is_variable = false;
    Variable variable = Variable::kKey;
    std::string text;  // the literal text when !is_variable
  };

  Template() = default;
  explicit Template(std::vector<Part> parts) : parts_(std::move(parts)) {}

  // Appends the substituted text to *out.  False, with *error set, if the result would exceed
  // kMaxExpandedBytes.
  bool Expand(std::string_view key, const LookupContext& context, std::string* out,
              std::string* error) const;
  const std::vector<Part>& parts() const { return parts_; }

 private:
  std::vector<Part> parts_;
};

struct RawOption {
  std::string name;  // lower case
  bool has_value = false;
  Template value;
  bool from_defaults = false;  // set by a /defaults line, not by the entry itself
};

struct RawEntry {
  std::string key;                  // "*" for the wildcard
  std::vector<RawOption> options;   // defaults first, then the entry's own; later ones win
  std::vector<Template> locations;  // one or more
  std::string file;                 // where it was written, for error messages
  int line = 0;

  std::string Origin() const { return file + ":" + std::to_string(line); }
};

struct IncludeLine {
  std::string path;  // as written (may be relative)
  std::string file;
  int line = 0;
};

struct ParsedMapFile {
  // Entries and includes in file order: when keys repeat across includes, the first wins.
  std::vector<std::variant<RawEntry, IncludeLine>> items;
  std::vector<RawOption> defaults;  // from the /defaults line, marked from_defaults
  std::vector<std::string> errors;  // "FILE:LINE: ..." each; empty = the file is valid
};

// Parses one map file's text (syntax, keys, option names, variable names); `file` names it in
// errors.  The file's /defaults are *not* merged into its entries: the loader does that after
// includes, so that they reach included entries too, and then checks each entry with
// ValidateEntry().
ParsedMapFile ParseMapText(std::string_view text, std::string_view file);

// Parses what a program map prints for `key`: one entry without the key ("[-options]
// location..."), optionally continued with backslash-newline and ended by newlines.  `source`
// names the program in errors.
bool ParseProgramOutput(std::string_view text, std::string_view key, std::string_view source,
                        RawEntry* entry, std::string* error);

// Puts `defaults` in front of every entry's options (entry options, later, override).
void ApplyDefaults(const std::vector<RawOption>& defaults, std::vector<RawEntry>* entries);

// Substitutes `key` and `context` into `raw` and checks the result.  `map_dir` is the directory
// of the map that defined the entry, against which a relative nested-map path (-fstype=auto)
// is resolved; empty means relative paths are refused (program maps).  On failure returns
// false with *error = "FILE:LINE: what is wrong".
bool ResolveEntry(const RawEntry& raw, std::string_view key, const LookupContext& context,
                  std::string_view map_dir, MapEntry* entry, std::string* error);

// Checks an entry at load time by resolving it with a representative context (key = the
// entry's key, or "key" for the wildcard; uid/gid 0, user/group "root", host "localhost",
// home "/root").  Entries whose validity depends on the actual values can still fail at
// lookup; that is reported then.
bool ValidateEntry(const RawEntry& raw, std::string_view map_dir, std::string* error);

}  // namespace loopfs::automount
