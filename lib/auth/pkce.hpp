// The two random values that protect an OAuth authorization-code sign-in.
//
// state (RFC 6749 §10.12): a value the host puts in the consent URL and
// expects back, unchanged, on the redirect; a redirect without it was not
// started by this sign-in (a stale browser tab, or another site sending the
// user's browser to our loopback listener) and is refused.
// PKCE (RFC 7636): a secret verifier kept by the host and its S256 challenge
// sent in the URL; the token endpoint gets the verifier, so a code stolen on
// the way back is worthless without it.
#pragma once

#include <string>
#include <string_view>

namespace webox::auth {

// base64url without padding (RFC 7636 Appendix A).
std::string base64url(std::string_view bytes);

// 43 characters from 32 random bytes: the RFC's recommended verifier length.
std::string make_code_verifier();

// BASE64URL(SHA256(ASCII(verifier))), RFC 7636 §4.2.
std::string s256_challenge(std::string_view verifier);

// 43 url-safe characters from 32 random bytes.
std::string make_state();

// True when `received` is `expected`, compared in constant time; an empty
// expected state never matches.
bool state_matches(std::string_view expected, std::string_view received);

} // namespace webox::auth
