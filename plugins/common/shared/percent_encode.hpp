// RFC 3986 percent-encoding for request URLs, shared by the in-tree plugins
// and lib/ (the Sheets client). Internal to this repository; not part of the SDK.
#pragma once

#include <string>
#include <string_view>

namespace webox::common {

// Everything but the unreserved characters (ALPHA DIGIT - _ . ~), for query
// values and path segments: LinkedIn URNs, X query strings, page cursors.
// The ranges are spelled out rather than asked of <cctype>, whose answer
// follows the process's locale (the REPL sets LC_CTYPE).
inline std::string percent_encode(std::string_view s) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    const bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                            c == '_' || c == '.' || c == '~';
    if (unreserved) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

} // namespace webox::common
