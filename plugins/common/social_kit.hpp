// What the in-tree social plugins (instagram, x, linkedin, tiktok) share:
// small helpers for building request URLs and reading platform JSON.
// Internal to this repository; not part of the SDK.
#pragma once

#include <cctype>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

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
inline std::string string_field(const nlohmann::json &o, const char *key) {
  if (!o.is_object()) return {};
  auto it = o.find(key);
  return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
}

} // namespace webox::social_kit
