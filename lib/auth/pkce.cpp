#include "lib/auth/pkce.hpp"

#include "lib/core/crypto.hpp"

namespace webox::auth {

std::string base64url(std::string_view bytes) {
  std::string text = crypto::base64_encode(bytes);
  while (!text.empty() && text.back() == '=') text.pop_back();
  for (char &c : text) {
    if (c == '+') c = '-';
    else if (c == '/') c = '_';
  }
  return text;
}

std::string make_code_verifier() { return base64url(crypto::random_bytes(32)); }

std::string s256_challenge(std::string_view verifier) { return base64url(crypto::sha256(verifier)); }

std::string make_state() { return base64url(crypto::random_bytes(32)); }

bool state_matches(std::string_view expected, std::string_view received) {
  if (expected.empty() || expected.size() != received.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < expected.size(); ++i)
    diff |= static_cast<unsigned char>(expected[i] ^ received[i]);
  return diff == 0;
}

} // namespace webox::auth
