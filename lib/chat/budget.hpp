// Spending caps, checked BEFORE a request leaves the machine.
//
// Before each call webox estimates its worst case: the prompt's tokens
// (estimated from its bytes, on the high side) at the input price plus the
// most the model may answer (--max-tokens, else 4096) at the output price.
// When that estimate, added to what was already spent today or this month
// (the `cost` of logged calls), would pass a cap — `--max-cost` for this
// command, or the config's daily/monthly caps overall or per provider — the
// call is refused with exit 5 and nothing is sent. After the call the real
// usage is logged, so the next check counts what was really spent.
//
// Media are capped the same way (tts, generate-image: lib/media/media_prices),
// and what they cost (the gallery's `media` table) counts as spent.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lib/chat/model_ref.hpp"
#include "lib/chat/prices.hpp"
#include "lib/core/config.hpp"

namespace webox::store {
class Db;
}

namespace webox::chat {

// When the user set no --max-tokens, the worst case assumes this answer length.
constexpr int64_t kAssumedMaxOutputTokens = 4096;

struct CallEstimate {
  ModelRef model;
  int64_t prompt_tokens = 0;
  int64_t max_output_tokens = 0;
  std::optional<double> worst_case_usd; // nullopt when the model has no price
  // What a call not priced by tokens counts (media: "2 images, quality hd");
  // empty for a model call (then its tokens are said).
  std::string basis;
};

// High-side token estimate of a message list: about 3 bytes a token (English
// averages 4; accents and CJK take more bytes per token, never fewer tokens
// per byte than this) plus a few tokens of framing per message.
int64_t estimate_prompt_tokens(const nlohmann::json &messages);

CallEstimate estimate_call(const PriceTable &prices, const ModelRef &model, const nlohmann::json &messages,
                           const nlohmann::json &options);

// The worst case of a fallback chain: its most expensive model, or the
// first one without a price (which a cap then refuses). `chain` not empty.
CallEstimate estimate_chain(const PriceTable &prices, const std::vector<ModelRef> &chain,
                            const nlohmann::json &messages, const nlohmann::json &options);

class Budget {
public:
  // `db` may be null when no cap is configured (then only --max-cost counts).
  Budget(const Config &config, store::Db *db, std::optional<double> max_cost_usd);

  // True when any cap applies.
  bool active() const;
  // True when the config sets a daily or monthly cap (they read the log).
  bool caps_configured() const;

  // Throws webox::Error (exit 5, one line naming each call's worst case)
  // when `calls` together could pass a cap.
  // `spent_here`: what this command's calls already cost, counted against
  // --max-cost (a workflow checks step after step; the config's caps read
  // the same calls from the log).
  void check(const std::vector<CallEstimate> &calls, double spent_here = 0) const;

private:
  double spent_since(const std::string &since_iso, const std::string &provider) const;
  const Config &m_config;
  store::Db *m_db;
  std::optional<double> m_max_cost;
};

} // namespace webox::chat
