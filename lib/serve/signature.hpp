// The checks `webox serve` does before a delivery is stored: Meta's
// X-Hub-Signature-256 ("sha256=" + lower hex of HMAC-SHA256 over the RAW
// body, keyed with the app secret) and the verify token of the GET
// handshake, both compared in constant time (CRYPTO_memcmp).
#pragma once

#include <string_view>

namespace webox::serve {

enum class Signature { valid, missing, malformed, mismatch };

Signature check_hub_signature(std::string_view secret, std::string_view header, std::string_view raw_body);

// Equal, in a time that does not depend on where they differ. An empty
// `expected` never matches (an unconfigured token refuses every handshake).
bool same_secret(std::string_view expected, std::string_view given);

} // namespace webox::serve
