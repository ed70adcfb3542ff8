#include <catch2/catch.hpp>

#include "lib/net/retry.hpp"

using namespace webox::net;

TEST_CASE("retryable statuses are 408, 409, 429 and 5xx only", "[net][retry]") {
  for (int s : {408, 409, 429, 500, 502, 503, 529}) CHECK(RetryPolicy::retryable_status(s));
  for (int s : {200, 400, 401, 403, 404, 413, 422}) CHECK_FALSE(RetryPolicy::retryable_status(s));
}

TEST_CASE("retry-after-ms wins over Retry-After, bounds are enforced", "[net][retry]") {
  CHECK(retry_after_from_headers("retry-after-ms: 120\nRetry-After: 5\n", 0) == 120);
  CHECK(retry_after_from_headers("Retry-After: 1.5\n", 0) == 1500);
  CHECK(retry_after_from_headers("retry-after: 0\n", 0) == std::nullopt);
  CHECK(retry_after_from_headers("retry-after: 61\n", 0) == std::nullopt);
  CHECK(retry_after_from_headers("retry-after: soon\n", 0) == std::nullopt);
  CHECK(retry_after_from_headers("content-type: text/plain\n", 0) == std::nullopt);
}

TEST_CASE("Retry-After as an HTTP date", "[net][retry]") {
  // Thu, 01 Jan 1970 00:00:30 GMT is 30 s after the epoch.
  CHECK(retry_after_from_headers("Retry-After: Thu, 01 Jan 1970 00:00:30 GMT\n", 20) == 10000);
}

TEST_CASE("backoff doubles with jitter and is capped", "[net][retry]") {
  RetryPolicy p;
  p.base_delay_ms = 100;
  p.max_delay_ms = 1000;
  for (int i = 0; i < 50; ++i) {
    int64_t first = p.delay_ms(1, std::nullopt);
    CHECK((first >= 75 && first <= 125));
    int64_t third = p.delay_ms(3, std::nullopt);
    CHECK((third >= 300 && third <= 500));
    CHECK(p.delay_ms(10, std::nullopt) <= 1250);
  }
  CHECK(p.delay_ms(1, 777) == 777);
}
