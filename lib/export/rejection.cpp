#include "lib/export/rejection.hpp"

#include "lib/core/error.hpp"

namespace webox::exporting {

void throw_unless_answered(const net::Outcome &o, std::string_view what) {
  if (o.failure == net::Failure::cancelled) throw Interrupted();
  if (!o.ok()) throw Error(std::string(what) + ": " + o.message, ExitCode::temporary);
  int s = o.response.status;
  auto detail = [&] { return utf8_prefix(o.response.body, 300); };
  if (s == 401 || s == 403) throw Error(std::string(what) + ": HTTP " + std::to_string(s) + " " + detail(), ExitCode::config);
  if (s == 408 || s == 429 || s >= 500)
    throw Error(std::string(what) + ": HTTP " + std::to_string(s) + " after " + std::to_string(o.response.attempts) +
                    " attempts " + detail(),
                ExitCode::temporary);
}

std::string utf8_prefix(std::string_view s, size_t max) {
  if (s.size() <= max) return std::string(s);
  size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n; // not inside a code point
  return std::string(s.substr(0, n));
}

} // namespace webox::exporting
