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

TEST_CASE("Retry-After values that are not sane waits are not believed", "[net][retry]") {
  for (const char *v : {"nan", "inf", "-inf", "0x10", "1e3", "-5", "", "5 s", "Thu, 01 Jan 1970 00:00:30 GMT tomorrow"})
    CHECK(retry_after_from_headers(std::string("Retry-After: ") + v + "\n", 20) == std::nullopt);
  CHECK(retry_after_from_headers("retry-after-ms: nan\n", 0) == std::nullopt);
  // The raw wait is kept for callers with other bounds (cooldowns), negative included.
  CHECK(server_wait_from_headers("Retry-After: 100000\n", 0) == 100'000'000);
  CHECK(server_wait_from_headers("Retry-After: -5\n", 0) == -5000);
  CHECK(server_wait_from_headers("Retry-After: Thu, 01 Jan 1970 00:00:30 GMT\n", 90) == -60000);
  CHECK(server_wait_from_headers("Retry-After: 1" + std::string(300, '0') + "\n", 0) > 0); // saturates, no UB
  CHECK(server_wait_from_headers("Retry-After: 1" + std::string(400, '0') + "\n", 0) == std::nullopt); // not a double
}

TEST_CASE("the longest retry wait is a setting", "[net][retry]") {
  CHECK(retry_after_from_headers("Retry-After: 100\n", 0) == std::nullopt);
  CHECK(retry_after_from_headers("Retry-After: 100\n", 0, 200'000) == 100'000);
  RetryPolicy p;
  p.max_wait_ms = 2000;
  CHECK(p.usable_hint(1500) == 1500);
  CHECK(p.usable_hint(2500) == std::nullopt);
  CHECK(p.usable_hint(0) == std::nullopt);
  CHECK(p.usable_hint(-1) == std::nullopt);
  p.base_delay_ms = 1000;
  p.max_delay_ms = 60'000;
  for (int i = 0; i < 20; ++i) CHECK(p.delay_ms(10, 100'000'000) <= 2000); // the hint is ignored, the backoff capped
}
