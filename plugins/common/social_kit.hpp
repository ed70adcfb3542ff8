// What the in-tree social plugins (instagram, x, linkedin, tiktok) share:
// small helpers for building request URLs and reading platform JSON.
// Internal to this repository; not part of the SDK.
#pragma once

#include <cctype>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>
#include <webox/plugin.hpp>

#include "plugins/common/json_fields.hpp"
#include "plugins/common/shared/bounded_json.hpp"

namespace webox::social_kit {

// RFC 3986 percent-encoding of everything but the unreserved characters, for
// query values and path segments (LinkedIn URNs, X query strings, cursors).
inline std::string percent_encode(std::string_view s) {
  static const char *hex = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

// The string member `key` of `o`, or "" when it is missing or not a string:
// platforms omit fields freely, and a missing caption is not an error.
inline std::string string_field(const nlohmann::json &o, const char *key) { return json_fields::string_at(o, key); }

// The other tolerant readers (json_fields.hpp), for platform answers: a
// field of the wrong type is absent, never a type_error.
using json_fields::flag_at;
using json_fields::integer_at;
using json_fields::object_at;

// A platform's answer: a discarded value when it is not JSON (the caller
// says what it expected), a failure naming the reason when it nests deeper
// than bounded_json::kMaxDepth (see bounded_json.hpp).
inline nlohmann::json parse_body(std::string_view body, const std::string &who, int http_status = 0) {
  bounded_json::Parsed parsed = bounded_json::parse(body);
  if (parsed.too_deep)
    throw sdk::Failure(WEBOX_E_UPSTREAM, who + ": response " + bounded_json::too_deep_text(), http_status);
  return std::move(parsed.value);
}

// Where and how an instance connects, from its create() document (see
// docs/ARCHITECTURE.md "Instance configuration"): the base URL without a
// trailing slash (the plugin's default when none is configured), the name
// of the token's variable, the per-request timeout.
struct Connection {
  std::string base_url;
  std::string key_var;
  int32_t timeout_ms = 0;
};

inline Connection read_connection(std::string_view config, std::string default_base_url, std::string default_key_var) {
  Connection c{std::move(default_base_url), std::move(default_key_var), 0};
  nlohmann::json cfg = bounded_json::parse_or_discarded(config);
  if (cfg.is_object()) {
    c.base_url = cfg.value("base_url", c.base_url);
    c.key_var = cfg.value("api_key_name", c.key_var);
    c.timeout_ms = cfg.value("timeout_ms", 0);
  }
  while (!c.base_url.empty() && c.base_url.back() == '/') c.base_url.pop_back();
  return c;
}

} // namespace webox::social_kit
