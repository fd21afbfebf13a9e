#include "layers/encrypt/tools/encrypt_commands.h"

#include <sys/prctl.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <optional>
#include <string>

#include "layers/encrypt/fsck.h"
#include "layers/encrypt/keyring.h"
#include "layers/encrypt/passphrase.h"
#include "layers/encrypt/tools/vault_init.h"

namespace loopfs::encrypt {

struct EncryptCommands::Options {
  CLI::App* encrypt = nullptr;
  CLI::App* init = nullptr;
  CLI::App* passwd = nullptr;
  CLI::App* fsck = nullptr;
  std::string dir;
  PassphraseSource source;
  PassphraseSource new_source;
  int scrypt_log_n = 0;  // 0: the default of the command
  std::string add_label;
  std::string remove_label;
  bool list = false;
  bool progress = false;
};

namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;
constexpr int kDefaultScryptLogN = 16;  // gocryptfs's default cost

// A passphrase that is wiped when it goes out of scope.
class Passphrase {
 public:
  Passphrase() = default;
  ~Passphrase() { WipeString(text_); }
  Passphrase(const Passphrase&) = delete;
  Passphrase& operator=(const Passphrase&) = delete;
  std::string* get() { return &text_; }
  std::string_view view() const { return text_; }

 private:
  std::string text_;
};

int Error(const std::string& message, int status) {
  fprintf(stderr, "loopfs encrypt: %s\n", message.c_str());
  return status;
}

void AddSourceOptions(CLI::App* cmd, PassphraseSource* src, const std::string& prefix,
                      const std::string& what) {
  auto* file = cmd->add_option("--" + prefix + "passfile", src->passfile,
                               "Read the " + what + " from the first line of this file");
  auto* ext = cmd->add_option(
      "--" + prefix + "extpass", src->extpass,
      "Run this shell command and read the " + what + " from its first line of output");
  file->excludes(ext);
}

// The existing passphrase (to unlock): from the source, or asked for once.
bool ReadExisting(const PassphraseSource& src, Passphrase* out, std::string* error) {
  if (src.passfile.empty() && src.extpass.empty()) {
    return PromptPassphrase("Password: ", out->get(), error);
  }
  return ReadPassphrase(src, out->get(), error);
}

// A new passphrase: from the source, or asked for twice on the terminal.
bool ReadNew(const PassphraseSource& src, Passphrase* out, std::string* error) {
  if (!src.passfile.empty() || !src.extpass.empty()) {
    return ReadPassphrase(src, out->get(), error);
  }
  Passphrase again;
  if (!PromptPassphrase("New password: ", out->get(), error) ||
      !PromptPassphrase("Repeat: ", again.get(), error)) {
    return false;
  }
  if (out->view() != again.view()) {
    *error = "the passphrases differ: nothing was changed";
    return false;
  }
  return true;
}

int RunInit(const EncryptCommands::Options& o) {
  const int log_n = o.scrypt_log_n == 0 ? kDefaultScryptLogN : o.scrypt_log_n;
  Passphrase pass;
  std::string error;
  if (!ReadNew(o.source, &pass, &error)) return Error(error, kExitUsage);
  SecretKey master;
  if (!InitVault(o.dir, pass.view(), log_n, &master, &error)) return Error(error, kExitFailure);
  std::string key = FormatMasterKey(master, "    ");
  printf(
      "Your master key is:\n\n%s\n\n"
      "If the gocryptfs.conf file becomes corrupted or you ever forget your password,\n"
      "there is only one hope for recovery: The master key. Print it to a piece of\n"
      "paper and store it in a drawer. This message is only printed once.\n"
      "(gocryptfs -masterkey=KEY opens the vault with it.)\n"
      "The vault has been created in %s.\n",
      key.c_str(), o.dir.c_str());
  fflush(stdout);
  WipeString(key);
  return kExitOk;
}

int ListPassphrases(const EncryptCommands::Options& o) {
  std::string error;
  std::optional<VaultConfig> conf = LoadVaultConfig(o.dir, &error);
  if (!conf) return Error(error, kExitUsage);
  std::optional<Keyring> keyring = LoadKeyring(o.dir, &error);
  if (!keyring) return Error(error, kExitFailure);
  auto log2 = [](uint64_t n) { return 63 - __builtin_clzll(n); };
  printf("%-24s %-22s %s\n", "LABEL", "CREATED", "SCRYPT");
  printf("%-24s %-22s N=2^%d (original, used by gocryptfs)\n", "(gocryptfs.conf)", "-",
         log2(conf->scrypt.n));
  for (const KeyringEntry& e : keyring->entries) {
    printf("%-24s %-22s N=2^%d\n", e.label.c_str(), e.created.c_str(), log2(e.wrapped.scrypt.n));
  }
  return kExitOk;
}

int RunPasswd(const EncryptCommands::Options& o) {
  const int actions =
      (o.add_label.empty() ? 0 : 1) + (o.remove_label.empty() ? 0 : 1) + (o.list ? 1 : 0);
  if (actions != 1) return Error("passwd needs exactly one of --add, --remove, --list", kExitUsage);
  if (o.list) return ListPassphrases(o);
  std::string error;
  Passphrase pass;
  if (!ReadExisting(o.source, &pass, &error)) return Error(error, kExitUsage);
  SecretKey master;
  if (!UnlockVault(o.dir, pass.view(), &master, &error)) return Error(error, kExitUsage);
  if (!o.remove_label.empty()) {
    if (!RemovePassphrase(o.dir, o.remove_label, &error)) return Error(error, kExitFailure);
    printf("Removed passphrase %s.\n", o.remove_label.c_str());
    return kExitOk;
  }
  if (!IsValidLabel(o.add_label)) {
    return Error("label must be 1 to 64 of A-Z a-z 0-9 . _ @ + -", kExitUsage);
  }
  int log_n = o.scrypt_log_n;
  if (log_n == 0) {
    std::optional<VaultConfig> conf = LoadVaultConfig(o.dir, &error);
    if (!conf) return Error(error, kExitFailure);
    log_n = 63 - __builtin_clzll(conf->scrypt.n);  // as costly as the original
  }
  Passphrase added;
  if (!ReadNew(o.new_source, &added, &error)) return Error(error, kExitUsage);
  if (!AddPassphrase(o.dir, master, o.add_label, added.view(), log_n, &error)) {
    return Error(error, kExitFailure);
  }
  printf("Added passphrase %s.  The original passphrase still opens the vault in gocryptfs.\n",
         o.add_label.c_str());
  return kExitOk;
}

int RunFsck(const EncryptCommands::Options& o) {
  std::string error;
  Passphrase pass;
  if (!ReadExisting(o.source, &pass, &error)) return Error(error, kExitUsage);
  SecretKey master;
  if (!UnlockVault(o.dir, pass.view(), &master, &error)) return Error(error, kExitUsage);
  VaultKeys keys;
  if (!DeriveVaultKeys(master, &keys)) return Error("cannot derive the vault keys", kExitUsage);
  FsckOptions options;
  if (o.progress || isatty(STDERR_FILENO)) options.progress = stderr;
  const FsckSummary summary = CheckVault(o.dir, keys, options);
  for (const FsckProblem& p : summary.problems) printf("%s\n", FormatProblem(p).c_str());
  printf(
      "%llu directories, %llu files, %llu symlinks, %llu others; %llu blocks and %llu holes in "
      "%.1f MiB: %s\n",
      static_cast<unsigned long long>(summary.directories),
      static_cast<unsigned long long>(summary.files),
      static_cast<unsigned long long>(summary.symlinks),
      static_cast<unsigned long long>(summary.others),
      static_cast<unsigned long long>(summary.blocks),
      static_cast<unsigned long long>(summary.holes),
      static_cast<double>(summary.cipher_bytes) / (1024.0 * 1024.0),
      summary.clean() ? "clean" : (std::to_string(summary.problems.size()) + " problems").c_str());
  return summary.clean() ? kExitOk : kExitFailure;
}

}  // namespace

EncryptCommands::EncryptCommands(CLI::App& app) : options_(std::make_unique<Options>()) {
  Options& o = *options_;
  o.encrypt = app.add_subcommand(
      "encrypt", "Offline tools for encrypted vaults (gocryptfs format); see loopfs-encrypt(7)");
  o.encrypt->require_subcommand(1);

  o.init = o.encrypt->add_subcommand("init", "Create a vault in an empty directory");
  o.init->add_option("DIR", o.dir, "The cipher directory")->required();
  AddSourceOptions(o.init, &o.source, "", "passphrase");
  o.init->add_option("--scrypt-logn", o.scrypt_log_n, "scrypt cost N = 2^LOGN (default 16)")
      ->check(CLI::Range(10, 28));

  o.passwd = o.encrypt->add_subcommand("passwd", "Add, remove or list extra passphrases");
  o.passwd->add_option("DIR", o.dir, "The cipher directory")->required();
  auto* add = o.passwd->add_option("--add", o.add_label, "Add a passphrase under this label");
  auto* remove = o.passwd->add_option("--remove", o.remove_label, "Remove this passphrase");
  auto* list = o.passwd->add_flag("--list", o.list, "List the passphrases");
  add->excludes(remove)->excludes(list);
  remove->excludes(list);
  AddSourceOptions(o.passwd, &o.source, "", "existing passphrase");
  AddSourceOptions(o.passwd, &o.new_source, "new-", "new passphrase (--add)");
  o.passwd
      ->add_option("--scrypt-logn", o.scrypt_log_n,
                   "scrypt cost of the new passphrase (default: as gocryptfs.conf)")
      ->check(CLI::Range(10, 28));

  o.fsck = o.encrypt->add_subcommand("fsck", "Check every name, block and symlink of a vault");
  o.fsck->add_option("DIR", o.dir, "The cipher directory")->required();
  AddSourceOptions(o.fsck, &o.source, "", "passphrase");
  o.fsck->add_flag("--progress", o.progress, "Show progress on stderr even if not a terminal");
}

EncryptCommands::~EncryptCommands() = default;

bool EncryptCommands::parsed() const { return options_->encrypt->parsed(); }

int EncryptCommands::Run() {
  // Keys and passphrases live in this process: keep them out of core dumps.
  prctl(PR_SET_DUMPABLE, 0);
  const Options& o = *options_;
  if (o.init->parsed()) return RunInit(o);
  if (o.passwd->parsed()) return RunPasswd(o);
  if (o.fsck->parsed()) return RunFsck(o);
  return Error("choose init, passwd or fsck", kExitUsage);
}

}  // namespace loopfs::encrypt
