// Small wrappers over OpenSSL 3.
//
// Only the EVP interfaces and the one-shot HMAC() are used: the low-level
// AES_*, SHA256_* and HMAC_CTX_* calls are deprecated in OpenSSL 3 and fail
// the -Werror build. Every failure throws webox::Error; nothing here logs,
// because the inputs are usually secrets.
#include "lib/core/crypto.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <memory>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sys/random.h>

#include "lib/core/error.hpp"

namespace webox::crypto {
namespace {

constexpr size_t kKeySize = 32;
constexpr size_t kNonceSize = 12;
constexpr size_t kTagSize = 16;

using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

CipherCtx new_cipher_ctx() {
  CipherCtx ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  if (!ctx) throw Error("crypto: cannot allocate a cipher context");
  return ctx;
}

const unsigned char *bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char *>(s.data());
}

unsigned char *bytes(std::string &s) { return reinterpret_cast<unsigned char *>(s.data()); }

// OpenSSL takes lengths as int; refuse anything that would not fit rather
// than truncate silently.
int int_size(size_t n) {
  if (n > static_cast<size_t>(INT_MAX)) throw Error("crypto: input too large");
  return static_cast<int>(n);
}

void require_key_size(std::string_view key) {
  if (key.size() != kKeySize) throw Error("crypto: AES-256 needs a 32-byte key");
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_base64_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '/';
}

} // namespace

// The kernel's generator (getrandom(2), what OpenSSL's own DRBG seeds from)
// rather than RAND_bytes: the first RAND_bytes of a process instantiates
// OpenSSL's DRBG (provider, AES cipher fetch, config file), about 0.3 MB of
// a `webox chat`'s RSS for the 16 bytes of a conversation id (issue 22).
std::string random_bytes(size_t n) {
  std::string out(n, '\0');
  size_t filled = 0;
  while (filled < n) {
    const ssize_t got = getrandom(out.data() + filled, n - filled, 0);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) throw Error("crypto: the random generator failed");
    filled += static_cast<size_t>(got);
  }
  return out;
}

std::string aes256gcm_encrypt(std::string_view key32, std::string_view plaintext,
                              std::string_view aad) {
  require_key_size(key32);
  std::string nonce = random_bytes(kNonceSize);
  CipherCtx ctx = new_cipher_ctx();
  // The default GCM IV length is 12 bytes, the size NIST recommends, so no
  // EVP_CTRL_GCM_SET_IVLEN is needed.
  if (EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, bytes(key32), bytes(nonce)) != 1)
    throw Error("crypto: AES-GCM init failed");
  int len = 0;
  if (!aad.empty() &&
      EVP_EncryptUpdate(ctx.get(), nullptr, &len, bytes(aad), int_size(aad.size())) != 1)
    throw Error("crypto: AES-GCM AAD failed");

  std::string out = nonce;
  out.resize(kNonceSize + plaintext.size() + kTagSize);
  unsigned char *ct = bytes(out) + kNonceSize;
  int written = 0;
  if (!plaintext.empty() &&
      EVP_EncryptUpdate(ctx.get(), ct, &written, bytes(plaintext), int_size(plaintext.size())) != 1)
    throw Error("crypto: AES-GCM encryption failed");
  if (EVP_EncryptFinal_ex(ctx.get(), ct + written, &len) != 1)
    throw Error("crypto: AES-GCM finalization failed");
  written += len; // GCM is a stream mode: written == plaintext.size()
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, int(kTagSize), ct + written) != 1)
    throw Error("crypto: AES-GCM tag failed");
  return out;
}

std::string aes256gcm_decrypt(std::string_view key32, std::string_view sealed,
                              std::string_view aad) {
  require_key_size(key32);
  if (sealed.size() < kNonceSize + kTagSize)
    throw Error("crypto: sealed value too short to be AES-GCM output");
  std::string_view nonce = sealed.substr(0, kNonceSize);
  std::string_view ct = sealed.substr(kNonceSize, sealed.size() - kNonceSize - kTagSize);
  // EVP_CTRL_GCM_SET_TAG takes a non-const pointer, so copy the tag.
  std::array<unsigned char, kTagSize> tag{};
  std::copy_n(bytes(sealed.substr(sealed.size() - kTagSize)), kTagSize, tag.begin());

  CipherCtx ctx = new_cipher_ctx();
  if (EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, bytes(key32), bytes(nonce)) != 1)
    throw Error("crypto: AES-GCM init failed");
  int len = 0;
  if (!aad.empty() &&
      EVP_DecryptUpdate(ctx.get(), nullptr, &len, bytes(aad), int_size(aad.size())) != 1)
    throw Error("crypto: AES-GCM AAD failed");
  std::string out(ct.size(), '\0');
  int written = 0;
  if (!ct.empty() &&
      EVP_DecryptUpdate(ctx.get(), bytes(out), &written, bytes(ct), int_size(ct.size())) != 1)
    throw Error("crypto: AES-GCM decryption failed");
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, int(kTagSize), tag.data()) != 1)
    throw Error("crypto: AES-GCM tag failed");
  // The tag is checked here; on mismatch the plaintext must not be used.
  if (EVP_DecryptFinal_ex(ctx.get(), bytes(out) + written, &len) != 1)
    throw Error("crypto: authentication failed (wrong key, wrong name or tampered data)");
  return out;
}

std::string sha256(std::string_view data) {
  std::string out(EVP_MAX_MD_SIZE, '\0');
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), bytes(out), &len, EVP_sha256(), nullptr) != 1)
    throw Error("crypto: SHA-256 failed");
  out.resize(len);
  return out;
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  // HMAC() treats a NULL key specially in some versions; an empty key is
  // still a valid HMAC key, so always pass a real pointer.
  static const unsigned char empty = 0;
  const unsigned char *k = key.empty() ? &empty : bytes(key);
  std::string out(EVP_MAX_MD_SIZE, '\0');
  unsigned int len = 0;
  if (HMAC(EVP_sha256(), k, int_size(key.size()), bytes(data), data.size(), bytes(out), &len) ==
      nullptr)
    throw Error("crypto: HMAC-SHA256 failed");
  out.resize(len);
  return out;
}

std::string hex_encode(std::string_view data) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(data.size() * 2);
  for (unsigned char c : data) {
    out += digits[c >> 4];
    out += digits[c & 0x0f];
  }
  return out;
}

std::string hex_decode(std::string_view hex) {
  if (hex.size() % 2 != 0) throw Error("hex: odd number of digits");
  std::string out;
  out.reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = hex_value(hex[i]);
    int lo = hex_value(hex[i + 1]);
    if (hi < 0 || lo < 0) throw Error("hex: invalid digit");
    out += static_cast<char>(hi << 4 | lo);
  }
  return out;
}

std::string base64_encode(std::string_view data) {
  // EVP_EncodeBlock writes 4 characters per 3 bytes, padded, no newlines,
  // plus a terminating NUL.
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(bytes(out), bytes(data), int_size(data.size()));
  if (n < 0) throw Error("base64: encoding failed");
  out.resize(static_cast<size_t>(n));
  return out;
}

// Accepts the standard alphabet with or without trailing '=' padding.
// EVP_DecodeBlock alone is too lenient (it skips whitespace, accepts '=' in
// the middle) and counts padding as zero bytes, so the input is validated
// and the padding subtracted here.
std::string base64_decode(std::string_view text) {
  size_t padding = 0;
  while (padding < text.size() && text[text.size() - 1 - padding] == '=') ++padding;
  std::string_view body = text.substr(0, text.size() - padding);
  if (padding > 2) throw Error("base64: too much padding");
  for (char c : body)
    if (!is_base64_char(c)) throw Error("base64: invalid character");
  if (body.size() % 4 == 1) throw Error("base64: truncated input");
  if (padding > 0 && (body.size() + padding) % 4 != 0) throw Error("base64: wrong padding");
  if (body.empty()) return {};

  std::string padded(body);
  padded.append((4 - body.size() % 4) % 4, '=');
  size_t pad_count = padded.size() - body.size();
  std::string out(padded.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(bytes(out), bytes(padded), int_size(padded.size()));
  if (n < 0 || static_cast<size_t>(n) != out.size()) throw Error("base64: invalid input");
  out.resize(out.size() - pad_count);
  return out;
}

} // namespace webox::crypto
