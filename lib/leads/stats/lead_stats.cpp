#include "lib/leads/stats/lead_stats.hpp"

#include <charconv>
#include <map>

#include "lib/store/db.hpp"

#include "lib/core/error.hpp"
#include "lib/core/json_limits.hpp"
#include "lib/leads/collect/record.hpp"

namespace webox::leads {
namespace {

using nlohmann::json;

struct ScoreBand {
  const char *name;
  int low, high;
};
constexpr ScoreBand kScoreBands[] = {{"0-14", 0, 14}, {"15-29", 15, 29}, {"30-49", 30, 49}, {"50-74", 50, 74}, {"75-100", 75, 100}};

// Monday of the ISO week holding Unix time `t`, as YYYY-MM-DD.
std::string stats_week_of(int64_t t) {
  int64_t day = t >= 0 ? t / 86400 : (t - 86399) / 86400;
  int64_t weekday = ((day % 7) + 7 + 3) % 7; // 1970-01-01 was a Thursday: Monday = 0
  return iso8601_utc((day - weekday) * 86400).substr(0, 10);
}

int64_t stats_time_of(const std::string &text) {
  try {
    return parse_timestamp_text(text);
  } catch (const RecordError &) {
    return 0;
  }
}

double stats_rate(int64_t part, int64_t whole) { return whole ? static_cast<double>(part) / static_cast<double>(whole) : 0.0; }

// Leads created in the window: per status, platform and score band.
void stats_leads(store::Db &db, const std::string &since, json &doc) {
  json by_status = json::object(), by_platform = json::object(), by_score = json::array();
  for (const char *s : {"new", "contacted", "in_progress", "converted", "refused"}) by_status[s] = 0;
  std::map<std::string, std::pair<int64_t, int64_t>> platforms; // leads, converted
  std::vector<std::pair<int64_t, int64_t>> bands(std::size(kScoreBands));
  int64_t total = 0, converted = 0;
  store::Statement q(db, "SELECT l.status, p.platform, l.score FROM leads l JOIN people p ON p.id = l.person_id WHERE l.created_at >= ?");
  q.bind(1, since);
  while (q.executeStep()) {
    const std::string status = q.getColumn(0).getString(), platform = q.getColumn(1).getString();
    const int score = q.getColumn(2).getInt();
    const bool won = status == "converted";
    ++total;
    converted += won;
    by_status[status] = by_status.value(status, 0) + 1;
    platforms[platform].first++;
    platforms[platform].second += won;
    for (size_t i = 0; i < std::size(kScoreBands); ++i)
      if (score >= kScoreBands[i].low && score <= kScoreBands[i].high) bands[i].first++, bands[i].second += won;
  }
  for (const auto &[p, c] : platforms) by_platform[p] = {{"leads", c.first}, {"converted", c.second}, {"conversion_rate", stats_rate(c.second, c.first)}};
  for (size_t i = 0; i < bands.size(); ++i)
    by_score.push_back({{"band", kScoreBands[i].name}, {"leads", bands[i].first}, {"converted", bands[i].second},
                        {"conversion_rate", stats_rate(bands[i].second, bands[i].first)}});
  doc["leads"] = total;
  doc["converted"] = converted;
  doc["conversion_rate"] = stats_rate(converted, total);
  doc["by_status"] = by_status;
  doc["by_platform"] = by_platform;
  doc["by_score"] = by_score;
}

// The posts people became leads on: distinct leads who interacted with
// each post (in the window's leads), most first, at most 20.
void stats_posts(store::Db &db, const std::string &since, json &doc) {
  json posts = json::array();
  store::Statement q(db,
                      "SELECT po.platform, po.platform_id, coalesce(po.permalink, ''), count(DISTINCT l.id), "
                      "count(DISTINCT CASE WHEN l.status = 'converted' THEN l.id END) FROM leads l "
                      "JOIN interactions i ON i.person_id = l.person_id JOIN posts po ON po.id = i.post_id "
                      "WHERE l.created_at >= ? GROUP BY po.id, po.platform, po.platform_id, po.permalink "
                      "ORDER BY count(DISTINCT l.id) DESC, po.id LIMIT 20");
  q.bind(1, since);
  while (q.executeStep())
    posts.push_back({{"platform", q.getColumn(0).getString()}, {"post", q.getColumn(1).getString()}, {"permalink", q.getColumn(2).getString()},
                     {"leads", q.getColumn(3).getInt64()}, {"converted", q.getColumn(4).getInt64()}});
  doc["by_post"] = posts;
}

// Per ISO week (Monday): leads created, and status changes made to each status.
void stats_weeks(store::Db &db, const std::string &since, json &doc) {
  std::map<std::string, json> weeks;
  auto week = [&](const std::string &at) -> json & {
    json &w = weeks[stats_week_of(stats_time_of(at))];
    if (w.is_null()) w = {{"created", 0}, {"contacted", 0}, {"in_progress", 0}, {"converted", 0}, {"refused", 0}, {"new", 0}};
    return w;
  };
  store::Statement q(db, "SELECT kind, detail, created_at FROM lead_events WHERE created_at >= ? AND kind IN ('created', 'status')");
  q.bind(1, since);
  int64_t transitions = 0;
  while (q.executeStep()) {
    json &w = week(q.getColumn(2).getString());
    if (q.getColumn(0).getString() == "created") {
      w["created"] = w["created"].get<int64_t>() + 1;
      continue;
    }
    json detail = parse_json_or_discarded(q.getColumn(1).getString());
    if (!detail.is_object() || !detail.contains("to") || !detail["to"].is_string()) continue;
    const std::string to = detail["to"].get<std::string>();
    if (!w.contains(to)) continue;
    w[to] = w[to].get<int64_t>() + 1;
    ++transitions;
  }
  json list = json::array();
  for (auto &[monday, w] : weeks) {
    w["week"] = monday;
    list.push_back(w);
  }
  doc["by_week"] = list;
  doc["status_changes"] = transitions;
}

// What became of the messages sent in the window: sent, replied (the
// person wrote after it), refused by the platform, uncertain.
void stats_dms(store::Db &db, const std::string &since, json &doc) {
  int64_t sent = 0, replied = 0, failed = 0, uncertain = 0;
  store::Statement q(db, "SELECT person_id, state, updated_at FROM dm_ledger WHERE created_at >= ?");
  store::Statement answer(db, "SELECT 1 FROM interactions WHERE person_id = ? AND occurred_at > ? LIMIT 1");
  q.bind(1, since);
  while (q.executeStep()) {
    const std::string state = q.getColumn(1).getString();
    if (state == "failed") ++failed;
    else if (state == "intent") ++uncertain;
    else if (state == "sent") {
      ++sent;
      answer.reset();
      answer.bind(1, q.getColumn(0).getInt64());
      answer.bind(2, stats_time_of(q.getColumn(2).getString()));
      replied += answer.executeStep();
    }
  }
  doc["dms"] = {{"sent", sent}, {"replied", replied}, {"refused", failed}, {"uncertain", uncertain}, {"reply_rate", stats_rate(replied, sent)}};
}

} // namespace

int64_t parse_stats_since(const std::string &text, int64_t now) {
  const auto bad = [&] { return UsageError("--since: '" + text + "' is not a duration (30d, 12w, 6m) or a date (2026-11-01)"); };
  if (text.size() >= 2 && (text.back() == 'd' || text.back() == 'w' || text.back() == 'm')) {
    int64_t n = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size() - 1, n);
    if (ec == std::errc() && end == text.data() + text.size() - 1) {
      const int64_t days = n * (text.back() == 'd' ? 1 : text.back() == 'w' ? 7 : 30);
      if (n <= 0 || days > 3660) throw bad();
      return now - days * 86400;
    }
  }
  try {
    return parse_timestamp_text(text);
  } catch (const RecordError &) {
    throw bad();
  }
}

json lead_stats(store::Db &db, std::optional<int64_t> since, int64_t now) {
  return store::guarded(db, [&] {
    const std::string from = since ? iso8601_utc(*since) : std::string();
    json doc = {{"since", since ? json(from) : json(nullptr)}, {"until", iso8601_utc(now)}};
    stats_leads(db, from, doc);
    stats_posts(db, from, doc);
    stats_weeks(db, from, doc);
    stats_dms(db, from, doc);
    return doc;
  });
}

} // namespace webox::leads
