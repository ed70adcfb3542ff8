// `webox leads dm`: templated (or model-drafted) direct messages to leads,
// within a daily quota, paced, and never twice to the same person per
// campaign.
//
//   webox leads dm --template NAME | --draft-model MODEL [--campaign NAME]
//                  [--min-score N] [--status S] [--platform P] [--limit N]
//                  [--send] [--json]
//   webox leads dm --uncertain [--campaign NAME] [--json]
//   webox leads dm --resolve LEDGER_ID=sent|unsent
//
// Dry run by default: every message is printed, nothing is written. With
// --send each message goes through the platform's `social-send` plugin
// under the ledger's rules (lib/leads/dm/ledger.hpp). On Instagram the
// campaign chooses the path per lead (lib/leads/dm/private_reply.hpp): a
// private reply to a recent comment, else a direct message in the 24-hour
// window; the request says which (`recipient.comment_id`), the plugin builds
// the wire body. On the Facebook Login host the plugin sends from the Page
// (INSTAGRAM_PAGE_ID), checked here before anything leaves. Registered under the
// existing `leads` command from this file (order after cmd_leads.cpp).
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>

#include <nlohmann/json.hpp>

#include "lib/auth/lifecycle.hpp"
#include "cli/command.hpp"
#include "cli/context.hpp"
#include "cli/output.hpp"
#include "lib/core/config.hpp"
#include "lib/core/error.hpp"
#include "lib/core/paths.hpp"
#include "lib/core/template.hpp"
#include "lib/leads/dm/campaign.hpp"
#include "lib/leads/dm/drafter.hpp"
#include "lib/leads/dm/ledger.hpp"
#include "lib/leads/dm/live_campaign.hpp"
#include "lib/leads/dm/platform_sender.hpp"
#include "lib/leads/dm/settings.hpp"
#include "lib/leads/dm/targets.hpp"
#include "lib/leads/dm/templates.hpp"
#include "lib/leads/query/lead_query.hpp"
#include "lib/plugin/provider.hpp"
#include "lib/store/db.hpp"

namespace webox::cli {
namespace {

using nlohmann::json;

struct DmOptions {
  std::string template_name, draft_model, campaign, platform, status = "new", resolve;
  std::optional<int> min_score;
  int limit = 0;
  bool send = false, json = false, uncertain = false;
};

constexpr const char *kDmExamples = R"(
Examples:
  webox leads dm --template bienvenue --min-score 15 --limit 50     # dry run: prints every message
  webox leads dm --template bienvenue --min-score 15 --send
  webox leads dm --template welcome --platform x --send --json
  webox leads dm --draft-model openai:gpt-4o-mini --campaign relance-dec --min-score 30
  webox leads dm --template bienvenue --platform instagram   # shows each lead's path:
                                                  #   private reply to a comment, or direct message
  webox leads dm --uncertain                        # intents a crash left: check them by hand
  webox leads dm --resolve 17=sent                  # ... then say what happened

Templates are prompts/dm/NAME.md (Mustache: {{username}}, {{first_name}},
{{platform}}, any lead field); yours in ~/.config/webox/prompts/dm/ win.
On Instagram a lead who commented in the last 7 days gets a private reply to
their newest comment not answered yet (one per comment, ever); otherwise a
direct message, only within 24 hours of their last interaction. With
Facebook Login (META_GRAPH_BASE_URL) set INSTAGRAM_PAGE_ID and use the
Page's token as INSTAGRAM_ACCESS_TOKEN.
Exit status: 0 done; 2 usage, or a template field some lead lacks (nothing
sent); 3 some leads skipped, refused or uncertain; 4 token missing or
expired; 5 daily quota reached (the leads left are listed); 75 the platform
throttled or restricted the account, or a send's outcome is unknown. See
webox-leads-dm(1).)";

json entry_json(const leads::DmEntry &e) {
  json j = {{"lead_id", e.target->lead_id},
            {"platform", e.target->platform},
            {"handle", e.target->handle},
            {"status", leads::status_name(e.status)}};
  if (!e.reason.empty()) j["reason"] = e.reason;
  if (!e.detail.empty()) j["detail"] = e.detail;
  if (!e.text.empty()) j["text"] = e.text;
  if (!e.message_id.empty()) j["message_id"] = e.message_id;
  if (e.status == leads::DmStatus::would_send || e.status == leads::DmStatus::sent || !e.comment_id.empty()) {
    j["via"] = e.comment_id.empty() ? "direct_message" : "private_reply";
    if (!e.comment_id.empty()) j["comment_id"] = e.comment_id;
  }
  return j;
}

void print_entry(const leads::DmEntry &e) {
  const leads::DmTarget &t = *e.target;
  std::string who = t.handle + " (" + t.platform + ", lead " + std::to_string(t.lead_id) + ")";
  switch (e.status) {
    case leads::DmStatus::would_send:
    case leads::DmStatus::sent: {
      std::string body;
      for (size_t pos = 0; pos <= e.text.size();) {
        size_t nl = e.text.find('\n', pos);
        if (nl == std::string::npos) nl = e.text.size();
        body += "    " + e.text.substr(pos, nl - pos) + "\n";
        pos = nl + 1;
      }
      // The path after the person: which one Instagram's rules left (§1.9).
      std::string via = e.comment_id.empty() ? "direct message" : "private reply to comment " + e.comment_id;
      out::write(std::string(e.status == leads::DmStatus::sent ? "sent " : "to   ") + who + ", " + via + "\n" + body);
      break;
    }
    case leads::DmStatus::already_sent: out::line("done " + who + ": already messaged by this campaign"); break;
    case leads::DmStatus::not_reached: break; // listed with the stop reason
    default: out::line(std::string(leads::status_name(e.status)) + " " + who + ": " + e.detail);
  }
}

void run_uncertain(const DmOptions &o, Context &ctx) {
  std::vector<leads::LedgerRow> rows;
  if (ctx.has_database()) rows = leads::DmLedger(ctx.db()).uncertain(o.campaign);
  if (o.json) {
    json list = json::array();
    for (const auto &r : rows)
      list.push_back({{"ledger_id", r.id}, {"campaign", r.campaign}, {"platform", r.platform}, {"lead_id", r.lead_id},
                      {"text", r.text}, {"since", r.updated_at}});
    out::line(out::json_text(list, 2));
    return;
  }
  if (rows.empty()) {
    std::fputs("no uncertain messages\n", stderr);
    return;
  }
  for (const auto &r : rows)
    out::line(std::to_string(r.id) + "  " + r.campaign + "  " + r.platform + "  lead " + std::to_string(r.lead_id) + "  since " + r.updated_at);
  std::fputs("check each conversation, then: webox leads dm --resolve ID=sent (or =unsent to allow a new attempt)\n", stderr);
}

void run_resolve(const DmOptions &o, Context &ctx) {
  size_t eq = o.resolve.find('=');
  std::string what = eq == std::string::npos ? "" : o.resolve.substr(eq + 1);
  int64_t id = 0;
  try {
    id = std::stoll(o.resolve.substr(0, eq));
  } catch (const std::exception &) {
  }
  if (id <= 0 || (what != "sent" && what != "unsent")) throw UsageError("--resolve: expected LEDGER_ID=sent or LEDGER_ID=unsent, got '" + o.resolve + "'");
  leads::DmLedger ledger(ctx.db());
  auto rows = ledger.uncertain("");
  if (std::none_of(rows.begin(), rows.end(), [&](const leads::LedgerRow &r) { return r.id == id; }))
    throw UsageError("--resolve: " + std::to_string(id) + " is not an uncertain message (see webox leads dm --uncertain)");
  ledger.resolve(id, what == "sent");
  out::line("ledger " + std::to_string(id) + ": " + what);
}

// The campaign's wording: a template checked against every lead, or a model.
struct Wording {
  std::string campaign;
  std::optional<Template> tpl;
  std::unique_ptr<leads::Drafter> drafter;
};

Wording wording_of(const DmOptions &o, Context &ctx) {
  Wording w;
  w.campaign = o.campaign;
  if (!o.template_name.empty()) {
    w.tpl.emplace(leads::load_dm_template(o.template_name));
    if (w.campaign.empty()) w.campaign = o.template_name;
  } else {
    w.drafter = std::make_unique<leads::Drafter>(o.draft_model, ctx.config(), ctx.plugins());
    if (w.campaign.empty()) w.campaign = "draft:" + o.draft_model;
  }
  return w;
}

std::vector<leads::DmTarget> targets_of(const DmOptions &o, Context &ctx, const leads::LiveCampaign &live, const std::string &campaign) {
  if (!ctx.has_database()) return {};
  leads::LeadFilter f;
  f.platform = o.platform;
  f.status = o.status == "any" ? "" : o.status;
  f.min_score = o.min_score;
  return live.targets(ctx.db(), f, campaign);
}

void print_report(const DmOptions &o, const std::string &campaign, const leads::DmReport &report) {
  std::map<std::string, int> counts;
  json remaining = json::array();
  std::string remaining_text;
  for (const auto &e : report.entries) {
    ++counts[leads::status_name(e.status)];
    if (e.status == leads::DmStatus::not_reached) {
      remaining.push_back({{"lead_id", e.target->lead_id}, {"handle", e.target->handle}, {"platform", e.target->platform}});
      remaining_text += "\n  lead " + std::to_string(e.target->lead_id) + " " + e.target->handle + " (" + e.target->platform + ")";
    }
  }
  if (o.json) {
    json doc = {{"campaign", campaign}, {"dry_run", !o.send}, {"entries", json::array()}, {"counts", counts}, {"remaining", remaining}};
    for (const auto &e : report.entries) doc["entries"].push_back(entry_json(e));
    doc["stopped"] = report.stop == leads::StopReason::none ? json(nullptr) : json(leads::stop_name(report.stop));
    if (report.stop != leads::StopReason::none) doc["stop_detail"] = report.stop_detail;
    out::line(out::json_text(doc, 2));
  } else {
    std::string line;
    for (const auto &[k, n] : counts) line += (line.empty() ? "" : ", ") + std::to_string(n) + " " + k;
    std::fprintf(stderr, "campaign %s: %s\n", campaign.c_str(), line.empty() ? "no leads match" : line.c_str());
  }
  if (report.stop != leads::StopReason::none) {
    throw Error(report.stop_detail + (remaining_text.empty() ? "" : "; not messaged:" + remaining_text), leads::stop_exit_code(report.stop));
  }
}

void run_dm(const DmOptions &o, Context &ctx) {
  if (o.uncertain) return run_uncertain(o, ctx);
  if (!o.resolve.empty()) return run_resolve(o, ctx);
  if (o.template_name.empty() == o.draft_model.empty()) throw UsageError("say how to write the messages: --template NAME or --draft-model MODEL");
  if (!o.status.empty() && o.status != "any" && !leads::is_status(o.status))
    throw UsageError("--status: '" + o.status + "' is not one of new, contacted, in_progress, converted, refused, any");

  leads::LiveCampaign live([&ctx](const std::string &p) { return auth::bind_platform(ctx.plugins(), ctx.config(), p); },
                           ctx.config().source);
  Wording w = wording_of(o, ctx);
  std::vector<leads::DmTarget> targets = targets_of(o, ctx, live, w.campaign);
  if (w.tpl) leads::require_template_fields(*w.tpl, o.template_name, targets);
  if (auto why = live.unsendable_reason(targets)) {
    if (o.send) throw Error(*why + "; nothing was sent", ExitCode::config);
    std::fprintf(stderr, "webox: warning: %s\n", why->c_str());
  }
  leads::Composer compose = [&](const leads::DmTarget &t) { return w.tpl ? w.tpl->render(t.context) : w.drafter->draft(t); };
  if (!o.json && !o.send) std::fprintf(stderr, "campaign %s: dry run, nothing is sent (add --send)\n", w.campaign.c_str());
  leads::DmReport report = live.run(ctx.db(), targets, w.campaign, o.send, o.limit, compose, [&](const leads::DmEntry &e) {
    if (!o.json) print_entry(e);
  });
  print_report(o, w.campaign, report);
  auto has = [&](leads::DmStatus s) {
    return std::any_of(report.entries.begin(), report.entries.end(), [s](const leads::DmEntry &e) { return e.status == s; });
  };
  if (o.send && (has(leads::DmStatus::skipped) || has(leads::DmStatus::failed) || has(leads::DmStatus::uncertain)))
    ctx.exit_code = static_cast<int>(ExitCode::partial);
}

} // namespace

void setup_leads_dm(CLI::App *leads_cmd, Context &ctx) {
  auto o = std::make_shared<DmOptions>();
  CLI::App *dm = leads_cmd->add_subcommand("dm", "Direct messages to leads: templated or drafted, quota-bound, never twice");
  auto *tpl = dm->add_option("-t,--template", o->template_name, "prompts/dm/NAME.md, rendered per lead (Mustache)");
  auto *draft = dm->add_option("--draft-model", o->draft_model, "Draft each message with this model (provider:model)");
  tpl->excludes(draft);
  dm->add_option("--campaign", o->campaign, "Campaign name in the ledger (default: the template's name)");
  dm->add_option("--min-score", o->min_score, "Only leads scoring at least N (0-100)")->check(CLI::Range(0, 100));
  dm->add_option("--status", o->status, "Only leads with this status (default new; any = all)");
  dm->add_option("--platform", o->platform, "Only this platform (instagram, x, ...)");
  dm->add_option("-n,--limit", o->limit, "At most N messages this run (0 = no limit)")->check(CLI::NonNegativeNumber);
  dm->add_flag("--send", o->send, "Really send (default: dry run, print every message)");
  dm->add_flag("--json", o->json, "One JSON report");
  dm->add_flag("--uncertain", o->uncertain, "List messages whose outcome a crash left unknown");
  dm->add_option("--resolve", o->resolve, "Settle an uncertain message: LEDGER_ID=sent or LEDGER_ID=unsent");
  dm->footer(kDmExamples);
  dm->callback([o, &ctx] { ctx.command = [o, &ctx] { run_dm(*o, ctx); }; });
}

WEBOX_COMMAND_PART(32, "leads", setup_leads_dm);

} // namespace webox::cli
