#include <catch2/catch.hpp>

#include "lib/chat/fallback.hpp"

using webox::chat::cooldown_ms;

TEST_CASE("a rate-limited model is benched for the server's wait, within the cap", "[chat][cooldown]") {
  constexpr int64_t cap = webox::chat::kDefaultMaxCooldownMs;
  CHECK(cooldown_ms(5000, cap) == 5000);
  CHECK(cooldown_ms(100'000'000, cap) == cap); // Retry-After: 100000 is not a day on the bench
  CHECK(cooldown_ms(std::nullopt, cap) == 60'000);
  CHECK(cooldown_ms(0, cap) == 60'000);
  CHECK(cooldown_ms(-5000, cap) == 60'000);
  CHECK(cooldown_ms(std::nullopt, 1000) == 1000);
  CHECK(cooldown_ms(5000, 0) == 0);
}
