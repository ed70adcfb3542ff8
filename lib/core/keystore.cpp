// The encrypted key store (see keystore.hpp for the format and the threat
// model in one paragraph).
//
// Files, all in one directory (normally ~/.config/webox):
//   keys.json       {"version":1,"entries":{"<name>":{"sealed":"<base64>"}}}
//                   where sealed = nonce(12) || AES-256-GCM(value) || tag(16),
//                   AAD = name.
//   secret.key      the 32-byte key as 64 hex digits and a newline, created
//                   on the first `set` unless WEBOX_SECRET_KEY is set.
//   keys.json.lock  empty; flock()ed so that two `webox keys set` running at
//                   once do not lose each other's entry.
//
// Surprises handled here:
// - Permissions are checked on the opened descriptor (fstat), not on the
//   path, so a file swapped between check and read is still checked.
// - secret.key is written completely to a private temporary file and then
//   published with link(), which fails when the name exists: two processes
//   creating it at once agree on one key, and nobody ever reads a half-
//   written key.
// - Every rewrite of keys.json goes through a temporary file in the same
//   directory, fsync and rename, so a crash leaves the old or the new file,
//   never a truncated one.
// - Values never reach a log line; each value read is registered with the
//   logger's redaction list.
#include "lib/core/keystore.hpp"

#include <cerrno>
#include <cstring>
#include <utility>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "lib/core/atomic_file.hpp"
#include "lib/core/crypto.hpp"
#include "lib/core/error.hpp"
#include "lib/core/fd.hpp"
#include "lib/core/logging.hpp"
#include "lib/core/paths.hpp"
#include "lib/core/json_limits.hpp"

namespace webox {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr int kFormatVersion = 1;
constexpr size_t kMasterKeySize = 32;
constexpr const char *kSecretKeyEnv = "WEBOX_SECRET_KEY";

std::string errno_text() { return std::strerror(errno); }

[[noreturn]] void fail_config(const std::string &message) {
  throw Error(message, ExitCode::config);
}

// Refuses, as ssh does, a file that other users could read or write.
void refuse_loose_permissions(int fd, const fs::path &file) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) fail_config("cannot stat " + file.string() + ": " + errno_text());
  if (!S_ISREG(st.st_mode)) fail_config(file.string() + " is not a regular file");
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    fail_config(file.string() + " has mode " + mode +
                ", which lets other users access it; refusing to use it. Fix it with: chmod 600 " +
                file.string());
  }
}

// The whole content of a private file, or nullopt when it does not exist.
std::optional<std::string> read_private_file(const fs::path &file) {
  Fd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) return std::nullopt;
    fail_config("cannot open " + file.string() + ": " + errno_text());
  }
  refuse_loose_permissions(fd.get(), file);
  std::string content;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      fail_config("cannot read " + file.string() + ": " + errno_text());
    }
    content.append(buf, static_cast<size_t>(n));
  }
  return content;
}

void replace_file_atomically(const fs::path &target, std::string_view content) {
  write_file_atomically(target, content, AtomicFileOptions{0600, {}});
}

// 64 hex digits, or base64 of exactly 32 bytes; nullopt for anything else.
std::optional<std::string> parse_master_key(std::string_view text) {
  try {
    if (text.size() == 2 * kMasterKeySize) return crypto::hex_decode(text);
    std::string raw = crypto::base64_decode(text);
    if (raw.size() == kMasterKeySize) return raw;
  } catch (const Error &) {
  }
  return std::nullopt;
}

std::string_view trim(std::string_view s) {
  const char *ws = " \t\r\n";
  size_t b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

std::optional<std::string> master_key_from_env() {
  std::string text = paths::env(kSecretKeyEnv);
  if (text.empty()) return std::nullopt;
  auto key = parse_master_key(trim(text));
  if (!key)
    fail_config(std::string(kSecretKeyEnv) +
                " must be 64 hex characters or the base64 encoding of 32 bytes "
                "(generate one with: openssl rand -hex 32)");
  return key;
}

std::optional<std::string> read_master_key_file(const fs::path &file) {
  auto text = read_private_file(file);
  if (!text) return std::nullopt;
  auto key = parse_master_key(trim(*text));
  if (!key) fail_config(file.string() + " does not hold a valid key (64 hex characters expected)");
  return key;
}

// Creates `file` holding a new random key; when another process created it
// first, returns that process's key instead.
std::string create_master_key_file(const fs::path &file) {
  std::string key = crypto::random_bytes(kMasterKeySize);
  AtomicFile out(file, AtomicFileOptions{0600, {}});
  out.write(crypto::hex_encode(key) + "\n");
  if (out.commit_if_absent()) return key;
  if (auto existing = read_master_key_file(file)) return *existing;
  throw Error("cannot create " + file.string() + ": it vanished after another process created it", ExitCode::config);
}

// Holds an exclusive flock on `<keys.json>.lock` for one read-modify-write.
class StoreLock {
public:
  explicit StoreLock(const fs::path &keys_file)
      : m_file(keys_file.string() + ".lock"),
        m_fd(::open(m_file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600)) {
    if (m_fd.get() < 0) throw Error("cannot open " + m_file.string() + ": " + errno_text());
    while (::flock(m_fd.get(), LOCK_EX) != 0) {
      if (errno != EINTR) throw Error("cannot lock " + m_file.string() + ": " + errno_text());
    }
  }

private:
  fs::path m_file;
  Fd m_fd; // closing the descriptor releases the lock
};

json empty_store() { return json{{"version", kFormatVersion}, {"entries", json::object()}}; }

// keys.json parsed and checked for shape; an empty store when absent.
json load_store(const fs::path &file) {
  auto text = read_private_file(file);
  if (!text) return empty_store();
  json doc = parse_json_or_discarded(*text);
  auto corrupt = [&](const std::string &why) {
    fail_config(file.string() + " is corrupt (" + why + "); remove it and store the keys again");
  };
  if (doc.is_discarded() || !doc.is_object()) corrupt("not a JSON object");
  if (!doc.contains("version") || doc["version"] != kFormatVersion)
    corrupt("unknown version, expected 1");
  if (!doc.contains("entries") || !doc["entries"].is_object()) corrupt("no \"entries\" object");
  for (const auto &[name, entry] : doc["entries"].items()) {
    if (!entry.is_object() || !entry.contains("sealed") || !entry["sealed"].is_string())
      corrupt("entry \"" + name + "\" has no \"sealed\" string");
  }
  return doc;
}

void save_store(const fs::path &file, const json &doc) {
  replace_file_atomically(file, doc.dump(2) + "\n");
}

std::string open_entry(const json &doc, const std::string &name, const std::string &key,
                       const fs::path &file) {
  try {
    std::string sealed =
        crypto::base64_decode(doc.at("entries").at(name).at("sealed").get<std::string>());
    return crypto::aes256gcm_decrypt(key, sealed, name);
  } catch (const Error &) {
    fail_config("cannot decrypt key \"" + name + "\" from " + file.string() +
                ": the key material (" + kSecretKeyEnv +
                " or secret.key) is not the one it was stored with, or the file was altered");
  }
}

} // namespace

KeyStore::KeyStore(std::filesystem::path dir) : m_dir(std::move(dir)) {}

std::filesystem::path KeyStore::file() const { return m_dir / "keys.json"; }

void KeyStore::set(const std::string &name, const std::string &value,
                   const std::vector<std::string> &other_spellings) {
  if (name.empty()) throw UsageError("a key name must not be empty");
  paths::ensure_private_dir(m_dir);
  StoreLock lock(file());
  json doc = load_store(file());

  fs::path key_file = m_dir / "secret.key";
  std::optional<std::string> key = master_key_from_env();
  if (!key) key = read_master_key_file(key_file);
  // A new key file only for a new store: entries sealed with a lost key
  // must not be silently joined by entries sealed with another one.
  if (!key && !doc["entries"].empty())
    fail_config(file().string() + " holds keys but " + key_file.string() + " is missing and " +
                kSecretKeyEnv + " is not set; restore one of them, or remove " +
                file().string() + " to start over");
  if (!key) key = create_master_key_file(key_file);

  // Refuse to mix two master keys in one file: an entry that opens proves
  // this key is the one the store was written with.
  if (!doc["entries"].empty()) open_entry(doc, doc["entries"].begin().key(), *key, file());

  std::string sealed = crypto::aes256gcm_encrypt(*key, value, name);
  for (const auto &other : other_spellings) doc["entries"].erase(other);
  doc["entries"][name] = json{{"sealed", crypto::base64_encode(sealed)}};
  save_store(file(), doc);
}

std::optional<std::string> KeyStore::get(const std::string &name) const {
  std::optional<std::string> value = get_setting(name);
  if (value) logging::register_secret(*value);
  return value;
}

std::optional<std::string> KeyStore::get_setting(const std::string &name) const {
  json doc = load_store(file());
  if (!doc["entries"].contains(name)) return std::nullopt;

  fs::path key_file = m_dir / "secret.key";
  std::optional<std::string> key = master_key_from_env();
  if (!key) key = read_master_key_file(key_file);
  if (!key)
    fail_config("cannot decrypt key \"" + name + "\": " + key_file.string() +
                " is missing and " + kSecretKeyEnv + " is not set");

  return open_entry(doc, name, *key, file());
}

bool KeyStore::remove(const std::string &name, const std::vector<std::string> &other_spellings) {
  if (!std::filesystem::exists(file())) return false;
  StoreLock lock(file());
  json doc = load_store(file());
  size_t removed = doc["entries"].erase(name);
  for (const auto &other : other_spellings) removed += doc["entries"].erase(other);
  if (removed == 0) return false;
  save_store(file(), doc);
  return true;
}

std::vector<std::string> KeyStore::names() const {
  json doc = load_store(file());
  std::vector<std::string> out;
  for (const auto &[name, entry] : doc["entries"].items()) out.push_back(name);
  return out; // nlohmann::json objects iterate in key order: already sorted
}

} // namespace webox
