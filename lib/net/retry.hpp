// When and how long to wait before retrying an HTTP request.
//
// The rules follow what the official OpenAI and Anthropic clients do, which
// is what the services expect: retry 408, 409, 429 and 5xx (never 401/403,
// never a 400), at most `max_retries` times; wait what the server asked for
// when it said so (`retry-after-ms` in milliseconds first, then `Retry-After`
// as seconds, fractional allowed, or as an HTTP date), but only when that is
// within (0, 60 s]; otherwise back off exponentially with jitter.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace webox::net {

struct RetryPolicy {
  int max_retries = 3;
  int64_t base_delay_ms = 500;  // first backoff; doubles each attempt
  int64_t max_delay_ms = 8000;  // cap of the computed backoff

  // The default retryable statuses.
  static bool retryable_status(int status);

  // The delay before retry number `attempt` (1 = first retry): the server's
  // hint when usable, else base * 2^(attempt-1) with ±25 % jitter, capped.
  int64_t delay_ms(int attempt, std::optional<int64_t> server_hint_ms) const;
};

// Reads `retry-after-ms` and `Retry-After` from raw response headers
// ("Name: value" lines). Returns nullopt when absent, unparsable or outside
// (0, 60 s]. `now_unix` is injected for HTTP dates (tests).
std::optional<int64_t> retry_after_from_headers(std::string_view headers, int64_t now_unix);

} // namespace webox::net
