#include "lib/leads/dm/targets.hpp"

#include "lib/leads/collect/record.hpp"

#include "lib/store/db.hpp"

namespace webox::leads {
namespace {

using nlohmann::json;

std::string joined(const json &list) {
  std::string out;
  if (list.is_array())
    for (const auto &v : list)
      if (v.is_string()) out += (out.empty() ? "" : ", ") + v.get<std::string>();
  return out;
}

// The person's newest comments and replies (the candidates for a private
// reply). The newest 20 are plenty: one is used per campaign, and whatever
// is older than 7 days is refused by the choice anyway.
std::vector<DmComment> comments_of(store::Statement &q, int64_t person_id) {
  std::vector<DmComment> out;
  q.reset();
  q.bind(1, person_id);
  while (q.executeStep()) out.push_back({q.getColumn(0).getString(), q.getColumn(1).getInt64()});
  return out;
}

void put(json &ctx, const char *key, const std::string &value) {
  if (!value.empty()) ctx[key] = value;
}

} // namespace

json dm_context(const json &lead, const std::string &campaign) {
  json ctx = json::object();
  ctx["id"] = lead["id"];
  ctx["score"] = lead["score"];
  put(ctx, "status", lead.value("status", ""));
  put(ctx, "platform", lead.value("platform", ""));
  std::string username = lead.value("username", "");
  put(ctx, "username", username);
  if (!username.empty()) ctx["handle"] = "@" + username;
  std::string name = lead.value("name", "");
  put(ctx, "name", name);
  size_t start = name.find_first_not_of(' ');
  if (start != std::string::npos) put(ctx, "first_name", name.substr(start, name.find(' ', start) - start));
  if (lead.contains("phones") && lead["phones"].is_array() && !lead["phones"].empty()) put(ctx, "phone", lead["phones"][0].get<std::string>());
  if (lead.contains("emails") && lead["emails"].is_array() && !lead["emails"].empty()) put(ctx, "email", lead["emails"][0].get<std::string>());
  put(ctx, "phones", joined(lead.value("phones", json::array())));
  put(ctx, "emails", joined(lead.value("emails", json::array())));
  if (lead.contains("last_interaction_at") && lead["last_interaction_at"].is_string())
    put(ctx, "last_interaction_at", lead["last_interaction_at"].get<std::string>());
  put(ctx, "campaign", campaign);
  return ctx;
}

std::vector<DmTarget> select_targets(store::Db &db, const LeadFilter &filter, const std::string &campaign,
                                     const AccountOf &account_of) {
  LeadFilter f = filter;
  f.limit = 0; // --limit counts messages, not candidates (some are skipped)
  f.opted_out = false; // never a candidate (lib/leads/optout/optouts.hpp)
  const std::vector<json> leads = list_leads(db, f);
  std::map<std::string, std::string> accounts;
  return store::guarded(db, [&] {
    std::vector<DmTarget> out;
    store::Statement comments(db, "SELECT platform_id, occurred_at FROM interactions WHERE person_id = ? "
                                         "AND kind IN ('comment', 'reply') ORDER BY occurred_at DESC LIMIT 20");
    for (const json &lead : leads) {
      DmTarget t;
      t.lead_id = lead["id"].get<int64_t>();
      t.person_id = lead["person_id"].get<int64_t>();
      t.platform = lead.value("platform", "");
      auto it = accounts.find(t.platform);
      if (it == accounts.end()) it = accounts.emplace(t.platform, account_of(t.platform)).first;
      t.account = it->second;
      t.recipient_id = lead.value("platform_user_id", "");
      std::string username = lead.value("username", "");
      t.handle = username.empty() ? t.recipient_id : "@" + username;
      if (lead["last_interaction_at"].is_string()) {
        try {
          t.last_interaction_at = parse_timestamp_text(lead["last_interaction_at"].get<std::string>());
        } catch (const RecordError &) {
        }
      }
      t.context = dm_context(lead, campaign);
      t.comments = comments_of(comments, t.person_id);
      out.push_back(std::move(t));
    }
    return out;
  });
}

} // namespace webox::leads
