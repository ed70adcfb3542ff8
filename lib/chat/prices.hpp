// What a model call costs: the shipped price table (data/prices.json) with
// the user's `prices:` overrides on top.
//
// Unknown is a fact, not zero: a model without a price has no cost, and
// every report says "unknown" for it. (Budget systems that count unknown as
// $0 leak money without noticing; see litellm's issues on untracked spend.)
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "lib/core/config.hpp"

namespace webox::chat {

class PriceTable {
public:
  // Loads `file` (throws webox::Error exit 4 naming the file when it is
  // invalid), then applies `overrides`.
  PriceTable(const std::filesystem::path &file, const std::map<std::string, Price> &overrides);

  // The shipped table beside the executable plus the config's overrides.
  static PriceTable for_config(const Config &config);

  // Exact "provider:model" first, then "provider:*".
  std::optional<Price> price(const std::string &provider, const std::string &model) const;

  // The same table at the providers' batch prices (`workflow run --batch`):
  // a model without a batch price has none (unknown, never the normal one).
  PriceTable for_batch() const;

  // Cost in USD of a call, or nullopt when the price or a token count is unknown.
  std::optional<double> cost(const std::string &provider, const std::string &model,
                             std::optional<int64_t> input_tokens, std::optional<int64_t> output_tokens) const;

private:
  PriceTable() = default;
  std::map<std::string, Price> m_prices;
};

// "$0.0012", "$1.50", or "unknown".
std::string format_cost(std::optional<double> usd);

} // namespace webox::chat
