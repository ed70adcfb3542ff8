// `webox stats`: calls, tokens, cost, error rate and median latency from the
// log, grouped by model, provider or day.
#include <ctime>
#include <memory>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/command.hpp"
#include "cli/context.hpp"
#include "cli/output.hpp"
#include "lib/chat/prices.hpp"
#include "lib/compare/render.hpp"
#include "lib/compare/text_width.hpp"
#include "lib/store/stats.hpp"

namespace webox::cli {
namespace {

struct StatsOptions {
  std::string since = "30d";
  std::string by = "model";
  bool json = false;
};

std::string percent(int64_t part, int64_t whole) {
  if (whole == 0) return "-";
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.1f%%", 100.0 * static_cast<double>(part) / static_cast<double>(whole));
  return buf;
}

std::string cost_text(const store::StatsRow &r) {
  std::string text = chat::format_cost(r.cost);
  if (r.unpriced) text += " (+" + std::to_string(r.unpriced) + " unpriced)";
  return text;
}

std::string media_cost_text(const store::MediaStatsRow &r) {
  if (r.unpriced == r.items) return "unknown";
  std::string text = chat::format_cost(r.cost);
  if (r.unpriced) text += " (+" + std::to_string(r.unpriced) + " unpriced)";
  return text;
}

nlohmann::json media_json(const std::vector<store::MediaStatsRow> &rows) {
  nlohmann::json arr = nlohmann::json::array();
  for (const auto &r : rows)
    arr.push_back({{"kind", r.kind}, {"model", r.model}, {"items", r.items}, {"cost", r.cost}, {"unpriced_items", r.unpriced}});
  return arr;
}

void print_table(const std::vector<std::vector<std::string>> &table) {
  std::vector<size_t> widths(table.front().size(), 0);
  for (const auto &row : table)
    for (size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], compare::display_width(row[c]));
  for (const auto &row : table) {
    std::string line;
    for (size_t c = 0; c < row.size(); ++c) line += compare::pad_to(row[c], widths[c] + 2);
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out::line(line);
  }
}

void run_stats(Context &ctx, const StatsOptions &o) {
  store::StatsBy by = store::parse_stats_by(o.by);
  std::string since = store::since_bound(o.since, static_cast<int64_t>(std::time(nullptr)));
  std::vector<store::StatsRow> rows = store::usage_stats(ctx.db(), since, by);
  std::vector<store::MediaStatsRow> media = store::media_stats(ctx.db(), since);
  if (o.json) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto &r : rows)
      arr.push_back({{"key", r.key},
                     {"calls", r.calls},
                     {"errors", r.errors},
                     {"error_rate", r.calls ? static_cast<double>(r.errors) / static_cast<double>(r.calls) : 0.0},
                     {"input_tokens", r.input_tokens},
                     {"output_tokens", r.output_tokens},
                     {"cost", r.cost},
                     {"unpriced_calls", r.unpriced},
                     {"median_latency_ms", r.median_latency_ms ? nlohmann::json(*r.median_latency_ms) : nlohmann::json(nullptr)}});
    out::line(nlohmann::json{{"since", since}, {"by", o.by}, {"rows", arr}, {"media", media_json(media)}}.dump(2));
    return;
  }
  std::vector<std::vector<std::string>> table = {{o.by, "calls", "errors", "tokens in", "tokens out", "cost", "median latency"}};
  for (const auto &r : rows)
    table.push_back({r.key, std::to_string(r.calls), percent(r.errors, r.calls), std::to_string(r.input_tokens),
                     std::to_string(r.output_tokens), cost_text(r), compare::format_ms(r.median_latency_ms)});
  out::line("since " + since);
  print_table(table);
  if (media.empty()) return;
  std::vector<std::vector<std::string>> media_table = {{"media", "model", "items", "cost"}};
  for (const auto &r : media) media_table.push_back({r.kind, r.model, std::to_string(r.items), media_cost_text(r)});
  out::line("");
  print_table(media_table);
}

void setup_stats(CLI::App *cmd, Context &ctx) {
  auto o = std::make_shared<StatsOptions>();
  cmd->add_option("--since", o->since, "A duration back from now (30m, 24h, 7d, 2w) or a date (2026-11-01)")
      ->type_name("WHEN")
      ->capture_default_str();
  cmd->add_option("--by", o->by, "Group by model, provider or day")->type_name("GROUP")->capture_default_str();
  cmd->add_flag("--json", o->json, "JSON output");
  cmd->footer(R"(
Examples:
  webox stats --since 7d
  webox stats --by provider --json | jq '.rows[] | {key, cost}'
  webox stats --by day --since 2026-11-01

Costs come from data/prices.json and the config's prices:; calls of models
without a known price are counted as "unpriced", never as $0. Transcriptions
(transcribe, interview answers) and embeddings are calls of their model.
Images and speech made by generate-image and tts are counted below the
calls, with the cost their provider reported, else data/prices.json's.)");
  cmd->callback([&ctx, o] { ctx.command = [&ctx, o] { run_stats(ctx, *o); }; });
}

} // namespace

WEBOX_COMMAND(30, "stats", "Calls, tokens, cost, error rate and latency from the log", setup_stats);

} // namespace webox::cli
