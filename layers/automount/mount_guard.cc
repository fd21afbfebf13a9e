#include "layers/automount/mount_guard.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <deque>
#include <fstream>
#include <sstream>
#include <system_error>

namespace loopfs::automount {
namespace {

std::vector<std::string_view> SplitFields(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t pos = 0;
  while (pos < line.size()) {
    size_t space = line.find(' ', pos);
    if (space == std::string_view::npos) space = line.size();
    if (space > pos) fields.push_back(line.substr(pos, space - pos));
    pos = space + 1;
  }
  return fields;
}

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string DecodeOctal(std::string_view field) {
  std::string out;
  for (size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\\' && i + 3 < field.size()) {
      bool octal = true;
      int value = 0;
      for (size_t k = 1; k <= 3; ++k) {
        if (i + k >= field.size() || field[i + k] < '0' || field[i + k] > '7') {
          octal = false;
          break;
        }
        value = value * 8 + (field[i + k] - '0');
      }
      if (octal) {
        out.push_back(static_cast<char>(value));
        i += 3;
        continue;
      }
    }
    out.push_back(field[i]);
  }
  return out;
}

bool IsLoopbackHost(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host == "localhost" || host == "localhost6" || host == "ip6-localhost") return true;
  std::string text(host);
  in_addr v4{};
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, text.c_str(), &v6) == 1) {
    return IN6_IS_ADDR_LOOPBACK(&v6) || (IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127);
  }
  return false;
}

// "host:/path" -> host; "[::1]:/path" and "::1:/path" -> ::1.
std::string_view SourceHost(std::string_view source) {
  if (source.starts_with('[')) {
    size_t close = source.find(']');
    return close == std::string_view::npos ? std::string_view() : source.substr(0, close + 1);
  }
  size_t sep = source.find(":/");
  return sep == std::string_view::npos ? std::string_view() : source.substr(0, sep);
}

bool HasLoopbackAddrOption(std::string_view options) {
  size_t pos = 0;
  while (pos < options.size()) {
    size_t comma = options.find(',', pos);
    if (comma == std::string_view::npos) comma = options.size();
    std::string_view option = options.substr(pos, comma - pos);
    if (option.starts_with("addr=") && IsLoopbackHost(option.substr(5))) return true;
    pos = comma + 1;
  }
  return false;
}

bool AtOrUnder(std::string_view path, std::string_view mount) {
  if (mount == "/") return true;
  return path.starts_with(mount) && (path.size() == mount.size() || path[mount.size()] == '/');
}

}  // namespace

std::vector<std::string> LoopbackNfsMountPoints(std::string_view mountinfo) {
  std::vector<std::string> points;
  size_t pos = 0;
  while (pos < mountinfo.size()) {
    size_t eol = mountinfo.find('\n', pos);
    if (eol == std::string_view::npos) eol = mountinfo.size();
    std::vector<std::string_view> fields = SplitFields(mountinfo.substr(pos, eol - pos));
    pos = eol + 1;
    // id parent major:minor root mount-point options [optional...] - fstype source superopts
    size_t dash = 6;
    while (dash < fields.size() && fields[dash] != "-") ++dash;
    if (dash + 2 >= fields.size()) continue;  // malformed: no "- fstype source" part
    std::string_view fstype = fields[dash + 1];
    std::string_view source = fields[dash + 2];
    std::string_view super = dash + 3 < fields.size() ? fields[dash + 3] : std::string_view();
    if (fstype != "nfs" && fstype != "nfs4") continue;
    if (IsLoopbackHost(SourceHost(source)) || HasLoopbackAddrOption(super)) {
      points.push_back(DecodeOctal(fields[4]));
    }
  }
  return points;
}

std::vector<std::string> ReadLoopbackNfsMountPoints() {
  std::ifstream in("/proc/self/mountinfo");
  if (!in) return {};
  std::stringstream text;
  text << in.rdbuf();
  return LoopbackNfsMountPoints(text.str());
}

PathCheck ResolveOutsideMounts(std::string_view path, const std::vector<std::string>& mount_points,
                               std::string* resolved, std::string* error) {
  constexpr int kMaxSymlinks = 40;  // as the kernel's path walk
  if (path.empty() || path.find('\0') != std::string_view::npos) {
    *error = "empty map path or one with a NUL byte";
    return PathCheck::kError;
  }
  auto refused = [&](const std::string& where) {
    for (const std::string& mount : mount_points) {
      if (AtOrUnder(where, mount)) {
        *error = fmt::format(
            "{} lies under the loopfs mount {} (reading it would loop back "
            "into loopfsd): move the map off loopfs",
            path, mount);
        return true;
      }
    }
    return false;
  };

  std::string start;
  if (!path.starts_with('/')) {
    char cwd[4096];
    if (getcwd(cwd, sizeof cwd) == nullptr) {
      *error = fmt::format("{}: cannot resolve a relative path: {}", path,
                           std::generic_category().message(errno));
      return PathCheck::kError;
    }
    start = cwd;
  }
  // Components still to walk, front first.
  std::deque<std::string> pending;
  auto push_front_components = [&pending](std::string_view text) {
    std::vector<std::string> parts;
    size_t pos = 0;
    while (pos <= text.size()) {
      size_t slash = text.find('/', pos);
      if (slash == std::string_view::npos) slash = text.size();
      if (slash > pos) parts.emplace_back(text.substr(pos, slash - pos));
      pos = slash + 1;
    }
    pending.insert(pending.begin(), parts.begin(), parts.end());
  };
  push_front_components(path);
  std::string current = "/";
  if (!start.empty()) {
    // The working directory is already free of symlinks (getcwd), but may lie on loopfs.
    current = start;
  }
  if (refused(current)) return PathCheck::kUnderMount;
  int links = 0;
  while (!pending.empty()) {
    std::string part = std::move(pending.front());
    pending.pop_front();
    if (part == ".") continue;
    if (part == "..") {
      size_t slash = current.rfind('/');
      current.resize(slash == 0 ? 1 : slash);
      continue;
    }
    std::string next = current;
    if (next != "/") next += '/';
    next += part;
    if (refused(next)) return PathCheck::kUnderMount;
    struct stat st {};
    if (lstat(next.c_str(), &st) != 0) {
      *error = fmt::format("{}: {}: {}", path, next, std::generic_category().message(errno));
      return PathCheck::kError;
    }
    if (S_ISLNK(st.st_mode)) {
      if (++links > kMaxSymlinks) {
        *error = fmt::format("{}: too many symbolic links (ELOOP)", path);
        return PathCheck::kLoop;
      }
      char target[4096];
      ssize_t n = readlink(next.c_str(), target, sizeof target);
      if (n < 0 || static_cast<size_t>(n) >= sizeof target) {
        *error = fmt::format("{}: cannot read symbolic link {}", path, next);
        return PathCheck::kError;
      }
      std::string_view link(target, static_cast<size_t>(n));
      if (link.starts_with('/')) current = "/";
      push_front_components(link);
      continue;
    }
    if (!pending.empty() && !S_ISDIR(st.st_mode)) {
      *error = fmt::format("{}: {} is not a directory", path, next);
      return PathCheck::kError;
    }
    current = std::move(next);
  }
  *resolved = std::move(current);
  return PathCheck::kOk;
}

}  // namespace loopfs::automount
