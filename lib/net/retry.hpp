// When and how long to wait before retrying an HTTP request.
//
// The rules follow what the official OpenAI and Anthropic clients do, which
// is what the services expect: retry 408, 409, 429 and 5xx (never 401/403,
// never a 400), at most `max_retries` times; wait what the server asked for
// when it said so (`retry-after-ms` in milliseconds first, then `Retry-After`
// as seconds, fractional allowed, or as an HTTP date), but only when that is
// within (0, max_wait_ms] (60 s by default, http.max_retry_wait_ms);
// otherwise back off exponentially with jitter, never longer than that cap
// either. A server asking for a day is not believed to be worth waiting for
// in one process: the host's short backoff runs out and the caller reports it.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace webox::net {

inline constexpr int64_t kDefaultMaxRetryWaitMs = 60'000;

struct RetryPolicy {
  int max_retries = 3;
  int64_t base_delay_ms = 500;  // first backoff; doubles each attempt
  int64_t max_delay_ms = 8000;  // cap of the computed backoff
  // The longest wait before one retry, whoever asked for it (a server hint
  // above it is ignored); from http.max_retry_wait_ms.
  int64_t max_wait_ms = kDefaultMaxRetryWaitMs;

  // The default retryable statuses.
  static bool retryable_status(int status);

  // The delay before retry number `attempt` (1 = first retry): the server's
  // hint when usable (see usable_hint), else base * 2^(attempt-1) with ±25 %
  // jitter, capped by max_delay_ms and max_wait_ms.
  int64_t delay_ms(int attempt, std::optional<int64_t> server_hint_ms) const;

  // A server's wait in ms when it is one to honour: within (0, max_wait_ms].
  std::optional<int64_t> usable_hint(std::optional<int64_t> server_hint_ms) const;
};

// Reads `retry-after-ms` and `Retry-After` from raw response headers
// ("Name: value" lines): the wait the server asked for, in ms, as said
// (HTTP dates are turned into a wait from `now_unix`, injected for tests).
// Returns nullopt when absent or unparsable (NaN, infinity, text); a
// negative or zero wait is returned as is: bounds are the caller's
// (RetryPolicy::usable_hint).
std::optional<int64_t> server_wait_from_headers(std::string_view headers, int64_t now_unix);

// server_wait_from_headers within (0, max_wait_ms], else nullopt.
std::optional<int64_t> retry_after_from_headers(std::string_view headers, int64_t now_unix,
                                                int64_t max_wait_ms = kDefaultMaxRetryWaitMs);

} // namespace webox::net
