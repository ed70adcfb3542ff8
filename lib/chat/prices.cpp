#include "lib/chat/prices.hpp"

#include <cstdio>
#include <fstream>

#include <nlohmann/json.hpp>

#include "lib/core/error.hpp"
#include "lib/core/paths.hpp"
#include "lib/core/json_limits.hpp"

namespace webox::chat {

PriceTable::PriceTable(const std::filesystem::path &file, const std::map<std::string, Price> &overrides) {
  std::ifstream in(file);
  if (in) {
    auto doc = parse_json_or_discarded(in);
    auto bad = [&](const std::string &why) { throw Error(file.string() + ": " + why, ExitCode::config); };
    if (doc.is_discarded() || !doc.is_object() || !doc.contains("prices") || !doc["prices"].is_object())
      bad("not a price table (expected {\"prices\": {\"provider:model\": {\"input\": n, \"output\": n}}})");
    for (const auto &[model, p] : doc["prices"].items()) {
      if (!p.is_object() || !p.contains("input") || !p.contains("output") || !p["input"].is_number() ||
          !p["output"].is_number() || p["input"].get<double>() < 0 || p["output"].get<double>() < 0)
        bad("price of '" + model + "' needs non-negative numbers 'input' and 'output'");
      Price price{p["input"].get<double>(), p["output"].get<double>(), {}, {}};
      if (p.contains("batch")) {
        const auto &b = p["batch"];
        if (!b.is_object() || !b.contains("input") || !b.contains("output") || !b["input"].is_number() ||
            !b["output"].is_number() || b["input"].get<double>() < 0 || b["output"].get<double>() < 0)
          bad("batch price of '" + model + "' needs non-negative numbers 'input' and 'output'");
        price.batch_input_per_million = b["input"].get<double>();
        price.batch_output_per_million = b["output"].get<double>();
      }
      m_prices[model] = price;
    }
  }
  for (const auto &[model, p] : overrides) m_prices[model] = p;
}

PriceTable PriceTable::for_config(const Config &config) {
  return PriceTable(paths::shared_data_dir() / "data" / "prices.json", config.prices);
}

PriceTable PriceTable::for_batch() const {
  PriceTable batch;
  for (const auto &[model, p] : m_prices)
    if (p.batch_input_per_million && p.batch_output_per_million)
      batch.m_prices[model] = {*p.batch_input_per_million, *p.batch_output_per_million, {}, {}};
  return batch;
}

std::optional<Price> PriceTable::price(const std::string &provider, const std::string &model) const {
  if (auto it = m_prices.find(provider + ":" + model); it != m_prices.end()) return it->second;
  if (auto it = m_prices.find(provider + ":*"); it != m_prices.end()) return it->second;
  return std::nullopt;
}

std::optional<double> PriceTable::cost(const std::string &provider, const std::string &model,
                                       std::optional<int64_t> input_tokens,
                                       std::optional<int64_t> output_tokens) const {
  auto p = price(provider, model);
  if (!p || !input_tokens || !output_tokens) return std::nullopt;
  return (static_cast<double>(*input_tokens) * p->input_per_million +
          static_cast<double>(*output_tokens) * p->output_per_million) / 1e6;
}

std::string format_cost(std::optional<double> usd) {
  if (!usd) return "unknown";
  char buf[32];
  std::snprintf(buf, sizeof buf, *usd < 0.01 && *usd > 0 ? "$%.6f" : "$%.4f", *usd);
  return buf;
}

} // namespace webox::chat
