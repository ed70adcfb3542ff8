// `webox leads export`: leads to a file, stdout, Google Sheets, Notion or a
// signed webhook, in full or only what changed since the last export there.
//
//   webox leads export [filters] [--format csv|json|jsonl] [-o FILE|-] [--bom] [--fields a,b,c]
//   webox leads export [filters] --to sheets:ID/RANGE | notion:DATABASE_ID | webhook:URL
//                      [--map field=Property,...] [--since-last] [--batch N] [--json]
//
// Registered under the `leads` command from this file (order after it).
// The work is in lib/export/: rows are read page by page (row_source) and
// written or sent as they come, so memory stays bounded whatever the count.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>

#include <nlohmann/json.hpp>

#include "cli/checks.hpp"
#include "cli/command.hpp"
#include "cli/context.hpp"
#include "cli/output.hpp"
#include "lib/core/cancel.hpp"
#include "lib/core/config.hpp"
#include "lib/core/crypto.hpp"
#include "lib/core/error.hpp"
#include "lib/core/keystore.hpp"
#include "lib/core/logging.hpp"
#include "lib/core/paths.hpp"
#include "lib/core/url_redact.hpp"
#include "lib/export/destination.hpp"
#include "lib/export/destination_lock.hpp"
#include "lib/export/export_settings.hpp"
#include "lib/export/export_state.hpp"
#include "lib/export/google_auth.hpp"
#include "lib/export/notion_client.hpp"
#include "lib/export/record_writer.hpp"
#include "lib/export/rejection.hpp"
#include "lib/export/row_source.hpp"
#include "lib/export/sheets_client.hpp"
#include "lib/export/sheets_upsert.hpp"
#include "lib/export/sink.hpp"
#include "lib/export/webhook_sender.hpp"
#include "lib/leads/leads_store.hpp"
#include "lib/leads/collect/record.hpp"
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
  webox leads export --format csv -o leads.csv --min-score 15
  webox leads export --format jsonl --status new | jq .
  webox leads export --fields username,phone,score --bom -o leads.csv
  webox leads export --to 'sheets:1AbC...xyz/Leads!A1' --since-last       # GOOGLE_APPLICATION_CREDENTIALS
  webox leads export --to 'sheets:1AbC...xyz/Leads' --fields id,username,status  # a lead's row updated by id
  webox leads export --to notion:DATABASE_ID --map phone=Téléphone,score=Score   # NOTION_TOKEN
  webox leads export --to webhook:https://crm.example/hooks/leads          # WEBOX_WEBHOOK_SECRET=whsec_...
Exit codes: 2 bad flag, scheme, range or field; 3 the destination refused some
leads (each shown, the others sent); 4 missing or refused credentials;
75 destination unreachable or still failing after retries.
See webox-leads-export(1).)EX";

leads::LeadFilter filter_of(const LeadsExportOptions &o) {
  return leads::lead_filter_from_flags(o.platform, o.status, o.min_score, o.has_phone, o.since, o.limit);
}

// A secret from the environment, else from `webox keys`.
std::optional<std::string> secret(Context &ctx, const char *name) {
  std::string v = paths::env(name);
  if (!v.empty()) return v;
  std::error_code ec;
  if (!std::filesystem::exists(ctx.keys().file(), ec)) return std::nullopt;
  return ctx.keys().get(name);
}

std::string env_or(const char *name, const char *fallback) {
  std::string v = paths::env(name);
  return v.empty() ? fallback : v;
}

// What an export did, for the summary.
struct Outcome {
  int64_t rows = 0, sent = 0, requests = 0;
  std::vector<ex::Rejection> rejected;
};

// "lead 12 (@marie.dupont)": the lead a destination refused, as people know it.
std::string who(store::Db &db, int64_t lead_id) {
  std::string s = "lead " + std::to_string(lead_id);
  if (auto lead = leads::show_lead(db, std::to_string(lead_id))) {
    std::string u = (*lead)["person"].value("username", "");
    if (!u.empty()) s += " (@" + u + ")";
  }
  return s;
}

void report(Outcome &out, store::Db &db, int64_t lead_id, const std::string &message) {
  // A receiver's answer may echo the URL it was called with, credentials included.
  std::string shown = logging::redact(message);
  std::fprintf(stderr, "webox: %s refused: %s\n", who(db, lead_id).c_str(), shown.c_str());
  out.rejected.push_back({lead_id, shown});
}

void check_cancel() {
  if (cancel::requested()) throw Interrupted();
}

// ---- Files and stdout --------------------------------------------------------------

Outcome export_file(const LeadsExportOptions &o, ex::RowSource &rows, ex::Format format, ex::ByteSink &sink) {
  Outcome out;
  auto writer = ex::make_writer(format, sink, rows.fields(), o.bom);
  bool open = writer->begin();
  while (open) {
    check_cancel();
    size_t n = rows.next_page([&](int64_t, std::span<const ex::Cell> cells) {
      if (open) open = writer->row(cells);
    });
    if (n == 0) break;
  }
  if (open) writer->finish();
  out.rows = out.sent = rows.rows_read();
  return out;
}

// ---- Google Sheets ---------------------------------------------------------------

json sheet_cell(const ex::Field &f, const ex::Cell &c) {
  if (c.null) return "";
  if (f.type == ex::FieldType::integer) return std::stoll(std::string(c.text));
  return std::string(c.text);
}

Outcome export_sheets(const LeadsExportOptions &o, ex::RowSource &rows, const ex::Destination &d, const net::HttpClient &http,
                      store::Db &db, ex::Checkpoint &checkpoint) {
  std::string key_file = paths::env("GOOGLE_APPLICATION_CREDENTIALS");
  if (key_file.empty())
    throw Error("set GOOGLE_APPLICATION_CREDENTIALS to the service account's JSON key file", ExitCode::config);
  ex::TokenSource tokens(ex::ServiceAccount::from_file(key_file), "https://www.googleapis.com/auth/spreadsheets", http);
  ex::SheetsClient sheets(env_or("SHEETS_BASE_URL", "https://sheets.googleapis.com"), d.target, d.range, tokens, http);
  // Leads already in the sheet are rewritten in place, the others appended.
  ex::SheetsUpsert upsert(sheets, d.range, rows.fields());
  Outcome out;
  const size_t batch = o.batch > 0 ? static_cast<size_t>(o.batch) : 500;
  for (;;) {
    check_cancel();
    std::vector<ex::SheetRow> pending;
    rows.next_page(
        [&](int64_t id, std::span<const ex::Cell> cells) {
          json row = json::array();
          for (size_t i = 0; i < cells.size(); ++i) row.push_back(sheet_cell(*rows.fields()[i], cells[i]));
          pending.push_back({id, std::move(row)});
        },
        batch);
    if (pending.empty()) break;
    ex::SheetsBatchOutcome written = upsert.write(pending);
    out.requests += written.requests;
    out.sent += written.written;
    for (const auto &r : written.refused) report(out, db, r.lead_id, r.message);
    if (written.refused.empty()) checkpoint.acknowledged(pending.back().lead_id, out.sent);
    else checkpoint.refused();
  }
  out.rows = rows.rows_read();
  return out;
}

// ---- Notion --------------------------------------------------------------------------

Outcome export_notion(const LeadsExportOptions &o, ex::RowSource &rows, const ex::Destination &d, const net::HttpClient &http,
                      Context &ctx, const std::vector<ex::PropertyMapping> &map, ex::Checkpoint &checkpoint) {
  auto token = secret(ctx, "NOTION_TOKEN");
  if (!token) throw Error("set NOTION_TOKEN (or webox keys set NOTION_TOKEN) to the integration's secret", ExitCode::config);
  ex::ExportSettings settings = ex::load_export_settings(ctx.config().source);
  ex::NotionClient notion(env_or("NOTION_BASE_URL", "https://api.notion.com"), *token, settings.notion_version, d.target,
                          http);
  notion.prepare();
  Outcome out;
  const size_t page = o.batch > 0 ? static_cast<size_t>(o.batch) : 100;
  for (;;) {
    check_cancel();
    std::vector<std::pair<int64_t, json>> pending;
    rows.next_page([&](int64_t id, std::span<const ex::Cell> cells) { pending.emplace_back(id, ex::notion_properties(map, rows.fields(), cells)); },
                   page);
    if (pending.empty()) break;
    for (auto &[id, props] : pending) {
      check_cancel();
      ++out.requests;
      auto r = notion.upsert(props, ex::remote_id(ctx.db(), d.state_key, id));
      if (!r.rejected.empty()) {
        report(out, ctx.db(), id, r.rejected);
        checkpoint.refused();
        continue;
      }
      ex::save_remote_id(ctx.db(), d.state_key, id, r.page_id);
      ++out.sent;
      checkpoint.acknowledged(id, out.sent);
    }
  }
  out.rows = rows.rows_read();
  return out;
}

// ---- Webhooks -----------------------------------------------------------------------

Outcome export_webhook(const LeadsExportOptions &o, ex::RowSource &rows, const ex::Destination &d, const net::HttpClient &http,
                       Context &ctx, ex::Checkpoint &checkpoint) {
  auto secret_text = secret(ctx, "WEBOX_WEBHOOK_SECRET");
  if (!secret_text)
    throw Error("webhooks are signed: set WEBOX_WEBHOOK_SECRET (or webox keys set WEBOX_WEBHOOK_SECRET) to the "
                "receiver's whsec_... secret",
                ExitCode::config);
  ex::WebhookSender sender(d.target, ex::webhook_key(*secret_text), http);
  Outcome out;
  const size_t batch = o.batch > 0 ? static_cast<size_t>(o.batch) : 100;
  for (;;) {
    check_cancel();
    std::string body = R"({"type":"leads.exported","data":[)";
    std::vector<int64_t> ids;
    rows.next_page(
        [&](int64_t id, std::span<const ex::Cell> cells) {
          if (!ids.empty()) body += ',';
          ex::append_json_object(body, rows.fields(), cells);
          ids.push_back(id);
        },
        batch);
    if (ids.empty()) break;
    body += "]}";
    ++out.requests;
    std::string refused = sender.deliver(body);
    if (!refused.empty()) {
      for (int64_t id : ids) report(out, ctx.db(), id, refused);
      checkpoint.refused();
    } else {
      out.sent += static_cast<int64_t>(ids.size());
      checkpoint.acknowledged(ids.back(), out.sent);
    }
  }
  out.rows = rows.rows_read();
  return out;
}

// ---- The command -----------------------------------------------------------------------

// What a checkpoint is valid for: the same filters and fields (a resumed
// export must skip only leads the interrupted one sent).
std::string export_scope(const LeadsExportOptions &o, const std::vector<const ex::Field *> &fields) {
  std::string text = o.platform + '\n' + o.status + '\n' + o.since + '\n' +
                     (o.min_score ? std::to_string(*o.min_score) : "-") + '\n' + (o.has_phone ? "phone" : "-") + '\n' +
                     std::to_string(o.limit) + '\n';
  for (const ex::Field *f : fields) text.append(f->name).append(",");
  return crypto::hex_encode(crypto::sha256(text)).substr(0, 32);
}

// The checkpoint an interrupted export to `key` left, when this run may
// resume it: same scope, and a window starting where this one starts (or
// earlier: it then delivered a superset of this run's leads up to its id).
std::optional<ex::ExportProgress> resumable(store::Db &db, const std::string &key, const std::string &scope,
                                           const std::optional<std::string> &since) {
  auto p = ex::load_progress(db, key);
  if (!p || p->scope != scope) return std::nullopt;
  if (p->since && p->since != since) return std::nullopt;
  return p;
}

void run_leads_export(const LeadsExportOptions &o, Context &ctx) {
  // Everything the user typed is checked before anything is read or sent.
  ex::Format format = ex::parse_format(o.format);
  auto fields = o.fields.empty() ? ex::default_fields() : ex::parse_fields(o.fields);
  leads::LeadFilter filter = filter_of(o);
  std::optional<ex::Destination> dest;
  if (!o.to.empty()) dest = ex::parse_destination(o.to);
  const bool to_stdout = !dest && (o.output.empty() || o.output == "-");
  if (dest && !o.output.empty()) throw UsageError("-o and --to are exclusive: a file, or a destination");
  if (o.bom && (dest || format != ex::Format::csv)) throw UsageError("--bom applies to CSV files only");
  if (dest && o.format != "csv") throw UsageError("--format applies to files and stdout, not to --to");
  if (!o.map.empty() && !(dest && dest->kind == ex::DestinationKind::notion)) throw UsageError("--map applies to --to notion: only");
  if (o.json && to_stdout) throw UsageError("--json prints a summary on stdout: send the leads elsewhere with -o FILE or --to");
  if (o.since_last && to_stdout) throw UsageError("--since-last needs a destination to remember: -o FILE or --to");
  if (o.batch < 0) throw UsageError("--batch must be positive");
  if (!dest && !to_stdout) dest = ex::file_destination(std::filesystem::absolute(o.output).lexically_normal().string());

  std::vector<ex::PropertyMapping> notion_map;
  if (dest && dest->kind == ex::DestinationKind::notion) {
    std::string spec = o.map.empty() ? ex::load_export_settings(ctx.config().source).notion_map : o.map;
    notion_map = spec.empty() ? ex::default_property_map() : ex::parse_property_map(spec);
    // The mapped fields are the ones read.
    fields.clear();
    for (const auto &m : notion_map)
      if (std::find(fields.begin(), fields.end(), m.field) == fields.end()) fields.push_back(m.field);
  }

  std::optional<ex::DestinationLock> lock;
  if (dest) lock.emplace(dest->state_key);

  std::optional<ex::ExportState> previous;
  if (dest && o.since_last) previous = ex::load_state(ctx.db(), dest->state_key);
  std::optional<std::string> changed_after;
  if (previous) changed_after = previous->watermark;

  // Lists are JSON arrays where the output is JSON (json/jsonl files, webhook
  // bodies), space-separated text in cells (CSV, Sheets, Notion text).
  const bool remote = dest && dest->kind != ex::DestinationKind::file;
  const bool lists_joined = remote ? dest->kind != ex::DestinationKind::webhook : format == ex::Format::csv;
  const std::string scope = export_scope(o, fields);
  std::optional<ex::ExportProgress> resumed;
  if (remote && o.since_last) resumed = resumable(ctx.db(), dest->state_key, scope, changed_after);
  std::optional<ex::Delivered> delivered;
  if (resumed) delivered = ex::Delivered{resumed->watermark, resumed->after_id};
  ex::RowSource rows(ctx.db(), filter, fields, lists_joined, changed_after, 2000, delivered);

  auto start = std::chrono::steady_clock::now();
  Outcome result;
  std::string where;
  if (to_stdout) {
    ex::FunctionSink sink([](std::string_view bytes) { return out::write(bytes); });
    result = export_file(o, rows, format, sink);
    where = "stdout";
  } else if (dest->kind == ex::DestinationKind::file) {
    ex::FileSink sink(dest->target);
    result = export_file(o, rows, format, sink);
    sink.commit();
    where = dest->target;
  } else {
    ctx.config(); // configures HTTP (timeouts, retries) for this process
    net::HttpClient http(plugin::http_settings());
    ex::Checkpoint checkpoint(ctx.db(), dest->state_key, {scope, changed_after, rows.watermark(), 0, 0}, resumed);
    if (dest->kind == ex::DestinationKind::sheets) result = export_sheets(o, rows, *dest, http, ctx.db(), checkpoint);
    else if (dest->kind == ex::DestinationKind::notion) result = export_notion(o, rows, *dest, http, ctx, notion_map, checkpoint);
    else result = export_webhook(o, rows, *dest, http, ctx, checkpoint);
    where = url::redact(o.to);
  }
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();

  // Only a complete export moves the watermark: refused leads go again next time.
  bool advanced = false;
  if (dest && result.rejected.empty() && !rows.watermark().empty()) {
    ex::save_state(ctx.db(), dest->state_key, rows.watermark(), result.sent);
    advanced = true;
  }

  if (o.json) {
    json refused = json::array();
    for (const auto &r : result.rejected) refused.push_back({{"lead", r.lead_id}, {"message", r.message}});
    out::line(json{{"destination", dest ? dest->state_key : "stdout"},
                   {"rows", result.rows},
                   {"sent", result.sent},
                   {"requests", result.requests},
                   {"rejected", refused},
                   {"since", changed_after ? json(*changed_after) : json(nullptr)},
                   {"resumed_after", resumed ? json(resumed->after_id) : json(nullptr)},
                   {"watermark", rows.watermark().empty() ? json(nullptr) : json(rows.watermark())},
                   {"state_advanced", advanced},
                   {"elapsed_ms", ms}}
                  .dump(-1, ' ', false, json::error_handler_t::replace));
  } else if (!to_stdout) {
    std::fprintf(stderr, "exported %lld lead(s) to %s%s%s\n", static_cast<long long>(result.sent), where.c_str(),
                 changed_after ? " (changed since the last export)" : "",
                 resumed ? " (resuming an interrupted export)" : "");
  }
  if (!result.rejected.empty()) {
    std::fprintf(stderr, "webox: %zu lead(s) refused by the destination, the others sent; the export state was not advanced\n",
                 result.rejected.size());
    ctx.exit_code = static_cast<int>(ExitCode::partial);
  }
}

void setup_leads_export(CLI::App &app, Context &ctx) {
  CLI::App *leads_cmd = app.get_subcommand("leads");
  auto o = std::make_shared<LeadsExportOptions>();
  CLI::App *cmd = leads_cmd->add_subcommand("export", "Leads to CSV/JSON/JSONL, Google Sheets, Notion or a signed webhook");
  cmd->add_option("--platform", o->platform, "Only this platform (instagram, x, ...)");
  cmd->add_option("--status", o->status, "new, contacted, in_progress, converted or refused");
  cmd->add_option("--min-score", o->min_score, "Only leads scoring at least N (0-100)")->check(CLI::Range(0, 100));
  cmd->add_flag("--has-phone", o->has_phone, "Only leads with a phone number");
  cmd->add_option("--since", o->since, "Only leads active since DATE");
  cmd->add_option("-n,--limit", o->limit, "At most N leads (0 = all)")->check(CLI::NonNegativeNumber);
  cmd->add_option("--format", o->format, "csv (default), json or jsonl");
  cmd->add_option("-o,--output", o->output, "Write to FILE (complete or not at all); - or nothing = stdout")
      ->type_name("FILE");
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

WEBOX_COMMAND(32, setup_leads_export);

} // namespace webox::cli
