// `webox leads`: the people worth talking to, and what happened with them.
//
//   webox leads list [--platform P] [--status S] [--min-score N] [--has-phone] [--since DATE] [--json|--jsonl]
//   webox leads show ID|@username [--json]
//   webox leads set-status ID|@username STATUS [--note TEXT]
//   webox leads search TEXT [filters] [--json|--jsonl]
//   webox leads rescore [--json]
// (optout, sequence, stats, export-person/forget/purge, dm and export are
// registered from their own files.)
#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <memory>

#include <nlohmann/json.hpp>

#include "cli/command.hpp"
#include "cli/context.hpp"
#include "cli/output.hpp"
#include "lib/core/config.hpp"
#include "lib/core/error.hpp"
#include "lib/compare/text_width.hpp"
#include "lib/core/paths.hpp"
#include "lib/leads/leads_store.hpp"
#include "lib/leads/query/lead_query.hpp"
#include "lib/leads/settings.hpp"
#include "lib/store/db.hpp"

namespace webox::cli {
namespace {

using nlohmann::json;

struct LeadsListOptions {
  std::string platform, status, since, query;
  std::optional<int> min_score;
  bool has_phone = false, opted_out = false, contactable = false;
  int limit = 0;
  bool json = false, jsonl = false;
};

struct LeadsShowOptions {
  std::string ref;
  bool json = false;
};

struct StatusOptions {
  std::string ref, status, note;
  bool json = false;
};

leads::LeadFilter filter_of(const LeadsListOptions &o) {
  leads::LeadFilter f = leads::lead_filter_from_flags(o.platform, o.status, o.min_score, o.has_phone, o.since, o.limit);
  if (o.opted_out) f.opted_out = true;
  if (o.contactable) f.opted_out = false;
  return f;
}

std::string handle(const json &lead) {
  std::string u = lead.value("username", "");
  return u.empty() ? lead.value("platform_user_id", "") : "@" + u;
}

std::string join(const json &list) {
  std::string s;
  for (const auto &v : list) s += (s.empty() ? "" : ", ") + v.get<std::string>();
  return s;
}

void print_leads(const std::vector<json> &rows, const LeadsListOptions &o) {
  if (o.json) {
    out::line(out::json_text(json(rows), 2));
    return;
  }
  if (o.jsonl) {
    for (const auto &r : rows)
      if (!out::line(out::json_text(r))) return;
    return;
  }
  if (rows.empty()) {
    std::fputs("no leads match\n", stderr);
    return;
  }
  out::line("   ID  SCORE  STATUS       PLATFORM   WHO                        CONTACT");
  for (const auto &r : rows) {
    std::string contact = join(r["phones"]);
    std::string emails = join(r["emails"]);
    if (!emails.empty()) contact += (contact.empty() ? "" : ", ") + emails;
    char head[64];
    std::snprintf(head, sizeof head, "%5lld  %5d  %-11s  ", static_cast<long long>(r["id"].get<int64_t>()),
                  r["score"].get<int>(), r["status"].get<std::string>().c_str());
    // Handles are padded by display width (accents, CJK), not bytes.
    if (!out::line(head + compare::pad_to(r["platform"].get<std::string>(), 9) + "  " + compare::pad_to(handle(r), 25) + "  " + contact))
      return;
  }
}

void run_list(const LeadsListOptions &o, Context &ctx) {
  if (!ctx.has_database()) return print_leads({}, o);
  print_leads(leads::list_leads(ctx.db(), filter_of(o)), o);
}

void run_search(const LeadsListOptions &o, Context &ctx) {
  if (o.query.empty()) throw UsageError("search: give the text to look for");
  if (!ctx.has_database()) return print_leads({}, o);
  print_leads(leads::search_leads(ctx.db(), o.query, filter_of(o)), o);
}

void run_show(const LeadsShowOptions &o, Context &ctx) {
  std::optional<json> lead;
  if (ctx.has_database()) lead = leads::show_lead(ctx.db(), o.ref);
  if (!lead) throw UsageError("no lead " + o.ref + " (see webox leads list)");
  if (o.json) {
    out::line(out::json_text(*lead, 2));
    return;
  }
  const json &l = *lead;
  std::string s = "Lead " + std::to_string(l["id"].get<int64_t>()) + "  " + handle(l) + " (" + l["platform"].get<std::string>() + ")";
  if (!l.value("name", "").empty()) s += "  " + l.value("name", "");
  s += "\nScore " + std::to_string(l["score"].get<int>()) + ", status " + l["status"].get<std::string>() + ", " +
       std::to_string(l["interactions"].get<int64_t>()) + " interactions, last " +
       (l["last_interaction_at"].is_null() ? std::string("-") : l["last_interaction_at"].get<std::string>()) + "\n";
  if (const json &oo = l["optout"]; oo.is_object()) {
    s += "OPTED OUT " + oo["at"].get<std::string>() + ": " + oo["reason"].get<std::string>() + " (" + oo["source"].get<std::string>();
    if (oo.contains("linked_person"))
      s += ", as " + oo["linked_person"]["handle"].get<std::string>() + " on " + oo["linked_person"]["platform"].get<std::string>();
    s += "): never messaged\n";
  }
  if (!l["contacts"].empty()) {
    s += "\nContacts:\n";
    for (const auto &c : l["contacts"])
      s += "  " + c["kind"].get<std::string>() + "  " + c["value"].get<std::string>() + "  (\"" + c["raw"].get<std::string>() +
           "\" in " + c["source_interaction"].get<std::string>() + ")\n";
  }
  s += "\nInteractions (newest first):\n";
  for (const auto &i : l["recent_interactions"])
    s += "  " + i["timestamp"].get<std::string>() + "  " + i["kind"].get<std::string>() + "  " + i["text"].get<std::string>() + "\n";
  s += "\nHistory:\n";
  for (const auto &e : l["events"]) s += "  " + e["at"].get<std::string>() + "  " + e["kind"].get<std::string>() + "  " + out::json_text(e["detail"]) + "\n";
  out::write(s);
}

void run_set_status(const StatusOptions &o, Context &ctx) {
  if (!ctx.has_database()) throw UsageError("no lead " + o.ref + " (nothing collected yet)");
  json lead = leads::set_status(ctx.db(), o.ref, o.status, o.note);
  if (o.json) out::line(out::json_text(lead));
  else out::line("lead " + std::to_string(lead["id"].get<int64_t>()) + " (" + handle(lead) + "): " + lead["status"].get<std::string>());
}

void run_rescore(bool as_json, Context &ctx) {
  leads::LeadsStore store(ctx.db(), leads::load_leads_settings(ctx.config().source));
  auto start = std::chrono::steady_clock::now();
  auto c = store.rescore_all();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
  if (as_json) {
    out::line(json{{"people", c.people}, {"interactions", c.interactions}, {"scores_changed", c.scores_changed},
                   {"new_leads", c.leads_created}, {"elapsed_ms", ms}}
                  .dump());
  } else {
    out::line("rescored " + std::to_string(c.people) + " people (" + std::to_string(c.interactions) + " interactions): " +
              std::to_string(c.scores_changed) + " scores changed, " + std::to_string(c.leads_created) + " new leads");
  }
}

void add_filters(CLI::App *cmd, LeadsListOptions &o) {
  cmd->add_option("--platform", o.platform, "Only this platform (instagram, x, ...)");
  cmd->add_option("--status", o.status, "new, contacted, in_progress, converted or refused");
  cmd->add_option("--min-score", o.min_score, "Only leads scoring at least N (0-100)")->check(CLI::Range(0, 100));
  cmd->add_flag("--has-phone", o.has_phone, "Only leads with a phone number");
  cmd->add_option("--since", o.since, "Only leads active since DATE");
  auto *opted = cmd->add_flag("--opted-out", o.opted_out, "Only people who opted out (or are linked to one who did)");
  cmd->add_flag("--contactable", o.contactable, "Only people who did not opt out")->excludes(opted);
  cmd->add_option("-n,--limit", o.limit, "At most N leads (0 = all)")->check(CLI::NonNegativeNumber);
  cmd->add_flag("--json", o.json, "One JSON array");
  cmd->add_flag("--jsonl", o.jsonl, "One JSON lead per line");
}

} // namespace

void setup_leads(CLI::App *leads_cmd, Context &ctx) {
  leads_cmd->require_subcommand(1);
  leads_cmd->footer(R"EX(
Examples:
  webox leads list --min-score 15 --status new
  webox leads list --json --platform instagram
  webox leads show @marie.dupont
  webox leads set-status 42 contacted
  webox leads search "06 12"
  webox leads rescore                 # after changing weights in config
  webox leads optout @marie.dupont --reason "a demandé STOP"
  webox leads sequence run relance-3-etapes --send
  webox leads stats --by week --since 12w
  webox leads export-person @marie.dupont > marie.json
  webox leads forget @marie.dupont --yes
See webox-leads(1) for the scoring rules, opt-outs, statistics and personal data.)EX");

  auto lo = std::make_shared<LeadsListOptions>();
  CLI::App *list = leads_cmd->add_subcommand("list", "Leads, best score first");
  add_filters(list, *lo);
  list->callback([lo, &ctx] { ctx.command = [lo, &ctx] { run_list(*lo, ctx); }; });

  auto so = std::make_shared<LeadsListOptions>();
  CLI::App *search = leads_cmd->add_subcommand("search", "Leads whose name, texts, phone or e-mail match TEXT");
  search->add_option("TEXT", so->query, "What to look for; digits match phones whatever the separators")->required();
  add_filters(search, *so);
  search->callback([so, &ctx] { ctx.command = [so, &ctx] { run_search(*so, ctx); }; });

  auto sh = std::make_shared<LeadsShowOptions>();
  CLI::App *show = leads_cmd->add_subcommand("show", "One lead: contacts, interactions, history");
  show->add_option("LEAD", sh->ref, "Lead id, or @username")->required();
  show->add_flag("--json", sh->json, "One JSON document");
  show->callback([sh, &ctx] { ctx.command = [sh, &ctx] { run_show(*sh, ctx); }; });

  auto st = std::make_shared<StatusOptions>();
  CLI::App *set = leads_cmd->add_subcommand("set-status", "Change a lead's status (kept in its history)");
  set->add_option("LEAD", st->ref, "Lead id, or @username")->required();
  set->add_option("STATUS", st->status, "new, contacted, in_progress, converted or refused")->required();
  set->add_option("--note", st->note, "A note kept with the change");
  set->add_flag("--json", st->json, "Print the lead as JSON");
  set->callback([st, &ctx] { ctx.command = [st, &ctx] { run_set_status(*st, ctx); }; });

  auto rescore_json = std::make_shared<bool>(false);
  CLI::App *rescore = leads_cmd->add_subcommand("rescore", "Recompute every score (after changing leads.* in config)");
  rescore->add_flag("--json", *rescore_json, "Print counts as JSON");
  rescore->callback([rescore_json, &ctx] { ctx.command = [rescore_json, &ctx] { run_rescore(*rescore_json, ctx); }; });
}

WEBOX_COMMAND(31, "leads", "List, inspect and follow up leads", setup_leads);

} // namespace webox::cli
