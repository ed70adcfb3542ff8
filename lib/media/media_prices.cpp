#include "lib/media/media_prices.hpp"

#include <algorithm>
#include <fstream>
#include <functional>

#include <nlohmann/json.hpp>

#include "lib/core/error.hpp"
#include "lib/core/json_limits.hpp"
#include "lib/core/paths.hpp"

namespace webox::media {
namespace {

using nlohmann::json;

bool is_price(const json &v) { return v.is_number() && v.get<double>() >= 0; }

MediaPrice media_price_of(const std::string &model, const json &p, const std::function<void(const std::string &)> &bad) {
  if (!p.is_object() || p.empty()) bad("media price of '" + model + "' needs 'image', 'million_chars' or 'minute'");
  MediaPrice price;
  for (const auto &[unit, v] : p.items()) {
    if (unit == "image" && is_price(v)) {
      price.image[""] = v.get<double>();
    } else if (unit == "image" && v.is_object() && !v.empty()) {
      for (const auto &[quality, q] : v.items()) {
        if (!is_price(q)) bad("image price of '" + model + "' for quality '" + quality + "' must be a non-negative number");
        price.image[quality] = q.get<double>();
      }
    } else if (unit == "million_chars" && is_price(v)) {
      price.per_million_chars = v.get<double>();
    } else if (unit == "minute" && is_price(v)) {
      price.per_minute = v.get<double>();
    } else {
      bad("media price of '" + model + "': '" + unit +
          "' must be image (a number, or one per quality), million_chars or minute (non-negative numbers)");
    }
  }
  return price;
}

// Pixels of "WxH" over 1024x1024, at least 1; nullopt when it does not parse.
std::optional<double> area_factor(const std::string &size) {
  if (size.empty() || size == "auto") return 1.0;
  const size_t x = size.find('x');
  if (x == std::string::npos || x == 0 || x + 1 == size.size() || size.size() > 12 ||
      size.find_first_not_of("0123456789x") != std::string::npos || size.find('x', x + 1) != std::string::npos)
    return std::nullopt;
  const double pixels = std::stod(size.substr(0, x)) * std::stod(size.substr(x + 1));
  return std::max(1.0, pixels / (1024.0 * 1024.0));
}

} // namespace

size_t speech_chars(std::string_view text) {
  return static_cast<size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

MediaPriceTable::MediaPriceTable(const std::filesystem::path &file) {
  std::ifstream in(file);
  if (!in) return;
  const json doc = parse_json_or_discarded(in);
  auto bad = [&](const std::string &why) { throw Error(file.string() + ": " + why, ExitCode::config); };
  if (doc.is_discarded() || !doc.is_object()) bad("not a price table");
  if (!doc.contains("media")) return;
  if (!doc["media"].is_object()) bad("\"media\" must be an object of \"provider:model\": {image|million_chars|minute}");
  for (const auto &[model, p] : doc["media"].items()) m_prices[model] = media_price_of(model, p, bad);
}

MediaPriceTable MediaPriceTable::shipped() { return MediaPriceTable(paths::shared_data_dir() / "data" / "prices.json"); }

const MediaPrice *MediaPriceTable::find(const std::string &provider, const std::string &model) const {
  auto it = m_prices.find(provider + ":" + model);
  if (it == m_prices.end()) it = m_prices.find(provider + ":*");
  return it == m_prices.end() ? nullptr : &it->second;
}

std::optional<double> MediaPriceTable::image_cost(const std::string &provider, const std::string &model,
                                                  const std::string &quality, const std::string &size, int count) const {
  const MediaPrice *p = find(provider, model);
  const std::optional<double> factor = area_factor(size);
  if (!p || p->image.empty() || !factor) return std::nullopt;
  auto named = p->image.find(quality);
  double each = 0;
  if (named != p->image.end()) each = named->second;
  else
    for (const auto &[q, usd] : p->image) each = std::max(each, usd); // the dearest: a worst case
  return each * *factor * count;
}

std::optional<double> MediaPriceTable::speech_cost(const std::string &provider, const std::string &model,
                                                   std::string_view text) const {
  const MediaPrice *p = find(provider, model);
  if (!p || !p->per_million_chars) return std::nullopt;
  return *p->per_million_chars * static_cast<double>(speech_chars(text)) / 1e6;
}

std::optional<double> MediaPriceTable::transcription_cost(const std::string &provider, const std::string &model,
                                                          std::optional<double> seconds) const {
  const MediaPrice *p = find(provider, model);
  if (!p || !p->per_minute) return std::nullopt;
  if (*p->per_minute == 0) return 0.0;
  if (!seconds) return std::nullopt;
  return *p->per_minute * *seconds / 60.0;
}

} // namespace webox::media
