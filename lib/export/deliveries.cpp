#include "lib/export/deliveries.hpp"

#include <span>
#include <utility>

#include <nlohmann/json.hpp>

#include "lib/core/cancel.hpp"
#include "lib/core/error.hpp"
#include "lib/core/paths.hpp"
#include "lib/export/google_auth.hpp"
#include "lib/export/sheets_client.hpp"
#include "lib/export/sheets_upsert.hpp"
#include "lib/export/webhook_sender.hpp"

namespace webox::exporting {
namespace {

using nlohmann::json;

// The services' public hosts; the variables point a run at a test double.
constexpr const char *kSheetsBaseUrl = "https://sheets.googleapis.com";
constexpr const char *kNotionBaseUrl = "https://api.notion.com";

std::string base_url(const char *variable, const char *fallback) {
  std::string v = paths::env(variable);
  return v.empty() ? fallback : v;
}

void stop_if_cancelled() {
  if (cancel::requested()) throw Interrupted();
}

size_t batch_or(int batch, size_t fallback) { return batch > 0 ? static_cast<size_t>(batch) : fallback; }

json sheet_cell(const Field &f, const Cell &c) {
  if (c.null) return "";
  if (f.type == FieldType::integer) return std::stoll(std::string(c.text));
  if (f.type == FieldType::boolean) return c.text == "true";
  return std::string(c.text);
}

} // namespace

// ---- Files and stdout --------------------------------------------------------------

Delivery deliver_file(RowSource &rows, Format format, ByteSink &sink, bool bom) {
  Delivery out;
  auto writer = make_writer(format, sink, rows.fields(), bom);
  bool open = writer->begin();
  while (open) {
    stop_if_cancelled();
    size_t n = rows.next_page([&](int64_t, std::span<const Cell> cells) {
      if (open) open = writer->row(cells);
    });
    if (n == 0) break;
  }
  if (open) writer->finish();
  out.rows = out.sent = rows.rows_read();
  return out;
}

// ---- Google Sheets ---------------------------------------------------------------

Delivery deliver_sheets(const Remote &r) {
  std::string key_file = paths::env("GOOGLE_APPLICATION_CREDENTIALS");
  if (key_file.empty())
    throw Error("set GOOGLE_APPLICATION_CREDENTIALS to the service account's JSON key file", ExitCode::config);
  TokenSource tokens(ServiceAccount::from_file(key_file), "https://www.googleapis.com/auth/spreadsheets", r.http);
  SheetsClient sheets(base_url("SHEETS_BASE_URL", kSheetsBaseUrl), r.destination.target, r.destination.range, tokens, r.http);
  // Leads already in the sheet are rewritten in place, the others appended.
  SheetsUpsert upsert(sheets, r.destination.range, r.rows.fields());
  Delivery out;
  const size_t batch = batch_or(r.batch, 500);
  for (;;) {
    stop_if_cancelled();
    std::vector<SheetRow> pending;
    r.rows.next_page(
        [&](int64_t id, std::span<const Cell> cells) {
          json row = json::array();
          for (size_t i = 0; i < cells.size(); ++i) row.push_back(sheet_cell(*r.rows.fields()[i], cells[i]));
          pending.push_back({id, std::move(row)});
        },
        batch);
    if (pending.empty()) break;
    SheetsBatchOutcome written = upsert.write(pending);
    out.requests += written.requests;
    out.sent += written.written;
    for (const auto &refused : written.refused) r.refuse(out, refused.lead_id, refused.message);
    if (written.refused.empty()) r.checkpoint.acknowledged(pending.back().lead_id, out.sent);
    else r.checkpoint.refused();
  }
  out.rows = r.rows.rows_read();
  return out;
}

// ---- Notion --------------------------------------------------------------------------

Delivery deliver_notion(const Remote &r, const SecretLookup &secret, const std::string &notion_version,
                        const std::vector<PropertyMapping> &map) {
  auto token = secret("NOTION_TOKEN");
  if (!token) throw Error("set NOTION_TOKEN (or webox keys set NOTION_TOKEN) to the integration's secret", ExitCode::config);
  NotionClient notion(base_url("NOTION_BASE_URL", kNotionBaseUrl), *token, notion_version, r.destination.target, r.http);
  notion.prepare();
  Delivery out;
  const size_t page = batch_or(r.batch, 100);
  for (;;) {
    stop_if_cancelled();
    std::vector<std::pair<int64_t, json>> pending;
    r.rows.next_page(
        [&](int64_t id, std::span<const Cell> cells) { pending.emplace_back(id, notion_properties(map, r.rows.fields(), cells)); },
        page);
    if (pending.empty()) break;
    for (auto &[id, props] : pending) {
      stop_if_cancelled();
      ++out.requests;
      auto answer = notion.upsert(props, remote_id(r.db, r.destination.state_key, id));
      if (!answer.rejected.empty()) {
        r.refuse(out, id, answer.rejected);
        r.checkpoint.refused();
        continue;
      }
      save_remote_id(r.db, r.destination.state_key, id, answer.page_id);
      ++out.sent;
      r.checkpoint.acknowledged(id, out.sent);
    }
  }
  out.rows = r.rows.rows_read();
  return out;
}

// ---- Webhooks -----------------------------------------------------------------------

Delivery deliver_webhook(const Remote &r, const SecretLookup &secret) {
  auto secret_text = secret("WEBOX_WEBHOOK_SECRET");
  if (!secret_text)
    throw Error("webhooks are signed: set WEBOX_WEBHOOK_SECRET (or webox keys set WEBOX_WEBHOOK_SECRET) to the "
                "receiver's whsec_... secret",
                ExitCode::config);
  WebhookSender sender(r.destination.target, webhook_key(*secret_text), r.http);
  Delivery out;
  const size_t batch = batch_or(r.batch, 100);
  for (;;) {
    stop_if_cancelled();
    std::string body = R"({"type":"leads.exported","data":[)";
    std::vector<int64_t> ids;
    r.rows.next_page(
        [&](int64_t id, std::span<const Cell> cells) {
          if (!ids.empty()) body += ',';
          append_json_object(body, r.rows.fields(), cells);
          ids.push_back(id);
        },
        batch);
    if (ids.empty()) break;
    body += "]}";
    ++out.requests;
    std::string refused = sender.deliver(body);
    if (!refused.empty()) {
      for (int64_t id : ids) r.refuse(out, id, refused);
      r.checkpoint.refused();
    } else {
      out.sent += static_cast<int64_t>(ids.size());
      r.checkpoint.acknowledged(ids.back(), out.sent);
    }
  }
  out.rows = r.rows.rows_read();
  return out;
}

} // namespace webox::exporting
