// When the automatic refresh of a platform token is due (lib/auth/lifecycle).
#include "lib/auth/lifecycle.hpp"

#include <catch2/catch.hpp>

using webox::auth::kDaySeconds;
using webox::auth::refresh_due;

TEST_CASE("a 60-day token is refreshed from 7 days before its end", "[auth]") {
  const int64_t issued = 1'000'000, expires = issued + 60 * kDaySeconds;
  CHECK_FALSE(refresh_due(expires, issued, expires - 8 * kDaySeconds));
  CHECK(refresh_due(expires, issued, expires - 7 * kDaySeconds));
  CHECK(refresh_due(expires, issued, expires + 10)); // expired: still tried
  CHECK(refresh_due(expires, std::nullopt, expires - 6 * kDaySeconds));
  CHECK_FALSE(refresh_due(expires, std::nullopt, expires - 8 * kDaySeconds));
}

TEST_CASE("a 2-hour token is refreshed in the second half of its life, not on every run", "[auth]") {
  const int64_t issued = 1'000'000, expires = issued + 7200;
  CHECK_FALSE(refresh_due(expires, issued, issued + 60));
  CHECK_FALSE(refresh_due(expires, issued, issued + 3599));
  CHECK(refresh_due(expires, issued, issued + 3600));
  // Without the time it was issued, the 7-day window is all there is.
  CHECK(refresh_due(expires, std::nullopt, issued + 60));
}
