// `webox leads stats`: the funnel from the store (webox-leads(1),
// "STATISTICS"): leads by status, platform, source post and score band,
// status changes per week (lead_events), the conversion rate, and what
// became of the DMs (dm_ledger: sent, replied, refused, uncertain).
//
// "Since" counts what happened in the window: leads created, status
// changes made, messages sent in it. All SQL is in lead_stats.cpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "lib/store/db.hpp"

namespace webox::leads {

// "30d", "12w", "6m" (months of 30 days) before `now`, or a date
// ("2026-11-01", an ISO 8601 time): Unix seconds. UsageError naming --since
// otherwise (negative, zero, over 10 years, or not one of those).
int64_t parse_stats_since(const std::string &text, int64_t now);

// The whole report as one JSON document (fields in webox-leads(1)).
// `since`: Unix seconds, nullopt = everything.
nlohmann::json lead_stats(store::Db &db, std::optional<int64_t> since, int64_t now);

} // namespace webox::leads
