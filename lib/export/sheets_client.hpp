// Google Sheets API v4, spreadsheets.values.append: rows added after the
// table found at a range.
//
// Wire: POST {base}/v4/spreadsheets/{id}/values/{range}:append
//         ?valueInputOption=RAW&insertDataOption=INSERT_ROWS
//       Authorization: Bearer <token from lib/export/google_auth>
//       {"range": RANGE, "majorDimension": "ROWS", "values": [[...], ...]}
// → 200 {"spreadsheetId", "tableRange", "updates": {"updatedRange", "updatedRows", ...}}
// Errors are {"error": {"code", "message", "status"}}: 400 INVALID_ARGUMENT
// (bad range, too much data), 401 UNAUTHENTICATED, 403 PERMISSION_DENIED
// (the sheet is not shared with the service account), 429
// RESOURCE_EXHAUSTED (60 writes per minute per user), retried with backoff.
//
// Quirks: RAW, never USER_ENTERED, which would parse `+33612345678` as a
// number and `=...` as a formula (so no CSV-style formula guard is needed);
// INSERT_ROWS inserts rows instead of overwriting cells below the table; the
// range is percent-encoded inside the path (`!` and `'` included). About 2 MB
// per request is the recommended maximum: callers batch (--batch, default 500).
//
// Source: developers.google.com/sheets/api/reference/rest/v4/spreadsheets.values/append
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "lib/export/google_auth.hpp"
#include "lib/net/http_client.hpp"

namespace webox::exporting {

std::string percent_encode(std::string_view text);

class SheetsClient {
public:
  SheetsClient(std::string base_url, std::string spreadsheet_id, std::string range, TokenSource &tokens,
               const net::HttpClient &http);

  // Appends `rows` (an array of arrays). Returns the error Sheets gave when
  // it refused the batch (400/404...), nullopt on success; throws for auth
  // (exit 4) and for failures that outlived the retries (75).
  std::optional<std::string> append(const nlohmann::json &rows);

private:
  std::string m_base, m_id, m_range;
  TokenSource &m_tokens;
  const net::HttpClient &m_http;
};

} // namespace webox::exporting
