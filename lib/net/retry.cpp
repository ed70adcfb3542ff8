#include "lib/net/retry.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <ctime>
#include <random>
#include <string>

namespace webox::net {
namespace {

constexpr int64_t kMaxServerHintMs = 60'000;

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

std::optional<double> parse_number(std::string_view v) {
  try {
    size_t used = 0;
    double d = std::stod(std::string(v), &used);
    if (used != v.size()) return std::nullopt;
    return d;
  } catch (...) {
    return std::nullopt;
  }
}

std::optional<int64_t> within_bounds(double ms) {
  if (ms <= 0 || ms > kMaxServerHintMs) return std::nullopt;
  return static_cast<int64_t>(ms);
}

} // namespace

bool RetryPolicy::retryable_status(int status) {
  return status == 408 || status == 409 || status == 429 || status >= 500;
}

int64_t RetryPolicy::delay_ms(int attempt, std::optional<int64_t> server_hint_ms) const {
  if (server_hint_ms) return *server_hint_ms;
  int shift = std::clamp(attempt - 1, 0, 20);
  int64_t delay = std::min(max_delay_ms, base_delay_ms << shift);
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uniform_real_distribution<double> jitter(0.75, 1.25);
  return std::max<int64_t>(0, static_cast<int64_t>(static_cast<double>(delay) * jitter(rng)));
}

std::optional<int64_t> retry_after_from_headers(std::string_view headers, int64_t now_unix) {
  if (auto ms = header_value(headers, "retry-after-ms")) {
    if (auto n = parse_number(*ms)) return within_bounds(*n);
  }
  auto v = header_value(headers, "retry-after");
  if (!v) return std::nullopt;
  if (auto seconds = parse_number(*v)) return within_bounds(*seconds * 1000.0);
  std::tm tm{};
  std::string text(*v);
  if (!strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm)) return std::nullopt;
  int64_t when = static_cast<int64_t>(timegm(&tm));
  return within_bounds(static_cast<double>(when - now_unix) * 1000.0);
}

} // namespace webox::net
