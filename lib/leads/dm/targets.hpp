// Who a DM campaign targets, and what a template may say about each one.
//
// Targets are leads (leads_store.hpp's list_leads with the campaign's
// filters). Each gets a template context holding only the fields the lead
// HAS: a template referring to {{first_name}} is refused for a lead without
// a name before anything is sent (the CLI renders each lead's message with
// lib/core/template.hpp first and refuses on any missing name).
//
// Context fields: id, username, handle (@username), platform, name,
// first_name, score, status, phone, email (the first known), phones, emails
// (comma-separated), last_interaction_at, campaign.
//
// Each target also carries the person's newest comments and replies (their
// platform ids and times): the campaign may answer one as a private reply
// (private_reply.hpp).
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lib/leads/dm/campaign.hpp"
#include "lib/leads/query/lead_query.hpp"

namespace webox::leads {

// The platform account each target is sent from: platform → account id.
using AccountOf = std::function<std::string(const std::string &platform)>;

std::vector<DmTarget> select_targets(store::Db &db, const LeadFilter &filter, const std::string &campaign,
                                     const AccountOf &account_of);

// The template context of one lead (the lead record of list_leads).
nlohmann::json dm_context(const nlohmann::json &lead, const std::string &campaign);

} // namespace webox::leads
