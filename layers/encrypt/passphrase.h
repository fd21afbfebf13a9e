// Where a vault's passphrase comes from: a file, a command, or the terminal.  The same three
// sources serve `loopfs encrypt` and the encrypt layer in loopfsd (passfile/extpass), so a
// passphrase is read the same way everywhere.
#pragma once

#include <string>
#include <string_view>

namespace loopfs::encrypt {

// At most one of the two is set; neither means "ask on the terminal".
struct PassphraseSource {
  std::string passfile;  // path of a file whose first line is the passphrase
  std::string extpass;   // shell command that prints the passphrase on its first line
};

inline constexpr size_t kPassphraseMaxBytes = 4096;
inline constexpr int kExtpassTimeoutSeconds = 60;

// Reads the passphrase:
//   passfile: the file's first line, without its newline.
//   extpass:  `/bin/sh -c extpass` with stdin from /dev/null, a small fixed environment (PATH,
//             HOME, USER, LOGNAME, LANG, LC_ALL, TERM, DISPLAY when set) and no other open file
//             descriptors; the first line of its stdout.  It must finish within
//             kExtpassTimeoutSeconds (its whole process group is killed otherwise) and exit 0.
//   neither:  prompts "Password: " on /dev/tty with echo off.
// An empty passphrase or one longer than kPassphraseMaxBytes is refused.  False with *error
// saying what went wrong and what to do.  Wipe *out with WipeString when done with it.
bool ReadPassphrase(const PassphraseSource& src, std::string* out, std::string* error);

// The extpass source alone, with a chosen timeout in seconds (tests use a short one).
bool RunExtpass(std::string_view command, double timeout_seconds, std::string* out,
                std::string* error);

// Prompts on /dev/tty with echo off (for a new passphrase and its repetition).
bool PromptPassphrase(std::string_view prompt, std::string* out, std::string* error);

// Overwrites the string's bytes (its whole capacity) and empties it.
void WipeString(std::string& s);

}  // namespace loopfs::encrypt
