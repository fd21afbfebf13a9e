#include "layers/automount/map_parser.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <utility>

namespace loopfs::automount {

std::string_view FsTypeName(FsType type) {
  switch (type) {
    case FsType::kPosix:
      return "posix";
    case FsType::kEncrypt:
      return "encrypt";
    case FsType::kArchive:
      return "archive";
    case FsType::kNfs:
      return "nfs";
    case FsType::kAuto:
      return "auto";
  }
  return "?";
}

namespace {

char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return AsciiLower(x) == AsciiLower(y);
         });
}

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

// A token as the tokenizer leaves it: its characters, and for each whether it was escaped or
// quoted (then it is never special: no '&', '$', ',', '=', '-' or '+' meaning).
struct Token {
  std::string text;
  std::vector<uint8_t> literal;

  void Add(char c, bool is_literal) {
    text.push_back(c);
    literal.push_back(is_literal ? 1 : 0);
  }
  bool SpecialAt(size_t i, char c) const { return i < text.size() && text[i] == c && !literal[i]; }
};

// Splits one logical line into tokens.  '#' at the start of a token begins a comment.
bool Tokenize(std::string_view line, std::vector<Token>* tokens, std::string* error) {
  size_t i = 0;
  const size_t n = line.size();
  while (true) {
    while (i < n && IsBlank(line[i])) ++i;
    if (i >= n || line[i] == '#') return true;
    Token token;
    while (i < n && !IsBlank(line[i])) {
      const char c = line[i];
      if (c == '\\') {
        if (i + 1 >= n) {
          *error = "backslash at the end of the map: nothing to escape or continue";
          return false;
        }
        token.Add(line[i + 1], true);
        i += 2;
      } else if (c == '"') {
        ++i;
        while (i < n && line[i] != '"') {
          if (line[i] == '\\' && i + 1 < n && (line[i + 1] == '"' || line[i + 1] == '\\')) ++i;
          token.Add(line[i], true);
          ++i;
        }
        if (i >= n) {
          *error = "unterminated double quote: expected a closing '\"' on the same entry";
          return false;
        }
        ++i;
      } else {
        token.Add(c, false);
        ++i;
      }
    }
    tokens->push_back(std::move(token));
  }
}

constexpr std::array<std::pair<std::string_view, Template::Variable>, 7> kVariables = {{
    {"key", Template::Variable::kKey},
    {"uid", Template::Variable::kUid},
    {"gid", Template::Variable::kGid},
    {"user", Template::Variable::kUser},
    {"group", Template::Variable::kGroup},
    {"host", Template::Variable::kHost},
    {"home", Template::Variable::kHome},
}};

bool IsNameStart(char c) { return (AsciiLower(c) >= 'a' && AsciiLower(c) <= 'z') || c == '_'; }
bool IsNameChar(char c) { return IsNameStart(c) || (c >= '0' && c <= '9'); }

// Builds a Template from token characters [begin, end).
bool MakeTemplate(const Token& token, size_t begin, size_t end, Template* out, std::string* error) {
  std::vector<Template::Part> parts;
  auto literal = [&parts](char c) {
    if (parts.empty() || parts.back().is_variable) parts.emplace_back();
    parts.back().text.push_back(c);
  };
  auto variable = [&parts](Template::Variable v) {
    Template::Part part;
    part.is_variable = true;
    part.variable = v;
    parts.push_back(std::move(part));
  };
  for (size_t i = begin; i < end; ++i) {
    if (token.SpecialAt(i, '&')) {
      variable(Template::Variable::kKey);
    } else if (token.SpecialAt(i, '$')) {
      std::string name;
      if (token.SpecialAt(i + 1, '{')) {
        size_t close = i + 2;
        while (close < end && !token.SpecialAt(close, '}')) ++close;
        if (close >= end) {
          *error = "unterminated '${': expected '}' after the variable name";
          return false;
        }
        name = token.text.substr(i + 2, close - i - 2);
        i = close;
      } else if (i + 1 < end && !token.literal[i + 1] && IsNameStart(token.text[i + 1])) {
        size_t stop = i + 1;
        while (stop < end && !token.literal[stop] && IsNameChar(token.text[stop])) ++stop;
        name = token.text.substr(i + 1, stop - i - 1);
        i = stop - 1;
      } else {
        *error = "'$' must start a variable such as ${key}; write \\$ for a literal dollar sign";
        return false;
      }
      const auto* found = std::find_if(kVariables.begin(), kVariables.end(), [&](const auto& v) {
        return EqualsIgnoreCase(v.first, name);
      });
      if (found == kVariables.end()) {
        *error = fmt::format(
            "unknown variable '${{{}}}': expected key, uid, gid, user, group, host or home "
            "(write \\$ for a literal dollar sign)",
            name.size() > 64 ? name.substr(0, 64) + "..." : name);
        return false;
      }
      variable(found->second);
    } else {
      literal(token.text[i]);
    }
  }
  *out = Template(std::move(parts));
  return true;
}

bool IsOptionNameChar(char c) { return IsNameChar(c) || c == '-' || c == '.'; }

// Parses "-opt,opt=value,..." (the leading '-' already checked) and appends to *options.
bool ParseOptionToken(const Token& token, bool from_defaults, std::vector<RawOption>* options,
                      std::string* error) {
  const size_t n = token.text.size();
  if (n == 1) {
    *error = "empty option list: expected options after '-', e.g. -fstype=nfs,ro";
    return false;
  }
  size_t start = 1;
  while (start <= n) {
    size_t stop = start;
    while (stop < n && !token.SpecialAt(stop, ',')) ++stop;
    if (stop == start) {
      *error = "empty option: expected a name between commas, e.g. -fstype=nfs,ro";
      return false;
    }
    size_t eq = start;
    while (eq < stop && !token.SpecialAt(eq, '=')) ++eq;
    RawOption option;
    option.from_defaults = from_defaults;
    for (size_t i = start; i < eq; ++i) {
      if (token.literal[i] || !IsOptionNameChar(token.text[i])) {
        *error = fmt::format(
            "bad option name '{}': expected letters, digits, '_', '-' or '.' before '='",
            token.text.substr(start, std::min<size_t>(eq - start, 64)));
        return false;
      }
      option.name.push_back(AsciiLower(token.text[i]));
    }
    if (option.name.empty()) {
      *error = "option without a name: expected name=value";
      return false;
    }
    if (eq < stop) {
      option.has_value = true;
      if (!MakeTemplate(token, eq + 1, stop, &option.value, error)) return false;
    }
    options->push_back(std::move(option));
    start = stop + 1;
  }
  return true;
}

// The body of an entry after its key: options, then locations.
bool ParseEntryBody(const std::vector<Token>& tokens, size_t first, RawEntry* entry,
                    std::string* error) {
  size_t i = first;
  for (; i < tokens.size() && tokens[i].SpecialAt(0, '-'); ++i) {
    if (!ParseOptionToken(tokens[i], false, &entry->options, error)) return false;
  }
  if (i >= tokens.size()) {
    *error = "expected a location after the options, e.g. :/srv/docs or server:/export";
    return false;
  }
  for (; i < tokens.size(); ++i) {
    if (tokens[i].SpecialAt(0, '-')) {
      *error = "options must come before the location: move this '-...' before it";
      return false;
    }
    Template location;
    if (!MakeTemplate(tokens[i], 0, tokens[i].text.size(), &location, error)) return false;
    entry->locations.push_back(std::move(location));
  }
  return true;
}

// Calls fn(logical_line, first_line_number) for each logical line: physical lines joined where
// one ends in an unescaped backslash (backslash and newline both removed, as in the shell).
// A line whose first non-blank character is '#' is a comment and never continues.
template <typename Fn>
void ForEachLogicalLine(std::string_view text, Fn fn) {
  std::string joined;
  int line_number = 0;
  int first_line = 0;
  bool continuing = false;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view physical = text.substr(pos, eol - pos);
    pos = eol + 1;
    ++line_number;
    if (!physical.empty() && physical.back() == '\r') physical.remove_suffix(1);
    if (!continuing) {
      joined.clear();
      first_line = line_number;
      size_t first_char = physical.find_first_not_of(" \t");
      if (first_char != std::string_view::npos && physical[first_char] == '#') continue;
    }
    size_t backslashes = 0;
    while (backslashes < physical.size() && physical[physical.size() - 1 - backslashes] == '\\') {
      ++backslashes;
    }
    if (backslashes % 2 == 1 && pos < text.size()) {
      joined.append(physical.substr(0, physical.size() - 1));
      continuing = true;
      continue;
    }
    joined.append(physical);
    continuing = false;
    fn(std::string_view(joined), first_line);
  }
  if (continuing) fn(std::string_view(joined), first_line);
}

bool ParseDigits(std::string_view text, uint64_t max, uint64_t* value) {
  if (text.empty() || text.size() > 10) return false;
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v > max) return false;
  *value = v;
  return true;
}

bool ValidHost(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  return std::all_of(host.begin(), host.end(), [](char c) {
    return IsNameChar(c) || c == '-' || c == '.' || c == ':' || c == '%';
  });
}

// "h1,h2,[::1]:/path" -> location.  Empty error = ok.
std::string ParseNfsLocation(std::string_view text, NfsLocation* location) {
  // The host part ends at the first ":/" outside brackets (an unbracketed IPv6 address then
  // gets a helpful error below), or failing that at the first ':'.
  size_t colon = std::string_view::npos;
  size_t first_colon = std::string_view::npos;
  int depth = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '[') ++depth;
    if (text[i] == ']') --depth;
    if (text[i] == ':' && depth == 0) {
      if (first_colon == std::string_view::npos) first_colon = i;
      if (i + 1 < text.size() && text[i + 1] == '/') {
        colon = i;
        break;
      }
    }
  }
  if (colon == std::string_view::npos) colon = first_colon;
  if (colon == std::string_view::npos || colon == 0) {
    return fmt::format("nfs location '{}' has no server: expected server:/export", text);
  }
  location->path = std::string(text.substr(colon + 1));
  if (location->path.empty() || location->path[0] != '/') {
    return fmt::format("nfs location '{}': expected an absolute export path after ':'", text);
  }
  std::string_view hosts = text.substr(0, colon);
  while (true) {
    size_t comma = hosts.find(',');
    std::string_view host = hosts.substr(0, comma);
    if (host.find('(') != std::string_view::npos) {
      return fmt::format("replica weights such as '{}' are not supported: list hosts as s1,s2",
                         host);
    }
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
      host = host.substr(1, host.size() - 2);
    } else if (host.find(':') != std::string_view::npos) {
      return fmt::format("IPv6 address '{}' must be written in brackets, e.g. [::1]:/export", host);
    }
    if (!ValidHost(host)) {
      return fmt::format(
          "bad server name '{}' in '{}': expected a host name, IPv4 or [IPv6] address", host, text);
    }
    location->hosts.emplace_back(host);
    if (comma == std::string_view::npos) break;
    hosts = hosts.substr(comma + 1);
  }
  return "";
}

// Refuses relative paths and ".." components in local paths: a substituted key can never
// contain '/', but a path that climbs out of what the map author wrote is never intended.
std::string LocalPathProblem(std::string_view path) {
  if (path.empty() || path[0] != '/') {
    return fmt::format("expected an absolute path, got '{}'", path);
  }
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t slash = path.find('/', pos);
    if (slash == std::string_view::npos) slash = path.size();
    if (path.substr(pos, slash - pos) == "..") {
      return fmt::format("path '{}' contains '..': write the path without it", path);
    }
    pos = slash + 1;
  }
  return "";
}

// What ResolveEntry learns from the options, with whether each came from the entry itself.
struct Options {
  std::optional<std::string> fstype;
  std::optional<bool> read_only;
  bool read_only_from_entry = false;
  std::optional<std::string> passfile, extpass;
  bool key_from_entry = false;
  std::optional<uint64_t> port, timeo, retrans;
  bool nfs_tuning_from_entry = false;
  std::map<std::string, std::string, std::less<>> other;
};

std::string ApplyOption(const RawOption& option, std::string_view value, Options* out) {
  const std::string& name = option.name;
  auto need_value = [&]() -> std::string {
    return option.has_value ? "" : fmt::format("option '{}' needs a value: {}=...", name, name);
  };
  if (name == "fstype") {
    if (auto e = need_value(); !e.empty()) return e;
    out->fstype = std::string(value);
  } else if (name == "ro" || name == "rw") {
    if (option.has_value) return fmt::format("option '{}' takes no value", name);
    out->read_only = (name == "ro");
    out->read_only_from_entry = !option.from_defaults;
  } else if (name == "passfile" || name == "extpass") {
    if (auto e = need_value(); !e.empty()) return e;
    if (value.empty()) return fmt::format("option '{}' has an empty value", name);
    (name == "passfile" ? out->passfile : out->extpass) = std::string(value);
    (name == "passfile" ? out->extpass : out->passfile).reset();
    out->key_from_entry = out->key_from_entry || !option.from_defaults;
  } else if (name == "port" || name == "timeo" || name == "retrans") {
    if (auto e = need_value(); !e.empty()) return e;
    uint64_t v = 0;
    const uint64_t min = name == "retrans" ? 0 : 1;
    const uint64_t max = name == "port" ? 65535 : name == "timeo" ? 6000 : 255;
    if (!ParseDigits(value, max, &v) || v < min) {
      return fmt::format("option {}={}: expected a number from {} to {}", name, value, min, max);
    }
    (name == "port" ? out->port : name == "timeo" ? out->timeo : out->retrans) = v;
    out->nfs_tuning_from_entry = out->nfs_tuning_from_entry || !option.from_defaults;
  } else {
    out->other[name] = std::string(value);
  }
  return "";
}

std::string ResolveProblem(const RawEntry& raw, std::string_view key, const LookupContext& context,
                           std::string_view map_dir, MapEntry* entry) {
  Options options;
  std::string value;
  std::string error;
  for (const RawOption& option : raw.options) {
    value.clear();
    if (!option.value.Expand(key, context, &value, &error)) {
      return fmt::format("option '{}': {}", option.name, error);
    }
    if (value.find('\0') != std::string::npos) {
      return fmt::format("option '{}' contains a NUL byte after substitution", option.name);
    }
    if (auto problem = ApplyOption(option, value, &options); !problem.empty()) return problem;
  }
  std::vector<std::string> locations;
  for (const Template& location : raw.locations) {
    value.clear();
    if (!location.Expand(key, context, &value, &error)) return "location: " + error;
    if (value.empty()) return "location is empty after substitution";
    if (value.find('\0') != std::string::npos) {
      return "location contains a NUL byte after substitution";
    }
    locations.push_back(value);
  }
  if (locations.empty()) return "expected a location";

  // Without -fstype=, "server:/path" is nfs (as in autofs) and a local path is posix.
  FsType type = FsType::kPosix;
  if (options.fstype) {
    const std::string& t = *options.fstype;
    if (t == "posix") {
      type = FsType::kPosix;
    } else if (t == "encrypt") {
      type = FsType::kEncrypt;
    } else if (t == "archive") {
      type = FsType::kArchive;
    } else if (t == "nfs" || t == "nfs3") {
      type = FsType::kNfs;
    } else if (t == "auto" || t == "autofs") {
      type = FsType::kAuto;
    } else {
      return fmt::format("unknown fstype '{}': expected posix, encrypt, archive, nfs or auto",
                         t.substr(0, 64));
    }
  } else {
    const std::string& first = locations.front();
    size_t colon = first.find(':');
    size_t slash = first.find('/');
    if (colon != std::string::npos && colon > 0 && (slash == std::string::npos || colon < slash)) {
      type = FsType::kNfs;
    }
  }

  MapEntry result;
  result.key = std::string(key);
  result.fstype = type;
  result.origin = raw.Origin();
  result.other_options = std::move(options.other);

  if (type == FsType::kNfs) {
    for (const std::string& text : locations) {
      NfsLocation location;
      if (auto problem = ParseNfsLocation(text, &location); !problem.empty()) return problem;
      result.nfs_locations.push_back(std::move(location));
    }
    result.port = options.port;
    if (options.timeo) result.timeo = static_cast<uint32_t>(*options.timeo);
    if (options.retrans) result.retrans = static_cast<uint32_t>(*options.retrans);
  } else {
    if (locations.size() > 1) {
      return fmt::format(
          "a {} entry takes one location, got {}: multi-mount offsets are not supported",
          FsTypeName(type), locations.size());
    }
    std::string path = locations.front();
    if (type == FsType::kAuto) {
      if (path.starts_with(':')) path.erase(0, 1);
      if (path.empty()) return "expected the path of the nested map";
      if (path[0] != '/') {
        if (map_dir.empty()) {
          return fmt::format("nested map '{}' must be an absolute path here", path);
        }
        path = std::string(map_dir) + (map_dir.ends_with('/') ? "" : "/") + path;
      }
    } else {
      if (path.starts_with(':')) {
        path.erase(0, 1);
      } else if (size_t colon = path.find(':');
                 colon != std::string::npos && colon < path.find('/')) {
        return fmt::format(
            "a {} entry takes a local path such as :/srv/docs, not '{}'; for a server's "
            "export use -fstype=nfs",
            FsTypeName(type), path);
      }
    }
    if (auto problem = LocalPathProblem(path); !problem.empty()) {
      return fmt::format("{} location: {}", FsTypeName(type), problem);
    }
    result.path = std::move(path);
  }
  if (type != FsType::kNfs && options.nfs_tuning_from_entry) {
    return fmt::format("port=, timeo= and retrans= are for nfs entries, not {}", FsTypeName(type));
  }

  if (type == FsType::kEncrypt) {
    result.passfile = options.passfile;
    result.extpass = options.extpass;
    if (result.passfile) {
      if (auto problem = LocalPathProblem(*result.passfile); !problem.empty()) {
        return "passfile: " + problem;
      }
    }
  } else if (options.key_from_entry) {
    return fmt::format("passfile= and extpass= are for encrypt entries, not {}", FsTypeName(type));
  }

  if (type == FsType::kArchive) {
    if (options.read_only == false && options.read_only_from_entry) {
      return "archive entries are read-only: drop 'rw'";
    }
    result.read_only = true;
  } else {
    result.read_only = options.read_only.value_or(false);
  }
  *entry = std::move(result);
  return "";
}

}  // namespace

bool IsIgnoredKey(std::string_view name) {
  return name.starts_with('.') || EqualsIgnoreCase(name, "autorun.inf") ||
         EqualsIgnoreCase(name, "desktop.ini");
}

std::string KeyProblem(std::string_view key) {
  if (key.empty()) return "empty key";
  if (key.size() > kMaxKeyBytes) {
    return fmt::format("key is {} bytes long: at most {} are allowed", key.size(), kMaxKeyBytes);
  }
  if (key == "." || key == "..") return fmt::format("'{}' cannot be a key", key);
  for (char c : key) {
    if (c == '/') return "a key cannot contain '/'";
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return "a key cannot contain control characters";
    }
  }
  if (IsIgnoredKey(key)) {
    return fmt::format(
        "'{}' is a name loopfs never looks up (dot-names, autorun.inf, Desktop.ini): rename "
        "the key",
        key);
  }
  return "";
}

bool Template::Expand(std::string_view key, const LookupContext& context, std::string* out,
                      std::string* error) const {
  const size_t start = out->size();
  for (const Part& part : parts_) {
    std::string number;
    std::string_view text = part.text;
    if (part.is_variable) {
      switch (part.variable) {
        case Variable::kKey:
          text = key;
          break;
        case Variable::kUid:
          number = std::to_string(context.uid);
          text = number;
          break;
        case Variable::kGid:
          number = std::to_string(context.gid);
          text = number;
          break;
        case Variable::kUser:
          text = context.user;
          break;
        case Variable::kGroup:
          text = context.group;
          break;
        case Variable::kHost:
          text = context.host;
          break;
        case Variable::kHome:
          text = context.home;
          break;
      }
    }
    if (out->size() - start + text.size() > kMaxExpandedBytes) {
      *error = fmt::format("longer than {} bytes after substitution", kMaxExpandedBytes);
      return false;
    }
    out->append(text);
  }
  return true;
}

ParsedMapFile ParseMapText(std::string_view text, std::string_view file) {
  ParsedMapFile parsed;
  size_t entries = 0;
  int defaults_line = 0;
  auto fail = [&](int line, std::string_view message) {
    parsed.errors.push_back(fmt::format("{}:{}: {}", file, line, message));
  };
  if (text.size() > kMaxMapFileBytes) {
    fail(1, fmt::format("map is {} bytes: at most {} are allowed", text.size(), kMaxMapFileBytes));
    return parsed;
  }
  ForEachLogicalLine(text, [&](std::string_view line, int line_number) {
    if (parsed.errors.size() > kMaxReportedErrors) return;
    if (line.find('\0') != std::string_view::npos) {
      fail(line_number, "NUL byte in the map: is this a binary file?");
      return;
    }
    std::vector<Token> tokens;
    std::string error;
    if (!Tokenize(line, &tokens, &error)) {
      fail(line_number, error);
      return;
    }
    if (tokens.empty()) return;
    const Token& first = tokens[0];
    const bool first_literal =
        std::none_of(first.literal.begin(), first.literal.end(), [](uint8_t l) { return l; });

    if (first.text == "/defaults" && first_literal) {
      if (defaults_line != 0) {
        fail(line_number, fmt::format("second /defaults line: the first is at line {}; merge them",
                                      defaults_line));
        return;
      }
      defaults_line = line_number;
      std::vector<RawOption> defaults;
      for (size_t i = 1; i < tokens.size(); ++i) {
        if (!tokens[i].SpecialAt(0, '-')) {
          fail(line_number, "/defaults takes only options (-name=value,...), no location");
          return;
        }
        if (!ParseOptionToken(tokens[i], true, &defaults, &error)) {
          fail(line_number, error);
          return;
        }
      }
      parsed.defaults = std::move(defaults);
      return;
    }

    if (first.SpecialAt(0, '+')) {
      IncludeLine include;
      include.file = std::string(file);
      include.line = line_number;
      size_t expected_tokens = 1;
      if (first.text == "+include" && first_literal) {
        expected_tokens = 2;
        if (tokens.size() >= 2) include.path = tokens[1].text;
      } else {
        include.path = first.text.substr(1);
      }
      if (include.path.empty() || tokens.size() != expected_tokens) {
        fail(line_number, "expected one map path after '+', e.g. +auto.local or +/etc/auto.x");
        return;
      }
      parsed.items.emplace_back(std::move(include));
      return;
    }

    if (++entries > kMaxMapEntries) {
      if (entries == kMaxMapEntries + 1) {
        fail(line_number, fmt::format("more than {} entries: split the map", kMaxMapEntries));
      }
      return;
    }
    RawEntry entry;
    entry.key = first.text;
    entry.file = std::string(file);
    entry.line = line_number;
    if (entry.key != "*") {
      if (auto problem = KeyProblem(entry.key); !problem.empty()) {
        fail(line_number, problem);
        return;
      }
    }
    if (tokens.size() == 1) {
      fail(line_number, "expected options or a location after the key");
      return;
    }
    if (!ParseEntryBody(tokens, 1, &entry, &error)) {
      fail(line_number, error);
      return;
    }
    parsed.items.emplace_back(std::move(entry));
  });
  if (parsed.errors.size() > kMaxReportedErrors) {
    parsed.errors.resize(kMaxReportedErrors);
    parsed.errors.push_back(fmt::format("{}: more errors not shown", file));
  }
  return parsed;
}

bool ParseProgramOutput(std::string_view text, std::string_view key, std::string_view source,
                        RawEntry* entry, std::string* error) {
  if (text.find('\0') != std::string_view::npos) {
    *error = fmt::format("{}:1: output contains a NUL byte: expected one map entry line", source);
    return false;
  }
  int lines = 0;
  bool ok = true;
  ForEachLogicalLine(text, [&](std::string_view line, int line_number) {
    if (!ok) return;
    std::vector<Token> tokens;
    std::string problem;
    if (!Tokenize(line, &tokens, &problem)) {
      *error = fmt::format("{}:{}: {}", source, line_number, problem);
      ok = false;
      return;
    }
    if (tokens.empty()) return;
    if (++lines > 1) {
      *error = fmt::format("{}:{}: more than one entry line: expected '[-options] location' once",
                           source, line_number);
      ok = false;
      return;
    }
    entry->key = std::string(key);
    entry->file = std::string(source);
    entry->line = line_number;
    if (!ParseEntryBody(tokens, 0, entry, &problem)) {
      *error = fmt::format("{}:{}: {}", source, line_number, problem);
      ok = false;
    }
  });
  if (ok && lines == 0) {
    *error = fmt::format("{}:1: empty output: expected '[-options] location'", source);
    return false;
  }
  return ok;
}

void ApplyDefaults(const std::vector<RawOption>& defaults, std::vector<RawEntry>* entries) {
  if (defaults.empty()) return;
  for (RawEntry& entry : *entries) {
    entry.options.insert(entry.options.begin(), defaults.begin(), defaults.end());
  }
}

bool ResolveEntry(const RawEntry& raw, std::string_view key, const LookupContext& context,
                  std::string_view map_dir, MapEntry* entry, std::string* error) {
  std::string problem = ResolveProblem(raw, key, context, map_dir, entry);
  if (problem.empty()) return true;
  *error = fmt::format("{}: {}", raw.Origin(), problem);
  return false;
}

bool ValidateEntry(const RawEntry& raw, std::string_view map_dir, std::string* error) {
  LookupContext probe;
  probe.user = "root";
  probe.group = "root";
  probe.host = "localhost";
  probe.home = "/root";
  MapEntry unused;
  return ResolveEntry(raw, raw.key == "*" ? "key" : raw.key, probe, map_dir, &unused, error);
}

}  // namespace loopfs::automount
