// How destinations report what they refused, and how HTTP outcomes map to
// webox's exit codes for every export destination.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "lib/net/http_client.hpp"

namespace webox::exporting {

// The destination accepted the request but refused this lead (exit 3 at
// the end; the other leads continue).
struct Rejection {
  int64_t lead_id = 0;
  std::string message;
};

// Throws for what stops the whole export: Ctrl-C (130), network failure or
// a status still 429/5xx after retries (75), 401/403 (4). Returns normally
// for 2xx and for other statuses (the caller reads the body: a rejection).
void throw_unless_answered(const net::Outcome &o, std::string_view what);

// The text of `s` cut to at most `max` bytes on a UTF-8 boundary.
std::string utf8_prefix(std::string_view s, size_t max);

} // namespace webox::exporting
