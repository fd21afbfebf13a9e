#include "nfsd/daemon/attach_commands.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <algorithm>

#include "layers/encrypt/encrypt_layer.h"
#include "nfsd/export_options.h"

namespace loopfs::daemon {
namespace {

using nlohmann::json;

json Failure(std::string message) { return {{"ok", false}, {"error", std::move(message)}}; }

// The request's string field, or nullptr if it is missing or not a string.
const std::string* StringField(const json& request, const char* name) {
  auto it = request.find(name);
  return it != request.end() && it->is_string() ? &it->get_ref<const std::string&>() : nullptr;
}

// Overwrites the passphrase in the parsed request (the caller's json is about to go away;
// this keeps the bytes from lingering in freed memory).
void WipeField(const json& request, const char* name) {
  if (const std::string* s = StringField(request, name)) {
    auto& bytes = const_cast<std::string&>(*s);
    std::fill(bytes.begin(), bytes.end(), '\0');
  }
}

json Attach(RuntimeExports* exports, const json& request) {
  struct WipeOnReturn {
    const json& request;
    ~WipeOnReturn() { WipeField(request, "passphrase"); }
  } wipe{request};
  const std::string* cipherdir = StringField(request, "cipherdir");
  const std::string* path = StringField(request, "export");
  const std::string* passphrase = StringField(request, "passphrase");
  if (cipherdir == nullptr || path == nullptr || passphrase == nullptr) {
    return Failure("attach needs \"cipherdir\", \"export\" and \"passphrase\" strings");
  }
  struct stat st;
  if (cipherdir->empty() || (*cipherdir)[0] != '/' || stat(cipherdir->c_str(), &st) != 0 ||
      !S_ISDIR(st.st_mode)) {
    return Failure(fmt::format("{}: not an absolute path of a directory", *cipherdir));
  }
  std::vector<std::string> words;
  if (auto it = request.find("options"); it != request.end()) {
    if (!it->is_array()) return Failure("\"options\" must be a list of export options");
    for (const json& w : *it) {
      if (!w.is_string()) return Failure("\"options\" must be a list of export options");
      words.push_back(w.get<std::string>());
    }
  }
  nfsd::ExportOptions options;
  std::string error;
  if (!nfsd::ParseExportOptions(words, &options, &error)) return Failure(error);

  const std::string origin = fmt::format("attach {} {}", *cipherdir, *path);
  const LayerParams posix("posix", {{"root", *cipherdir}}, origin);
  std::unique_ptr<Layer> stack = LayerRegistry::Global().BuildStack({posix}, &error);
  if (stack) stack = encrypt::MakeEncryptLayer(std::move(stack), *passphrase, origin, &error);
  if (!stack) return Failure(fmt::format("{}: {}", *cipherdir, error));
  if (!exports->Attach(*path, options, std::move(stack),
                       {LayerParams("encrypt", {}, origin), posix}, origin, &error)) {
    return Failure(error);
  }
  spdlog::info("attached vault {} as export {}", *cipherdir, *path);
  return {{"ok", true}, {"export", *path}, {"id", nfsd::ExportIdFromPath(*path)}};
}

json Detach(RuntimeExports* exports, const json& request) {
  const std::string* path = StringField(request, "export");
  if (path == nullptr) return Failure("detach needs an \"export\" string");
  std::string error;
  if (!exports->Detach(*path, &error)) return Failure(error);
  spdlog::info("detached export {}; its keys are wiped when its last call finishes", *path);
  return {{"ok", true}, {"export", *path}};
}

}  // namespace

void RegisterAttachCommands(ControlServer& control, RuntimeExports* exports) {
  control.Register("attach", [exports](const json& r) { return Attach(exports, r); });
  control.Register("detach", [exports](const json& r) { return Detach(exports, r); });
}

}  // namespace loopfs::daemon
