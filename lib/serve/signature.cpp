#include "lib/serve/signature.hpp"

#include <string>

#include <openssl/crypto.h>

#include "lib/core/crypto.hpp"

namespace webox::serve {

Signature check_hub_signature(std::string_view secret, std::string_view header, std::string_view raw_body) {
  if (header.empty()) return Signature::missing;
  constexpr std::string_view kPrefix = "sha256=";
  if (!header.starts_with(kPrefix)) return Signature::malformed;
  std::string_view given = header.substr(kPrefix.size());
  if (given.size() != 64) return Signature::malformed;
  // Meta sends lower hex; upper is accepted by lowering it first.
  std::string lowered(given);
  for (char &c : lowered) {
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return Signature::malformed;
  }
  const std::string expected = crypto::hex_encode(crypto::hmac_sha256(secret, raw_body));
  return CRYPTO_memcmp(expected.data(), lowered.data(), expected.size()) == 0 ? Signature::valid : Signature::mismatch;
}

bool same_secret(std::string_view expected, std::string_view given) {
  if (expected.empty() || expected.size() != given.size()) return false;
  return CRYPTO_memcmp(expected.data(), given.data(), expected.size()) == 0;
}

} // namespace webox::serve
