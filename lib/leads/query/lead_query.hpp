// Reading and managing leads: the filters every `leads` subcommand takes,
// the lead documents `leads list`, `leads show` and `leads search` print, and
// status changes kept in the lead's history (table lead_events).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lib/leads/query/lead_status.hpp"
#include "lib/store/db.hpp"

namespace webox::leads {

struct LeadFilter {
  std::string platform;
  std::string status;
  std::optional<int> min_score;
  bool has_phone = false;
  std::optional<int64_t> since; // last interaction at or after
  // true: only people covered by an opt-out (theirs or a linked person's,
  // lib/leads/optout/optouts.hpp); false: only the others; unset: all.
  std::optional<bool> opted_out;
  int limit = 0;                // 0 = all
};

// The filter flags every `leads` subcommand takes (--platform, --status,
// --min-score, --has-phone, --since DATE, --limit), checked: an unknown status
// or a date that does not parse is a webox::UsageError naming the flag.
LeadFilter lead_filter_from_flags(const std::string &platform, const std::string &status,
                                  std::optional<int> min_score, bool has_phone, const std::string &since, int limit);

// One lead as `leads list`, `leads search` and `leads show` print it: the
// lead record, flat (id, person_id, platform, platform_user_id, username,
// name, score, status, phones, emails, interactions, last_interaction_at,
// opted_out, created_at, updated_at), the same keys and types as a JSON
// export's default fields; documented once in webox-leads(1), LEAD JSON.
std::vector<nlohmann::json> list_leads(store::Db &db, const LeadFilter &filter);
// By numeric id, "@username" or username; nullopt when absent. The lead
// record plus recent_interactions, contacts, events and optout.
std::optional<nlohmann::json> show_lead(store::Db &db, const std::string &ref);
// Returns the lead's JSON after the change; throws UsageError for an unknown
// lead or status.
nlohmann::json set_status(store::Db &db, const std::string &ref, const std::string &status, const std::string &note);
// Leads whose username, name, interaction texts, phone or e-mail match
// `query` (digits compared without separators: "06 12" finds 06.12.34...).
std::vector<nlohmann::json> search_leads(store::Db &db, const std::string &query, const LeadFilter &filter);

} // namespace webox::leads
