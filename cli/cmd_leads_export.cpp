// `webox leads export`: leads to a file, stdout, Google Sheets, Notion or a
// signed webhook, in full or only what changed since the last export there.
//
//   webox leads export [filters] [--format csv|json|jsonl] [--output FILE|-] [--bom] [--fields a,b,c]
//   webox leads export [filters] --to sheets:ID/RANGE | notion:DATABASE_ID | webhook:URL
//                      [--map field=Property,...] [--since-last] [--batch N] [--json]
//
// Registered under the `leads` command from this file (order after it).
// The work is in lib/export/ (leads_export.hpp): rows are read page by page
// and written or sent as they come, so memory stays bounded whatever the count.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>

#include <nlohmann/json.hpp>

#include "cli/checks.hpp"
#include "cli/command.hpp"
#include "cli/context.hpp"
#include "cli/flags.hpp"
#include "cli/output.hpp"
#include "lib/core/config.hpp"
#include "lib/core/error.hpp"
#include "lib/core/url_redact.hpp"
#include "lib/export/destination.hpp"
#include "lib/export/fields.hpp"
#include "lib/export/leads_export.hpp"
#include "lib/export/record_writer.hpp"
#include "lib/export/sink.hpp"
#include "lib/plugin/host_api.hpp"
#include "lib/store/db.hpp"

namespace webox::cli {
namespace {

using nlohmann::json;
namespace ex = webox::exporting;

struct LeadsExportOptions {
  std::string platform, status, since;
  std::optional<int> min_score;
  bool has_phone = false;
  int limit = 0;
  std::string format = "csv", output, fields, to, map;
  bool bom = false, since_last = false, json = false;
  int batch = 0;
};

constexpr const char *kExportExamples = R"EX(
Examples:
  webox leads export --format csv --output leads.csv --min-score 15
  webox leads export --format jsonl --status new | jq .
  webox leads export --fields username,phone,score --bom --output leads.csv
  webox leads export --to 'sheets:1AbC...xyz/Leads!A1' --since-last       # GOOGLE_APPLICATION_CREDENTIALS
  webox leads export --to 'sheets:1AbC...xyz/Leads' --fields id,username,status  # a lead's row updated by id
  webox leads export --to notion:DATABASE_ID --map phone=Téléphone,score=Score   # NOTION_TOKEN
  webox leads export --to webhook:https://crm.example/hooks/leads          # WEBOX_WEBHOOK_SECRET=whsec_...
Exit codes: 2 bad flag, scheme, range or field; 3 the destination refused some
leads (each shown, the others sent); 4 missing or refused credentials;
75 destination unreachable or still failing after retries.
See webox-leads-export(1).)EX";

ex::LeadSelection selection_of(const LeadsExportOptions &o) {
  return {o.platform, o.status, o.since, o.min_score, o.has_phone, o.limit};
}

// Everything the user typed is checked before anything is read or sent.
ex::ExportJob job_of(const LeadsExportOptions &o) {
  ex::ExportJob job;
  job.format = ex::parse_format(o.format);
  job.fields = o.fields.empty() ? ex::default_fields() : ex::parse_fields(o.fields);
  job.selection = selection_of(o);
  job.filter = ex::lead_filter(job.selection);
  if (!o.to.empty()) job.destination = ex::parse_destination(o.to);
  const auto &dest = job.destination;
  const bool to_stdout = !dest && (o.output.empty() || o.output == "-");
  if (dest && !o.output.empty()) throw UsageError("--output and --to are exclusive: a file, or a destination");
  if (o.bom && (dest || job.format != ex::Format::csv)) throw UsageError("--bom applies to CSV files only");
  if (dest && o.format != "csv") throw UsageError("--format applies to files and stdout, not to --to");
  if (!o.map.empty() && !(dest && dest->kind == ex::DestinationKind::notion)) throw UsageError("--map applies to --to notion: only");
  if (o.json && to_stdout) throw UsageError("--json prints a summary on stdout: send the leads elsewhere with --output FILE or --to");
  if (o.since_last && to_stdout) throw UsageError("--since-last needs a destination to remember: --output FILE or --to");
  if (o.batch < 0) throw UsageError("--batch must be positive");
  if (!dest && !to_stdout)
    job.destination = ex::file_destination(std::filesystem::absolute(o.output).lexically_normal().string());
  job.bom = o.bom;
  job.notion_map = o.map;
  job.since_last = o.since_last;
  job.batch = o.batch;
  return job;
}

// The store, the config, HTTP settings and secrets as the rest of webox has them.
ex::ExportServices services_of(Context &ctx, ex::ByteSink &stdout_sink) {
  ex::ExportServices s;
  s.db = [&ctx]() -> store::Db & { return ctx.db(); };
  s.config_file = [&ctx] { return ctx.config().source; };
  s.http_settings = [&ctx] {
    ctx.config(); // configures HTTP (timeouts, retries) for this process
    return plugin::http_settings();
  };
  s.secret = [&ctx](const std::string &name) {
    ctx.config(); // the key store behind the environment
    return plugin::lookup_secret(name, "", "");
  };
  s.stdout_sink = &stdout_sink;
  s.on_refused = [](const std::string &who, const std::string &reason) {
    std::fprintf(stderr, "webox: %s refused: %s\n", who.c_str(), reason.c_str());
  };
  return s;
}

void print_summary(const LeadsExportOptions &o, const ex::ExportJob &job, const ex::ExportSummary &r) {
  if (o.json) {
    json refused = json::array();
    for (const auto &x : r.rejected) refused.push_back({{"lead", x.lead_id}, {"message", x.message}});
    out::line(json{{"destination", r.destination},
                   {"rows", r.rows},
                   {"sent", r.sent},
                   {"requests", r.requests},
                   {"rejected", refused},
                   {"since", r.since ? json(*r.since) : json(nullptr)},
                   {"resumed_after", r.resumed_after ? json(*r.resumed_after) : json(nullptr)},
                   {"watermark", r.watermark.empty() ? json(nullptr) : json(r.watermark)},
                   {"state_advanced", r.state_advanced},
                   {"elapsed_ms", r.elapsed_ms}}
                  .dump(-1, ' ', false, json::error_handler_t::replace));
  } else if (job.destination) {
    std::string where = job.destination->kind == ex::DestinationKind::file ? job.destination->target : url::redact(o.to);
    std::fprintf(stderr, "exported %lld lead(s) to %s%s%s\n", static_cast<long long>(r.sent), where.c_str(),
                 r.since ? " (changed since the last export)" : "", r.resumed_after ? " (resuming an interrupted export)" : "");
  }
}

void run_leads_export(const LeadsExportOptions &o, Context &ctx) {
  ex::ExportJob job = job_of(o);
  ex::FunctionSink stdout_sink([](std::string_view bytes) { return out::write(bytes); });
  ex::ExportSummary result = ex::export_leads(job, services_of(ctx, stdout_sink));
  print_summary(o, job, result);
  if (!result.rejected.empty()) {
    std::fprintf(stderr, "webox: %zu lead(s) refused by the destination, the others sent; the export state was not advanced\n",
                 result.rejected.size());
    ctx.exit_code = static_cast<int>(ExitCode::partial);
  }
}

void setup_leads_export(CLI::App *leads_cmd, Context &ctx) {
  auto o = std::make_shared<LeadsExportOptions>();
  CLI::App *cmd = leads_cmd->add_subcommand("export", "Leads to CSV/JSON/JSONL, Google Sheets, Notion or a signed webhook");
  cmd->add_option("--platform", o->platform, "Only this platform (instagram, x, ...)");
  cmd->add_option("--status", o->status, "new, contacted, in_progress, converted or refused");
  cmd->add_option("--min-score", o->min_score, "Only leads scoring at least N (0-100)")->check(CLI::Range(0, 100));
  cmd->add_flag("--has-phone", o->has_phone, "Only leads with a phone number");
  cmd->add_option("--since", o->since, "Only leads active since DATE");
  cmd->add_option("-n,--limit", o->limit, "At most N leads (0 = all)")->check(CLI::NonNegativeNumber);
  cmd->add_option("--format", o->format, "csv (default), json or jsonl");
  add_output_option(cmd, o->output, "Write to FILE (complete or not at all); - or nothing = stdout");
  cmd->add_flag("--bom", o->bom, "Start the CSV with a UTF-8 byte order mark (Excel)");
  cmd->add_option("--fields", o->fields, "Columns, comma-separated: " + ex::field_names());
  cmd->add_option("--to", o->to, "sheets:SPREADSHEET_ID/RANGE, notion:DATABASE_ID or webhook:URL");
  cmd->add_option("--map", o->map, "Notion properties: field=Property[:type],... (types: title, rich_text, number, "
                                   "select, phone_number, email)");
  cmd->add_flag("--since-last", o->since_last, "Only leads new or changed since the last complete export to this destination");
  cmd->add_option("--batch", o->batch, "Leads per request (Sheets 500, webhook 100)")->check(checks::whole_number(1));
  cmd->add_flag("--json", o->json, "Print a JSON summary on stdout");
  cmd->footer(kExportExamples);
  cmd->callback([o, &ctx] { ctx.command = [o, &ctx] { run_leads_export(*o, ctx); }; });
}

} // namespace

WEBOX_COMMAND_PART(32, "leads", setup_leads_export);

} // namespace webox::cli
