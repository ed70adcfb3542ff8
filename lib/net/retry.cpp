#include "lib/net/retry.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <ctime>
#include <random>
#include <string>

namespace webox::net {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim(std::string_view v) {
  while (!v.empty() && std::isspace(static_cast<unsigned char>(v.front()))) v.remove_prefix(1);
  while (!v.empty() && std::isspace(static_cast<unsigned char>(v.back()))) v.remove_suffix(1);
  return v;
}

std::optional<std::string_view> header_value(std::string_view headers, std::string_view name) {
  size_t pos = 0;
  while (pos < headers.size()) {
    size_t end = headers.find('\n', pos);
    if (end == std::string_view::npos) end = headers.size();
    std::string_view line = headers.substr(pos, end - pos);
    size_t colon = line.find(':');
    if (colon != std::string_view::npos && iequals(trim(line.substr(0, colon)), name))
      return trim(line.substr(colon + 1));
    pos = end + 1;
  }
  return std::nullopt;
}

// A plain decimal number ("1.5", "-3"); NaN, infinities, hex and exponents
// are not waits a server means.
std::optional<double> parse_number(std::string_view v) {
  double d = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), d, std::chars_format::fixed);
  if (ec != std::errc() || end != v.data() + v.size() || !std::isfinite(d)) return std::nullopt;
  return d;
}

// Milliseconds as an int64 without overflow: absurd waits saturate.
int64_t saturated_ms(double ms) {
  constexpr double kLimit = 1e15; // ~31,000 years
  return static_cast<int64_t>(std::clamp(ms, -kLimit, kLimit));
}

} // namespace

bool RetryPolicy::retryable_status(int status) {
  return status == 408 || status == 409 || status == 429 || status >= 500;
}

std::optional<int64_t> RetryPolicy::usable_hint(std::optional<int64_t> server_hint_ms) const {
  if (!server_hint_ms || *server_hint_ms <= 0 || *server_hint_ms > max_wait_ms) return std::nullopt;
  return server_hint_ms;
}

int64_t RetryPolicy::delay_ms(int attempt, std::optional<int64_t> server_hint_ms) const {
  if (auto hint = usable_hint(server_hint_ms)) return *hint;
  int shift = std::clamp(attempt - 1, 0, 20);
  int64_t delay = std::min({max_delay_ms, max_wait_ms, base_delay_ms << shift});
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uniform_real_distribution<double> jitter(0.75, 1.25);
  int64_t jittered = static_cast<int64_t>(static_cast<double>(delay) * jitter(rng));
  return std::clamp<int64_t>(jittered, 0, std::max<int64_t>(max_wait_ms, 0));
}

std::optional<int64_t> server_wait_from_headers(std::string_view headers, int64_t now_unix) {
  if (auto ms = header_value(headers, "retry-after-ms")) {
    if (auto n = parse_number(*ms)) return saturated_ms(*n);
  }
  auto v = header_value(headers, "retry-after");
  if (!v) return std::nullopt;
  if (auto seconds = parse_number(*v)) return saturated_ms(*seconds * 1000.0);
  std::tm tm{};
  std::string text(*v);
  const char *end = strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (!end || *end != '\0') return std::nullopt;
  int64_t when = static_cast<int64_t>(timegm(&tm));
  return saturated_ms(static_cast<double>(when - now_unix) * 1000.0);
}

std::optional<int64_t> retry_after_from_headers(std::string_view headers, int64_t now_unix, int64_t max_wait_ms) {
  RetryPolicy bounds;
  bounds.max_wait_ms = max_wait_ms;
  return bounds.usable_hint(server_wait_from_headers(headers, now_unix));
}

} // namespace webox::net
