// The encrypted key store behind `webox keys` and the host's get_secret.
//
// Values are encrypted with AES-256-GCM (OpenSSL EVP), a fresh 12-byte nonce
// per value and the entry's name as additional authenticated data, so a
// ciphertext moved to another name fails to decrypt. The 32-byte key comes
// from WEBOX_SECRET_KEY (64 hex characters or base64) or else from a key file
// created on first use with mode 0600 (config_dir()/secret.key). The store
// itself (config_dir()/keys.json, mode 0600) holds only names, nonces,
// ciphertexts and tags. Files with wider permissions are refused, as ssh does.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace webox {

class KeyStore {
public:
  // `dir` holds keys.json and secret.key (normally paths::config_dir()).
  explicit KeyStore(std::filesystem::path dir);

  // Encrypts and stores `value` under `name`, replacing any previous value
  // and removing the entries named in `other_spellings` (the same key under
  // another name, see lib/plugin/key_names.hpp) in the same write.
  // Writes atomically (temporary file + rename), mode 0600.
  void set(const std::string &name, const std::string &value,
           const std::vector<std::string> &other_spellings = {});

  // The decrypted value, or nullopt when `name` is not stored. Throws
  // webox::Error (exit 4) when the file is corrupt, has wider permissions
  // than 0600, or the key material does not decrypt it.
  std::optional<std::string> get(const std::string &name) const;

  // The same for a non-secret id kept in the store (an account or Page id,
  // INSTAGRAM_LOGIN): not registered for redaction, so that it stays
  // readable in logs and messages ("facebook" must not become [REDACTED]).
  std::optional<std::string> get_setting(const std::string &name) const;

  // Removes `name` and its `other_spellings`; false when none was stored.
  bool remove(const std::string &name, const std::vector<std::string> &other_spellings = {});

  // Stored names, sorted. Never values.
  std::vector<std::string> names() const;

  std::filesystem::path file() const;

private:
  std::filesystem::path m_dir;
};

} // namespace webox
