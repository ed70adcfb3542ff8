// Notion API: one page per lead in a database.
//
// Wire: POST {base}/v1/pages to create, PATCH {base}/v1/pages/{page_id} to
// update a lead exported before, with
//   Authorization: Bearer <integration secret>   (NOTION_TOKEN)
//   Notion-Version: 2025-09-03                    (config export.notion.version)
//   {"parent": {"type": "data_source_id", "data_source_id": DS}, "properties": {NAME: VALUE, ...}}
// Since 2025-09-03 a database is a container of one or more data sources
// (tables with their own schema), and pages are created in a data source.
// The id a user copies from the database's URL is the database's, so before
// the first page is created the client asks GET /v1/databases/{id} → 200
// {"object": "database", "data_sources": [{"id", "name"}, ...]}: one data
// source is used as it is; several are a usage error listing them, since
// only the user knows which table the leads belong in. A 404 there may mean
// the id is a data source's own (from its "Copy data source ID" menu):
// GET /v1/data_sources/{id} → 200 {"object": "data_source"} confirms it.
// With an older Notion-Version (2022-06-28), the parent is {"database_id"}
// and no discovery is made; Notion refuses it once a second data source is
// added to the database.
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
//
// Source: developers.notion.com/reference/post-page, /reference/request-limits,
// /reference/property-value-object, /reference/database, /reference/data-source,
// /docs/upgrade-guide-2025-09-03.
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

  // Finds the data source new pages go to (versions that have them), so
  // that an id Notion does not know, or a database of several data sources,
  // stops the export before anything is sent: UsageError (2) listing them,
  // Error (4) when nothing by that id is shared with the integration.
  void prepare();

  // The versions that create pages in a data source (2025-09-03 and later).
  static bool uses_data_sources(const std::string &version);

private:
  void pace();
  net::Outcome send(net::Request req);
  nlohmann::json parent();
  std::string data_source();
  std::string m_base, m_token, m_version, m_database;
  std::optional<std::string> m_data_source; // found once, before the first page is created
  const net::HttpClient &m_http;
  int64_t m_min_interval_ms;
  int64_t m_last_ms = 0;
};

} // namespace webox::exporting
