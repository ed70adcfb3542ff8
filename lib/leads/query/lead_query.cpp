// Leads as `webox leads` lists, shows, searches and changes them.
#include "lib/leads/query/lead_query.hpp"

#include <algorithm>
#include <variant>

#include "lib/store/db.hpp"

#include "lib/core/error.hpp"
#include "lib/core/json_limits.hpp"
#include "lib/leads/collect/record.hpp"
#include "lib/leads/contacts/contacts.hpp"
#include "lib/leads/optout/optouts.hpp"

namespace webox::leads {

LeadFilter lead_filter_from_flags(const std::string &platform, const std::string &status,
                                  std::optional<int> min_score, bool has_phone, const std::string &since, int limit) {
  LeadFilter f;
  f.platform = platform;
  if (!status.empty() && !is_status(status))
    throw UsageError("--status: '" + status + "' is not one of new, contacted, in_progress, converted, refused");
  f.status = status;
  f.min_score = min_score;
  f.has_phone = has_phone;
  f.limit = limit;
  if (!since.empty()) {
    try {
      f.since = parse_timestamp_text(since);
    } catch (const RecordError &) {
      throw UsageError("--since: '" + since + "' is not a date (2026-11-01)");
    }
  }
  return f;
}

namespace {

using nlohmann::json;

// A stored phone (E.164) as a French user types it: the trunk prefix 0,
// then the national number ("+33669227984" -> "0669227984"), so that
// `leads search "06 69"` finds it. SQL, because search filters in SQLite:
// the country code is cut by the ITU's plan, where codes are prefix-free
// (1 and 7 alone; the two-digit codes listed; every other code has three).
constexpr const char *kNationalDigits =
    "('0' || substr(c.value, 2 + CASE WHEN substr(c.value, 2, 1) IN ('1','7') THEN 1 "
    "WHEN substr(c.value, 2, 2) IN ('20','27','30','31','32','33','34','36','39','40','41','43','44','45','46',"
    "'47','48','49','51','52','53','54','55','56','57','58','60','61','62','63','64','65','66','81','82','84',"
    "'86','90','91','92','93','94','95','98') THEN 2 ELSE 3 END))";

const std::string kLeadSelect =
    "SELECT l.id, l.score, l.status, l.phones, l.emails, l.created_at, l.updated_at, "
    "p.id, p.platform, p.platform_user_id, p.username, p.name, p.last_interaction_at, "
    "(SELECT count(*) FROM interactions i WHERE i.person_id = p.id), " +
    optout_covering_sql("p.id") + " FROM leads l JOIN people p ON p.id = l.person_id ";

// The lead record (webox-leads(1), LEAD JSON): the same keys and types as a
// JSON export with the default fields (lib/export/fields.cpp).
json lead_row(store::Statement &q) {
  auto parse_list = [](const std::string &s) {
    auto j = parse_json_or_discarded(s);
    return j.is_array() ? j : json::array();
  };
  return {{"id", q.getColumn(0).getInt64()},
          {"person_id", q.getColumn(7).getInt64()},
          {"platform", q.getColumn(8).getString()},
          {"platform_user_id", q.getColumn(9).getString()},
          {"username", q.getColumn(10).getString()},
          {"name", q.getColumn(11).getString()},
          {"score", q.getColumn(1).getInt64()},
          {"status", q.getColumn(2).getString()},
          {"phones", parse_list(q.getColumn(3).getString())},
          {"emails", parse_list(q.getColumn(4).getString())},
          {"interactions", q.getColumn(13).getInt64()},
          {"last_interaction_at", q.getColumn(12).isNull() ? json(nullptr) : json(iso8601_utc(q.getColumn(12).getInt64()))},
          {"opted_out", !q.getColumn(14).isNull()},
          {"created_at", q.getColumn(5).getString()},
          {"updated_at", q.getColumn(6).getString()}};
}

std::string where_clause(const LeadFilter &f, std::vector<std::variant<int64_t, std::string>> &binds) {
  std::vector<std::string> parts;
  if (!f.platform.empty()) parts.push_back("p.platform = ?"), binds.emplace_back(f.platform);
  if (!f.status.empty()) parts.push_back("l.status = ?"), binds.emplace_back(f.status);
  if (f.min_score) parts.push_back("l.score >= ?"), binds.emplace_back(int64_t{*f.min_score});
  if (f.has_phone) parts.push_back("l.phones <> '[]'");
  if (f.since) parts.push_back("p.last_interaction_at >= ?"), binds.emplace_back(*f.since);
  if (f.opted_out) parts.push_back(optout_covering_sql("p.id") + (*f.opted_out ? " IS NOT NULL" : " IS NULL"));
  std::string sql;
  for (size_t i = 0; i < parts.size(); ++i) sql += (i ? " AND " : "") + parts[i];
  return sql;
}

void bind_all(store::Statement &q, const std::vector<std::variant<int64_t, std::string>> &binds, int first = 1) {
  int i = first;
  for (const auto &b : binds) {
    if (std::holds_alternative<int64_t>(b)) q.bind(i++, std::get<int64_t>(b));
    else q.bind(i++, std::get<std::string>(b));
  }
}

std::optional<int64_t> resolve_lead(store::Db &db, const std::string &ref) {
  bool numeric = !ref.empty() && std::all_of(ref.begin(), ref.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (numeric) {
    store::Statement q(db, "SELECT id FROM leads WHERE id = ?");
    q.bind(1, static_cast<int64_t>(std::stoll(ref)));
    if (q.executeStep()) return q.getColumn(0).getInt64();
    return std::nullopt;
  }
  std::string name = ref.starts_with("@") ? ref.substr(1) : ref;
  store::Statement q(db, "SELECT l.id FROM leads l JOIN people p ON p.id = l.person_id "
                                "WHERE p.username = ? OR p.platform_user_id = ? ORDER BY l.score DESC, l.id LIMIT 2");
  q.bind(1, name);
  q.bind(2, ref);
  std::vector<int64_t> ids;
  while (q.executeStep()) ids.push_back(q.getColumn(0).getInt64());
  if (ids.size() > 1) throw UsageError("'" + ref + "' names leads on several platforms; use the lead id (webox leads search " + name + ")");
  if (ids.empty()) return std::nullopt;
  return ids.front();
}

json lead_by_id(store::Db &db, int64_t id) {
  store::Statement q(db, std::string(kLeadSelect) + "WHERE l.id = ?");
  q.bind(1, id);
  q.executeStep();
  return lead_row(q);
}

} // namespace

std::vector<json> list_leads(store::Db &db, const LeadFilter &f) {
  return store::guarded(db, [&] {
    std::vector<std::variant<int64_t, std::string>> binds;
    std::string where = where_clause(f, binds);
    std::string sql = kLeadSelect + (where.empty() ? "" : "WHERE " + where) + " ORDER BY l.score DESC, l.id";
    if (f.limit > 0) sql += " LIMIT " + std::to_string(f.limit);
    store::Statement q(db, sql);
    bind_all(q, binds);
    std::vector<json> out;
    while (q.executeStep()) out.push_back(lead_row(q));
    return out;
  });
}

std::optional<json> show_lead(store::Db &db, const std::string &ref) {
  return store::guarded(db, [&]() -> std::optional<json> {
    auto id = resolve_lead(db, ref);
    if (!id) return std::nullopt;
    json lead = lead_by_id(db, *id);
    int64_t person = lead["person_id"];
    json interactions = json::array();
    store::Statement qi(db, "SELECT i.id, i.platform_id, i.kind, i.text, i.occurred_at, po.platform_id FROM interactions i "
                                   "LEFT JOIN posts po ON po.id = i.post_id WHERE i.person_id = ? ORDER BY i.occurred_at DESC, i.id DESC LIMIT 50");
    qi.bind(1, person);
    while (qi.executeStep())
      interactions.push_back({{"id", qi.getColumn(0).getInt64()},
                              {"platform_id", qi.getColumn(1).getString()},
                              {"kind", qi.getColumn(2).getString()},
                              {"text", qi.getColumn(3).getString()},
                              {"timestamp", iso8601_utc(qi.getColumn(4).getInt64())},
                              {"post", qi.getColumn(5).isNull() ? json(nullptr) : json(qi.getColumn(5).getString())}});
    json contacts = json::array();
    store::Statement qc(db, "SELECT c.kind, c.value, c.raw, c.region, c.type, i.platform_id, c.detected_by FROM contacts c "
                                   "LEFT JOIN interactions i ON i.id = c.interaction_id WHERE c.person_id = ? ORDER BY c.id");
    qc.bind(1, person);
    while (qc.executeStep())
      contacts.push_back({{"kind", qc.getColumn(0).getString()},
                          {"value", qc.getColumn(1).getString()},
                          {"raw", qc.getColumn(2).getString()},
                          {"region", qc.getColumn(3).getString()},
                          {"type", qc.getColumn(4).getString()},
                          {"source_interaction", qc.getColumn(5).getString()},
                          {"detected_by", qc.getColumn(6).getString()}});
    json events = json::array();
    store::Statement qe(db, "SELECT kind, detail, created_at FROM lead_events WHERE lead_id = ? ORDER BY id");
    qe.bind(1, *id);
    while (qe.executeStep()) {
      auto detail = parse_json_or_discarded(qe.getColumn(1).getString());
      events.push_back({{"kind", qe.getColumn(0).getString()},
                        {"detail", detail.is_discarded() ? json(nullptr) : detail},
                        {"at", qe.getColumn(2).getString()}});
    }
    lead["recent_interactions"] = interactions;
    lead["contacts"] = contacts;
    lead["events"] = events;
    lead["optout"] = nullptr;
    if (auto o = covering_optout(db, person)) {
      lead["optout"] = {{"reason", o->reason}, {"source", o->source}, {"at", o->created_at}};
      if (o->person_id != person) lead["optout"]["linked_person"] = {{"platform", o->platform}, {"handle", o->handle}};
    }
    return lead;
  });
}

json set_status(store::Db &db, const std::string &ref, const std::string &status, const std::string &note) {
  if (!is_status(status))
    throw UsageError("unknown status '" + status + "' (expected new, contacted, in_progress, converted or refused)");
  return store::guarded(db, [&] {
    store::WriteTransaction tx(db);
    auto id = resolve_lead(db, ref);
    if (!id) throw UsageError("no lead " + ref);
    store::Statement old(db, "SELECT status FROM leads WHERE id = ?");
    old.bind(1, *id);
    old.executeStep();
    std::string from = old.getColumn(0).getString();
    std::string at = store::now_iso8601();
    if (from != status) {
      store::Statement up(db, "UPDATE leads SET status = ?, updated_at = ? WHERE id = ?");
      up.bind(1, status);
      up.bind(2, at);
      up.bind(3, *id);
      up.exec();
      json detail = {{"from", from}, {"to", status}};
      if (!note.empty()) detail["note"] = note;
      store::Statement ev(db, "INSERT INTO lead_events(lead_id, kind, detail, created_at) VALUES(?, 'status', ?, ?)");
      ev.bind(1, *id);
      ev.bind(2, detail.dump());
      ev.bind(3, at);
      ev.exec();
    }
    tx.commit();
    return lead_by_id(db, *id);
  });
}

std::vector<json> search_leads(store::Db &db, const std::string &query, const LeadFilter &f) {
  return store::guarded(db, [&] {
    std::vector<std::variant<int64_t, std::string>> binds;
    std::string where = where_clause(f, binds);
    std::string like = "%" + query + "%";
    std::string digits = digits_of(query);
    std::string match = "(p.username LIKE ?1 OR p.name LIKE ?1 OR l.emails LIKE ?1 OR l.phones LIKE ?1 "
                        "OR EXISTS(SELECT 1 FROM interactions i WHERE i.person_id = p.id AND i.text LIKE ?1)";
    // ?2 is always present so that the filter's plain '?' parameters number from 3.
    match += " OR (length(?2) >= 4 AND EXISTS(SELECT 1 FROM contacts c WHERE c.person_id = p.id AND (c.digits LIKE ?2 OR "
             "c.value LIKE ?2 OR (c.kind = 'phone' AND " + std::string(kNationalDigits) + " LIKE ?2)))))";
    std::string sql = kLeadSelect + "WHERE " + match + (where.empty() ? "" : " AND " + where) + " ORDER BY l.score DESC, l.id";
    if (f.limit > 0) sql += " LIMIT " + std::to_string(f.limit);
    store::Statement q(db, sql);
    q.bind(1, like);
    q.bind(2, "%" + digits + "%");
    bind_all(q, binds, 3);
    std::vector<json> out;
    while (q.executeStep()) out.push_back(lead_row(q));
    return out;
  });
}

} // namespace webox::leads
