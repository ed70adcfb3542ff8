// Range checks for numeric options, as CLI11 validators.
//
// CLI11 converts "-5" into an int64 happily; what a model, a price or a
// thread pool can take is checked here, before anything runs, so that a
// value out of range is a usage error (exit 2) naming the option, never a
// request sent as is. The messages say what is allowed and what was given.
#pragma once

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>

#include <CLI/CLI.hpp>

namespace webox::cli::checks {

// A whole number from `least` to `most`: --max-tokens, --jobs, counts.
inline CLI::Validator whole_number(int64_t least, int64_t most = INT64_MAX) {
  std::string allowed = most == INT64_MAX ? "a whole number of at least " + std::to_string(least)
                                          : "a whole number from " + std::to_string(least) + " to " + std::to_string(most);
  return CLI::Validator(
      [least, most, allowed](std::string &value) -> std::string {
        int64_t n = 0;
        auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
        if (ec != std::errc() || end != value.data() + value.size() || n < least || n > most)
          return "must be " + allowed + ", not '" + value + "'";
        return {};
      },
      least >= 1 && most == INT64_MAX ? "POSITIVE" : "", "whole_number");
}

// A finite number from `least` to `most`: --temperature, --max-cost.
inline CLI::Validator number_between(double least, double most) {
  auto text = [](double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return std::string(buf);
  };
  std::string allowed = std::isinf(most) ? "a number of at least " + text(least)
                                         : "a number from " + text(least) + " to " + text(most);
  return CLI::Validator(
      [least, most, allowed](std::string &value) -> std::string {
        double v = 0;
        auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
        if (ec != std::errc() || end != value.data() + value.size() || !std::isfinite(v) || v < least || v > most)
          return "must be " + allowed + ", not '" + value + "'";
        return {};
      },
      "", "number_between");
}

// Sampling temperature: no provider takes less than 0 or more than 2.
inline CLI::Validator temperature() { return number_between(0, 2); }

// An amount of US dollars (--max-cost): 0 refuses every paid call.
inline CLI::Validator amount() { return number_between(0, HUGE_VAL); }

} // namespace webox::cli::checks
