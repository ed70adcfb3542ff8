// Usage statistics over the logged calls: `webox stats`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lib/store/db.hpp"

namespace webox::store {

enum class StatsBy { model, provider, day };

struct StatsRow {
  std::string key;            // "openai:gpt-4o-mini", "openai" or "2026-11-23"
  int64_t calls = 0;
  int64_t errors = 0;         // status other than ok
  int64_t input_tokens = 0;   // of the calls that reported them
  int64_t output_tokens = 0;
  double cost = 0;            // of the calls with a known price
  int64_t unpriced = 0;       // calls whose cost is unknown
  std::optional<int64_t> median_latency_ms;
};

// Parses "7d", "24h", "30m", "2w" (before now) or a date "2026-11-01" into
// an ISO 8601 UTC lower bound. Throws webox::UsageError.
std::string since_bound(const std::string &text, int64_t now_unix);

StatsBy parse_stats_by(const std::string &name);

// One row per group, sorted by key, plus (last) a "total" row.
std::vector<StatsRow> usage_stats(Db &db, const std::string &since_iso, StatsBy by);

// Media made since a moment (the gallery's `media` table: generated images,
// synthesised speech), one row per kind and provider:model, by kind then
// model. Transcriptions are logged calls (lib/media/transcription.hpp): they
// are rows of usage_stats, by model, with their cost.
struct MediaStatsRow {
  std::string kind;     // "image" or "speech"
  std::string model;    // provider:model
  int64_t items = 0;    // files made
  double cost = 0;      // of the items with a known price
  int64_t unpriced = 0; // items whose cost is unknown
};
std::vector<MediaStatsRow> media_stats(Db &db, const std::string &since_iso);

} // namespace webox::store
