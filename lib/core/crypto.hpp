// Small wrappers over OpenSSL 3 EVP: AES-256-GCM, SHA-256, HMAC-SHA256; random
// bytes from the kernel; hex and base64. Everything throws webox::Error on failure.
#pragma once

#include <string>
#include <string_view>

namespace webox::crypto {

std::string random_bytes(size_t n);

// Returns nonce(12) || ciphertext || tag(16).
std::string aes256gcm_encrypt(std::string_view key32, std::string_view plaintext,
                              std::string_view aad);
// Inverse of aes256gcm_encrypt; throws when the tag does not verify.
std::string aes256gcm_decrypt(std::string_view key32, std::string_view sealed,
                              std::string_view aad);

std::string sha256(std::string_view data);               // 32 raw bytes
std::string hmac_sha256(std::string_view key, std::string_view data); // 32 raw bytes

std::string hex_encode(std::string_view bytes);
std::string hex_decode(std::string_view hex);            // throws on bad input
std::string base64_encode(std::string_view bytes);
std::string base64_decode(std::string_view text);        // throws on bad input

} // namespace webox::crypto
