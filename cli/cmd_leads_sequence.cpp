// `webox leads sequence`: follow-up sequences of DMs (lib/leads/sequence/).
// Registered under the existing `leads` command (after cmd_leads.cpp).
//
//   webox leads sequence run FILE|NAME [--send] [--limit N] [--json]
//   webox leads sequence status FILE|NAME [--json]
#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <memory>

#include <nlohmann/json.hpp>

#include "lib/compare/text_width.hpp"
#include "lib/auth/lifecycle.hpp"
#include "cli/command.hpp"
#include "cli/context.hpp"
#include "cli/output.hpp"
#include "lib/core/config.hpp"
#include "lib/core/error.hpp"
#include "lib/core/paths.hpp"
#include "lib/leads/collect/record.hpp"
#include "lib/leads/dm/live_campaign.hpp"
#include "lib/leads/sequence/sequence.hpp"
#include "lib/leads/sequence/sequence_run.hpp"
#include "lib/leads/settings.hpp"
#include "lib/plugin/provider.hpp"

namespace webox::cli {
namespace {

using nlohmann::json;

struct SequenceOptions {
  std::string what;
  int limit = 0;
  bool send = false, json = false;
};

leads::Sequence sequence_of(const std::string &what, Context &ctx) {
  const leads::LeadsSettings settings = leads::load_leads_settings(ctx.config().source);
  const std::filesystem::path dir = settings.sequences_dir.empty() ? paths::config_dir() / "sequences" : settings.sequences_dir;
  return leads::load_sequence(leads::find_sequence(what, dir));
}

json sequence_entry_json(const leads::SequenceEntry &e) {
  json j = {{"lead_id", e.lead_id}, {"platform", e.platform}, {"handle", e.handle}, {"status", leads::status_name(e.status)}};
  if (!e.reason.empty()) j["reason"] = e.reason;
  if (!e.detail.empty()) j["detail"] = e.detail;
  if (!e.text.empty()) j["text"] = e.text;
  return j;
}

json sequence_report_json(const leads::Sequence &seq, const leads::SequenceReport &report, bool send) {
  json doc = {{"sequence", seq.name}, {"dry_run", !send}, {"steps", json::array()}};
  for (const auto &s : report.steps) {
    json entries = json::array();
    for (const auto &e : s.entries) entries.push_back(sequence_entry_json(e));
    doc["steps"].push_back({{"step", s.step}, {"template", s.template_name}, {"counts", s.counts}, {"entries", entries}});
  }
  return doc;
}

// Each person as the step decides, on stdout (not with --json).
void print_sequence_entry(size_t n, const leads::DmEntry &e) {
  const std::string who = e.target->handle + " (" + e.target->platform + ")";
  if (e.status == leads::DmStatus::sent || e.status == leads::DmStatus::would_send)
    out::line(std::string(e.status == leads::DmStatus::sent ? "sent " : "to   ") + "step " + std::to_string(n) + " " + who + ": " + e.text);
  else if (e.status != leads::DmStatus::not_reached)
    out::line(std::string(leads::status_name(e.status)) + " step " + std::to_string(n) + " " + who + ": " + e.detail);
}

void print_sequence_summary(const leads::Sequence &seq, const leads::SequenceReport &report) {
  for (const auto &s : report.steps) {
    std::string line;
    for (const auto &[k, v] : s.counts) line += (line.empty() ? "" : ", ") + std::to_string(v) + " " + k;
    std::fprintf(stderr, "sequence %s step %zu (%s): %s\n", seq.name.c_str(), s.step, s.template_name.c_str(),
                 line.empty() ? "nobody due" : line.c_str());
  }
}

void run_sequence(const SequenceOptions &o, Context &ctx) {
  const leads::Sequence seq = sequence_of(o.what, ctx);
  leads::LiveCampaign live([&ctx](const std::string &p) { return auth::bind_platform(ctx.plugins(), ctx.config(), p); },
                           ctx.config().source);
  if (!o.json && !o.send) std::fprintf(stderr, "sequence %s: dry run, nothing is sent (add --send)\n", seq.name.c_str());
  leads::SequenceEntryCallback live_output;
  if (!o.json) live_output = print_sequence_entry;
  const leads::SequenceReport report =
      leads::run_sequence(ctx.db(), seq, live, {o.send, o.limit, leads::unix_now()}, live_output);
  if (o.json) out::line(out::json_text(sequence_report_json(seq, report, o.send), 2));
  if (report.stop != leads::StopReason::none)
    throw Error("step " + std::to_string(report.stopped_at) + ": " + report.stop_detail + "; later steps not run",
                leads::stop_exit_code(report.stop));
  if (!o.json) print_sequence_summary(seq, report);
  if (o.send && report.partial) ctx.exit_code = static_cast<int>(ExitCode::partial);
}

void run_sequence_status(const SequenceOptions &o, Context &ctx) {
  const leads::Sequence seq = sequence_of(o.what, ctx);
  std::vector<leads::StepStatus> st(seq.steps.size());
  if (ctx.has_database()) st = leads::sequence_status(ctx.db(), seq);
  json steps = json::array();
  for (size_t i = 0; i < st.size(); ++i)
    steps.push_back({{"step", i + 1}, {"template", seq.steps[i].template_name}, {"sent", st[i].sent}, {"waiting", st[i].waiting},
                     {"replied", st[i].replied}, {"opted_out", st[i].opted_out}, {"uncertain", st[i].uncertain}, {"failed", st[i].failed}});
  if (o.json) {
    out::line(out::json_text(json{{"sequence", seq.name}, {"steps", steps}}, 2));
    return;
  }
  out::line("STEP  TEMPLATE              SENT  WAITING  REPLIED  OPTED_OUT  UNCERTAIN  FAILED");
  for (const auto &s : steps) {
    char step[16], counts[128];
    std::snprintf(step, sizeof step, "%4d  ", s["step"].get<int>());
    std::snprintf(counts, sizeof counts, " %5lld  %7lld  %7lld  %9lld  %9lld  %6lld", s["sent"].get<long long>(),
                  s["waiting"].get<long long>(), s["replied"].get<long long>(), s["opted_out"].get<long long>(),
                  s["uncertain"].get<long long>(), s["failed"].get<long long>());
    // The template's name padded by terminal cells, not bytes.
    out::line(step + compare::pad_to(s["template"].get<std::string>(), 20) + counts);
  }
}

} // namespace

void setup_leads_sequence(CLI::App *leads_cmd, Context &ctx) {
  CLI::App *seq = leads_cmd->add_subcommand("sequence", "Follow-up sequences: step after step to the people who did not answer");
  seq->require_subcommand(1);
  seq->footer(R"EX(
Examples:
  webox leads sequence run relance-3-etapes            # dry run: who each due step goes to
  webox leads sequence run relance-3-etapes --send     # under cron, e.g. every hour
  webox leads sequence run ./relance.yaml --send --limit 20
  webox leads sequence status relance-3-etapes --json
A sequence is ~/.config/webox/sequences/NAME.yaml (or leads.sequences_dir):
  leads: {min_score: 15}
  steps:
    - template: bienvenue
    - template: relance
      after: 3d
      if: {min_score: 20}
A reply from the person stops the sequence for them; opted-out people are
never written to. Exit status as webox leads dm; 2 also for a sequence file
that does not check (file:line). See webox-leads-sequence(1).)EX");

  auto ro = std::make_shared<SequenceOptions>();
  CLI::App *run = seq->add_subcommand("run", "Send every step that is due (dry run unless --send)");
  run->add_option("SEQUENCE", ro->what, "NAME (in the sequences folder) or a FILE.yaml")->required();
  run->add_flag("--send", ro->send, "Really send (default: dry run, print every message)");
  run->add_option("-n,--limit", ro->limit, "At most N messages this run, all steps together (0 = no limit)")->check(CLI::NonNegativeNumber);
  run->add_flag("--json", ro->json, "One JSON report");
  run->callback([ro, &ctx] { ctx.command = [ro, &ctx] { run_sequence(*ro, ctx); }; });

  auto so = std::make_shared<SequenceOptions>();
  CLI::App *status = seq->add_subcommand("status", "Where the people of a sequence are, step by step");
  status->add_option("SEQUENCE", so->what, "NAME (in the sequences folder) or a FILE.yaml")->required();
  status->add_flag("--json", so->json, "One JSON document");
  status->callback([so, &ctx] { ctx.command = [so, &ctx] { run_sequence_status(*so, ctx); }; });
}

WEBOX_COMMAND_PART(34, "leads", setup_leads_sequence);

} // namespace webox::cli
