// Personal-data rights (lib/leads/privacy/): `webox leads export-person`,
// `webox leads forget`, `webox leads purge`. Registered under the existing
// `leads` command (after cmd_leads.cpp).
#include <CLI/CLI.hpp>

#include <memory>

#include <nlohmann/json.hpp>

#include "cli/command.hpp"
#include "cli/context.hpp"
#include "cli/output.hpp"
#include "lib/core/error.hpp"
#include "lib/core/paths.hpp"
#include "lib/leads/collect/record.hpp"
#include "lib/leads/optout/optouts.hpp"
#include "lib/leads/privacy/privacy.hpp"
#include "lib/leads/settings.hpp"
#include "lib/store/open.hpp"

namespace webox::cli {
namespace {

struct PrivacyOptions {
  std::string ref, platform;
  int days = 0;
  bool yes = false, json = false;
};

int64_t privacy_person(const PrivacyOptions &o, Context &ctx) {
  if (!ctx.has_database()) throw UsageError("nobody known as " + o.ref + " (nothing collected yet)");
  return leads::resolve_person(ctx.db(), o.ref, o.platform);
}

void run_export_person(const PrivacyOptions &o, Context &ctx) {
  out::line(out::json_text(leads::export_person(ctx.db(), privacy_person(o, ctx)), 2));
}

void run_forget(const PrivacyOptions &o, Context &ctx) {
  if (!o.yes) throw UsageError("forget erases " + o.ref + " for good: add --yes (webox leads export-person first, if asked for)");
  const int64_t person = privacy_person(o, ctx);
  const std::string salt = leads::suppression_salt(ctx.db(), true);
  const leads::ForgetCounts n = leads::forget_person(ctx.db(), person, salt);
  if (o.json) {
    out::line(nlohmann::json{{"forgotten", o.ref}, {"interactions", n.interactions}, {"contacts", n.contacts}, {"dm_ledger", n.ledger},
                             {"lead_events", n.events}, {"calls", n.calls}}
                  .dump());
    return;
  }
  out::line(o.ref + " forgotten: " + std::to_string(n.interactions) + " interactions, " + std::to_string(n.contacts) + " contacts, " +
            std::to_string(n.ledger) + " messages, " + std::to_string(n.calls) + " logged calls erased; kept only a salted hash");
}

void run_purge(const PrivacyOptions &o, Context &ctx) {
  int days = o.days;
  if (days == 0) days = leads::load_leads_settings(ctx.config().source).retention_days;
  if (days <= 0) throw UsageError("purge: give --older-than DAYS, or set leads.retention_days");
  if (!ctx.has_database()) {
    out::line("0 interactions deleted");
    return;
  }
  const int64_t gone = leads::purge_interactions(ctx.db(), days, leads::unix_now());
  leads::reclaim_space(ctx.db());
  out::line(std::to_string(gone) + " interactions older than " + std::to_string(days) + " days deleted");
}

} // namespace

void setup_leads_privacy(CLI::App *leads_cmd, Context &ctx) {
  auto e = std::make_shared<PrivacyOptions>();
  CLI::App *exp = leads_cmd->add_subcommand("export-person", "Everything stored about a person, as one JSON document (GDPR art. 15)");
  exp->add_option("PERSON", e->ref, "@username, a platform user id, or a lead id")->required();
  exp->add_option("--platform", e->platform, "The person's platform, when the name exists on several");
  exp->footer("\nExamples:\n  webox leads export-person @marie.dupont > marie.json\nSee webox-leads(1), PERSONAL DATA.");
  exp->callback([e, &ctx] { ctx.command = [e, &ctx] { run_export_person(*e, ctx); }; });

  auto f = std::make_shared<PrivacyOptions>();
  CLI::App *forget = leads_cmd->add_subcommand("forget", "Erase a person from the store for good (GDPR art. 17)");
  forget->add_option("PERSON", f->ref, "@username, a platform user id, or a lead id")->required();
  forget->add_option("--platform", f->platform, "The person's platform, when the name exists on several");
  forget->add_flag("--yes", f->yes, "Really erase (required)");
  forget->add_flag("--json", f->json, "One JSON line of counts");
  forget->footer(R"EX(
Examples:
  webox leads export-person @marie.dupont > marie.json
  webox leads forget @marie.dupont --yes
Erases the person from every table and the logged calls that name them, in
one transaction, then VACUUMs; keeps a salted hash so that collection never
brings them back. Exit status: 0; 2 without --yes, or nobody/several match.
See webox-leads(1), PERSONAL DATA.)EX");
  forget->callback([f, &ctx] { ctx.command = [f, &ctx] { run_forget(*f, ctx); }; });

  auto p = std::make_shared<PrivacyOptions>();
  CLI::App *purge = leads_cmd->add_subcommand("purge", "Delete interactions older than leads.retention_days (or --older-than)");
  purge->add_option("--older-than", p->days, "DAYS (default: leads.retention_days)")->check(CLI::Range(1, 36500));
  purge->footer("\nExamples:\n  webox leads purge --older-than 365\nSee webox-leads(1), PERSONAL DATA.");
  purge->callback([p, &ctx] { ctx.command = [p, &ctx] { run_purge(*p, ctx); }; });
}

WEBOX_COMMAND_PART(36, "leads", setup_leads_privacy);

} // namespace webox::cli
