// `webox leads optout`: mark a person as never to be messaged again (or undo
// it). Registered under the existing `leads` command (after cmd_leads.cpp).
//
//   webox leads optout @handle [--platform P] [--reason TEXT] [--undo] [--json]
#include <CLI/CLI.hpp>

#include <memory>

#include <nlohmann/json.hpp>

#include "cli/command.hpp"
#include "cli/context.hpp"
#include "cli/output.hpp"
#include "lib/core/error.hpp"
#include "lib/leads/optout/optouts.hpp"
#include "lib/store/db.hpp"

namespace webox::cli {
namespace {

struct OptoutOptions {
  std::string ref, platform, reason;
  bool undo = false, json = false;
};

void run_optout(const OptoutOptions &o, Context &ctx) {
  if (!ctx.has_database()) throw UsageError("nobody known as " + o.ref + " (nothing collected yet)");
  const int64_t person = leads::resolve_person(ctx.db(), o.ref, o.platform);
  bool changed = false;
  if (o.undo) changed = leads::remove_optout(ctx.db(), person);
  else changed = leads::record_optout(ctx.db(), person, o.reason.empty() ? "marked by hand" : o.reason, "manual");
  const auto now = leads::covering_optout(ctx.db(), person);
  if (o.json) {
    nlohmann::json doc = {{"person_id", person}, {"changed", changed}, {"opted_out", now.has_value()}};
    if (now) doc["optout"] = {{"reason", now->reason}, {"source", now->source}, {"at", now->created_at}, {"handle", now->handle},
                              {"platform", now->platform}};
    out::line(doc.dump());
    return;
  }
  std::string line = o.ref + ": ";
  if (!now) line += changed ? "opt-out removed" : "was not opted out";
  else if (now->person_id != person) line += (o.undo && changed ? "own opt-out removed; still " : "") + std::string("opted out as ") +
                                             now->handle + " on " + now->platform + " (" + now->reason + "), a linked person";
  else line += std::string(changed ? "opted out" : "already opted out") + " (" + now->reason + ", " + now->created_at + ")";
  out::line(line);
}

} // namespace

void setup_leads_optout(CLI::App *leads_cmd, Context &ctx) {
  auto o = std::make_shared<OptoutOptions>();
  CLI::App *cmd = leads_cmd->add_subcommand("optout", "Never message this person again (dm, sequences), on any linked platform");
  cmd->add_option("PERSON", o->ref, "@username, a platform user id, or a lead id")->required();
  cmd->add_option("--platform", o->platform, "The person's platform, when the name exists on several");
  cmd->add_option("--reason", o->reason, "Why (kept with the opt-out)");
  cmd->add_flag("--undo", o->undo, "Remove the person's own opt-out (a mistake)");
  cmd->add_flag("--json", o->json, "One JSON line");
  cmd->footer(R"EX(
Examples:
  webox leads optout @marie.dupont --platform instagram --reason "a demandé STOP"
  webox leads optout @marie.dupont --undo
  webox leads list --opted-out
People who write an opt-out word (leads.optout_words: STOP, désinscrire,
unsubscribe, ...) in a comment or DM are opted out by collection. People
sharing a phone or e-mail with an opted-out person are covered too.
Exit status: 0 done; 2 nobody or several people match. See webox-leads(1).)EX");
  cmd->callback([o, &ctx] { ctx.command = [o, &ctx] { run_optout(*o, ctx); }; });
}

WEBOX_COMMAND_PART(33, "leads", setup_leads_optout);

} // namespace webox::cli
