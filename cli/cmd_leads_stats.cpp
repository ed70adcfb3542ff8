// `webox leads stats`: the funnel from the store (lib/leads/stats/).
// Registered under the existing `leads` command (after cmd_leads.cpp).
//
//   webox leads stats [--by status|platform|post|score|week] [--since 30d] [--json]
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>

#include <nlohmann/json.hpp>

#include "cli/command.hpp"
#include "cli/context.hpp"
#include "cli/output.hpp"
#include "lib/compare/text_width.hpp"
#include "lib/core/error.hpp"
#include "lib/core/paths.hpp"
#include "lib/leads/collect/record.hpp"
#include "lib/leads/stats/lead_stats.hpp"

namespace webox::cli {
namespace {

using nlohmann::json;

struct LeadStatsOptions {
  std::string by = "status", since;
  bool json = false;
};

// "name  count  ████████" rows, bars scaled to the largest count.
std::string stats_bars(const std::vector<std::pair<std::string, int64_t>> &rows, const std::string &extra_header = "") {
  int64_t top = 1;
  for (const auto &[k, v] : rows) top = std::max(top, v);
  std::string s = extra_header;
  for (const auto &[label, value] : rows) {
    char buf[32];
    std::snprintf(buf, sizeof buf, " %6lld  ", static_cast<long long>(value));
    s += "  " + compare::pad_to(label, 24) + buf; // by terminal cells: accented labels line up
    const int64_t width = value * 40 / top;
    for (int64_t i = 0; i < width; ++i) s += "\xE2\x96\x88"; // █
    if (value > 0 && width == 0) s += "\xE2\x96\x8F";      // ▏ something, however small
    s += "\n";
  }
  return s;
}

std::string stats_percent(double rate) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", rate * 100.0);
  return buf;
}

std::string stats_text(const json &d, const std::string &by) {
  std::string s = std::to_string(d["leads"].get<int64_t>()) + " leads" +
                  (d["since"].is_null() ? std::string() : " since " + d["since"].get<std::string>()) + ", " +
                  std::to_string(d["converted"].get<int64_t>()) + " converted (" + stats_percent(d["conversion_rate"]) + ")\n";
  const json &dm = d["dms"];
  s += "DMs: " + std::to_string(dm["sent"].get<int64_t>()) + " sent, " + std::to_string(dm["replied"].get<int64_t>()) + " replied (" +
       stats_percent(dm["reply_rate"]) + "), " + std::to_string(dm["refused"].get<int64_t>()) + " refused, " +
       std::to_string(dm["uncertain"].get<int64_t>()) + " uncertain\n\n";
  std::vector<std::pair<std::string, int64_t>> rows;
  if (by == "status") {
    for (const char *k : {"new", "contacted", "in_progress", "converted", "refused"}) rows.emplace_back(k, d["by_status"][k].get<int64_t>());
    return s + stats_bars(rows, "By status:\n");
  }
  if (by == "score") {
    for (const auto &b : d["by_score"])
      rows.emplace_back(b["band"].get<std::string>() + " (" + stats_percent(b["conversion_rate"]) + " conv.)", b["leads"].get<int64_t>());
    return s + stats_bars(rows, "By score band (leads):\n");
  }
  if (by == "week") {
    s += "By week (Monday): created / contacted / converted / refused\n";
    for (const auto &w : d["by_week"]) {
      char buf[128];
      std::snprintf(buf, sizeof buf, "  %s  %5lld  %5lld  %5lld  %5lld\n", w["week"].get<std::string>().c_str(), w["created"].get<long long>(),
                    w["contacted"].get<long long>(), w["converted"].get<long long>(), w["refused"].get<long long>());
      s += buf;
    }
    for (const auto &w : d["by_week"]) rows.emplace_back(w["week"].get<std::string>(), w["created"].get<int64_t>());
    return s + stats_bars(rows, "\nLeads created per week:\n");
  }
  if (by == "platform") {
    s += "By platform:          leads  converted  rate\n";
    for (const auto &[p, v] : d["by_platform"].items()) {
      char buf[96];
      std::snprintf(buf, sizeof buf, " %6lld  %9lld  %s\n", v["leads"].get<long long>(), v["converted"].get<long long>(),
                    stats_percent(v["conversion_rate"]).c_str());
      s += "  " + compare::pad_to(p, 18) + buf;
    }
    return s;
  }
  s += "By source post:       leads  converted  post\n";
  for (const auto &p : d["by_post"]) {
    char buf[512];
    std::string where = p["permalink"].get<std::string>().empty() ? p["platform"].get<std::string>() + " " + p["post"].get<std::string>()
                                                                 : p["permalink"].get<std::string>();
    std::snprintf(buf, sizeof buf, "                     %6lld  %9lld  %s\n", p["leads"].get<long long>(), p["converted"].get<long long>(),
                  where.c_str());
    s += buf;
  }
  return s;
}

void run_lead_stats(const LeadStatsOptions &o, Context &ctx) {
  const int64_t now = leads::unix_now();
  std::optional<int64_t> since;
  if (!o.since.empty()) since = leads::parse_stats_since(o.since, now);
  if (!ctx.has_database()) throw Error("no leads yet (nothing collected: see webox scrape-interactions)");
  const json doc = leads::lead_stats(ctx.db(), since, now);
  if (o.json) out::line(out::json_text(doc, 2));
  else out::write(stats_text(doc, o.by));
}

} // namespace

void setup_leads_stats(CLI::App *leads_cmd, Context &ctx) {
  auto o = std::make_shared<LeadStatsOptions>();
  CLI::App *cmd = leads_cmd->add_subcommand("stats", "The funnel: leads by status, platform, post, score, week; DM outcomes");
  cmd->add_option("--by", o->by, "status (default), platform, post, score or week")
      ->check(CLI::IsMember({"status", "platform", "post", "score", "week"}));
  cmd->add_option("--since", o->since, "Only what happened since: 30d, 12w, 6m, or a date (2026-11-01)");
  cmd->add_flag("--json", o->json, "One JSON document, every breakdown");
  cmd->footer(R"EX(
Examples:
  webox leads stats
  webox leads stats --by week --since 12w
  webox leads stats --by score --since 2026-11-01
  webox leads stats --json | jq .dms
Exit status: 0; 1 no store yet; 2 a bad --by or --since. See webox-leads(1).)EX");
  cmd->callback([o, &ctx] { ctx.command = [o, &ctx] { run_lead_stats(*o, ctx); }; });
}

WEBOX_COMMAND_PART(35, "leads", setup_leads_stats);

} // namespace webox::cli
