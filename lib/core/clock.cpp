#include "lib/core/clock.hpp"

#include <charconv>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>

namespace webox::clock {

int64_t unix_now() {
  if (const char *pinned = std::getenv("WEBOX_NOW"); pinned && *pinned) {
    int64_t v = 0;
    auto [end, ec] = std::from_chars(pinned, pinned + std::strlen(pinned), v);
    if (ec == std::errc() && *end == '\0') return v;
  }
  using namespace std::chrono;
  return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

std::string utc_text(int64_t t, const char *format) {
  std::time_t secs = static_cast<std::time_t>(t);
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  char buf[64];
  const size_t n = std::strftime(buf, sizeof buf, format, &tm);
  return std::string(buf, n);
}

} // namespace webox::clock
