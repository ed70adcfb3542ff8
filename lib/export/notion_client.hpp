// Notion API: one page per lead in a database.
//
// Wire: POST {base}/v1/pages to create, PATCH {base}/v1/pages/{page_id} to
// update a lead exported before, with
//   Authorization: Bearer <integration secret>   (NOTION_TOKEN)
//   Notion-Version: 2022-06-28                    (pinned; config export.notion.version)
//   {"parent": {"database_id": ID}, "properties": {NAME: VALUE, ...}}
// Property values by type: title/rich_text [{"text": {"content": s}}] (at
// most 2000 characters per item), number n, select {"name": s} (no commas
// allowed), phone_number "s", email "s". → 200 {"object": "page", "id", ...}.
// Errors are {"object": "error", "status", "code", "message"}: 400
// validation_error (a property of another type, an unknown property; shown
// with the lead, the others continue), 401 unauthorized, 404
// object_not_found (database not shared with the integration), 429
// rate_limited and 529 service_overload with Retry-After in seconds.
//
// Quirks: about 3 requests per second per integration on average, so the
// client spaces its requests by at least 334 ms and honours Retry-After on
// 429/529 (the request was not processed, a retry is safe); page creation
// is not idempotent, so 5xx is not retried blindly, and page ids are kept
// per lead (lib/export/export_state) so the next export updates the page.
// With Notion-Version 2025-09-03 and later a database may hold several data
// sources and pages are created under {"data_source_id"}; we pin 2022-06-28.
//
// Source: developers.notion.com/reference/post-page, /reference/request-limits,
// /reference/property-value-object.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lib/export/fields.hpp"
#include "lib/export/row_source.hpp"
#include "lib/net/http_client.hpp"

namespace webox::exporting {

struct PropertyMapping {
  const Field *field = nullptr;
  std::string property; // the Notion property name
  std::string type;     // title, rich_text, number, select, phone_number, email
};

// "field=Property[:type],...": the type defaults by field (username → title,
// score → number, phone → phone_number, ...). Throws UsageError for an
// unknown field or type, or a missing '='.
std::vector<PropertyMapping> parse_property_map(std::string_view spec);
// The mapping used when neither --map nor config gives one.
std::vector<PropertyMapping> default_property_map();

// The "properties" object for one lead; empty cells are left out.
nlohmann::json notion_properties(const std::vector<PropertyMapping> &map, const std::vector<const Field *> &fields,
                                 std::span<const Cell> cells);

class NotionClient {
public:
  NotionClient(std::string base_url, std::string token, std::string version, std::string database_id,
               const net::HttpClient &http, int64_t min_interval_ms = 334);

  struct Result {
    std::string page_id;  // set on success
    std::string rejected; // Notion's message when it refused this lead
  };
  // Creates a page, or updates `page_id` when given. Throws for auth (4)
  // and for failures that outlived the retries (75).
  Result upsert(const nlohmann::json &properties, const std::optional<std::string> &page_id);

private:
  void pace();
  std::string m_base, m_token, m_version, m_database;
  const net::HttpClient &m_http;
  int64_t m_min_interval_ms;
  int64_t m_last_ms = 0;
};

} // namespace webox::exporting
