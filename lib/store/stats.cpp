#include "lib/store/stats.hpp"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <map>

#include "lib/store/db.hpp"

#include "lib/core/error.hpp"

namespace webox::store {
namespace {

std::string iso(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
  return buf;
}

struct Group {
  StatsRow row;
  std::vector<int64_t> latencies;
};

std::optional<int64_t> median(std::vector<int64_t> &v) {
  if (v.empty()) return std::nullopt;
  std::sort(v.begin(), v.end());
  size_t mid = v.size() / 2;
  return v.size() % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

void add(Group &g, const std::string &status, std::optional<int64_t> in, std::optional<int64_t> out,
         std::optional<double> cost, int64_t latency) {
  g.row.calls++;
  if (status != "ok") g.row.errors++;
  g.row.input_tokens += in.value_or(0);
  g.row.output_tokens += out.value_or(0);
  if (cost) g.row.cost += *cost;
  else g.row.unpriced++;
  if (status == "ok") g.latencies.push_back(latency);
}

} // namespace

std::string since_bound(const std::string &text, int64_t now_unix) {
  if (text.size() >= 2 && std::all_of(text.begin(), text.end() - 1, ::isdigit)) {
    int64_t n = std::stoll(text.substr(0, text.size() - 1));
    switch (text.back()) {
      case 'm': return iso(now_unix - n * 60);
      case 'h': return iso(now_unix - n * 3600);
      case 'd': return iso(now_unix - n * 86400);
      case 'w': return iso(now_unix - n * 7 * 86400);
      default: break;
    }
  }
  std::tm tm{};
  const char *end = strptime(text.c_str(), "%Y-%m-%d", &tm);
  if (end && *end == '\0') return text + "T00:00:00.000Z";
  throw UsageError("--since expects a duration (30m, 24h, 7d, 2w) or a date (2026-11-01), got '" + text + "'");
}

StatsBy parse_stats_by(const std::string &name) {
  if (name == "model") return StatsBy::model;
  if (name == "provider") return StatsBy::provider;
  if (name == "day") return StatsBy::day;
  throw UsageError("--by expects model, provider or day, got '" + name + "'");
}

std::vector<StatsRow> usage_stats(Db &db, const std::string &since_iso, StatsBy by) {
  store::Statement st(db,
                       "SELECT provider, model, substr(created_at, 1, 10), status, input_tokens, output_tokens, "
                       "cost, latency_ms FROM calls WHERE created_at >= ? ORDER BY id");
  st.bind(1, since_iso);
  std::map<std::string, Group> groups;
  Group total;
  total.row.key = "total";
  while (st.executeStep()) {
    std::string provider = st.getColumn(0).getString();
    std::string key = by == StatsBy::provider ? provider
                      : by == StatsBy::day    ? st.getColumn(2).getString()
                                              : provider + ":" + st.getColumn(1).getString();
    auto opt_int = [&](int i) { return st.getColumn(i).isNull() ? std::nullopt : std::optional<int64_t>(st.getColumn(i).getInt64()); };
    std::optional<double> cost;
    if (!st.getColumn(6).isNull()) cost = st.getColumn(6).getDouble();
    std::string status = st.getColumn(3).getString();
    int64_t latency = st.getColumn(7).isNull() ? 0 : st.getColumn(7).getInt64();
    Group &g = groups[key];
    g.row.key = key;
    add(g, status, opt_int(4), opt_int(5), cost, latency);
    add(total, status, opt_int(4), opt_int(5), cost, latency);
  }
  std::vector<StatsRow> rows;
  for (auto &[key, g] : groups) {
    g.row.median_latency_ms = median(g.latencies);
    rows.push_back(g.row);
  }
  total.row.median_latency_ms = median(total.latencies);
  rows.push_back(total.row);
  return rows;
}

std::vector<MediaStatsRow> media_stats(Db &db, const std::string &since_iso) {
  return guarded(db, [&] {
    // The gallery says "audio" for speech; stats says what was asked for.
    store::Statement st(db,
                         "SELECT CASE kind WHEN 'audio' THEN 'speech' ELSE kind END, provider || ':' || model, "
                         "COUNT(*), COALESCE(SUM(cost), 0), COUNT(*) - COUNT(cost) "
                         "FROM media WHERE created_at >= ? GROUP BY 1, 2 ORDER BY 1, 2");
    st.bind(1, since_iso);
    std::vector<MediaStatsRow> rows;
    while (st.executeStep())
      rows.push_back({st.getColumn(0).getString(), st.getColumn(1).getString(), st.getColumn(2).getInt64(),
                      st.getColumn(3).getDouble(), st.getColumn(4).getInt64()});
    return rows;
  });
}

} // namespace webox::store
