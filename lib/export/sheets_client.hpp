// Google Sheets API v4, the three calls of `webox leads export --to sheets:`:
// read the id column, rewrite the rows of leads already there, append the
// others.
//
// Every call: Authorization: Bearer <token from lib/export/google_auth>; the
// range is percent-encoded inside the path (`!`, `'`, `:` and spaces
// included). Errors are {"error": {"code", "message", "status"}}: 400
// INVALID_ARGUMENT (bad range, too much data), 401 UNAUTHENTICATED (retried
// once with a fresh token), 403 PERMISSION_DENIED (the sheet is not shared
// with the service account), 429 RESOURCE_EXHAUSTED (per-minute read and
// write quotas, about 60 per user), retried with backoff by lib/net.
//
// values.get: GET {base}/v4/spreadsheets/{id}/values/{range}
//               ?majorDimension=COLUMNS&valueRenderOption=UNFORMATTED_VALUE
//   → 200 {"range": "Leads!A1:A1000", "majorDimension": "COLUMNS", "values": [[cell, ...]]}
//   `range` is the whole requested range clipped to the grid, not the data:
//   trailing empty cells are dropped and `values` is absent when the column
//   is empty, but leading empty cells stay (as ""), so the first cell is the
//   row `range` starts at. UNFORMATTED_VALUE gives numbers as JSON numbers,
//   not as the locale formats them ("1 234" in a French sheet).
//
// values.batchUpdate: POST {base}/v4/spreadsheets/{id}/values:batchUpdate
//   {"valueInputOption": "RAW", "data": [{"range": "Leads!A7:L7",
//     "majorDimension": "ROWS", "values": [[...]]}, ...]}
//   → 200 {"spreadsheetId", "totalUpdatedRows", ..., "responses": [{"updatedRange", ...}]}
//   One request for every row rewritten by a batch; valueInputOption is in
//   the body here, not the query. The ranges do not have to be contiguous.
//
// values.append: POST {base}/v4/spreadsheets/{id}/values/{range}:append
//                  ?valueInputOption=RAW&insertDataOption=INSERT_ROWS
//   {"range": RANGE, "majorDimension": "ROWS", "values": [[...], ...]}
//   → 200 {"spreadsheetId", "tableRange", "updates": {"updatedRange": "Leads!A5:L8", "updatedRows", ...}}
//   The rows land after the table Sheets finds at RANGE; `updatedRange` says
//   where, which is how rows appended by this export are found again.
//
// Quirks: RAW, never USER_ENTERED, which would parse `+33612345678` as a
// number and `=...` as a formula (so no CSV-style formula guard is needed);
// INSERT_ROWS inserts rows instead of overwriting cells below the table.
// About 2 MB per request is the recommended maximum: callers batch (--batch,
// default 500).
//
// Sources: developers.google.com/sheets/api/reference/rest/v4/spreadsheets.values/
// get, batchUpdate and append; .../rest/v4/spreadsheets.values#ValueRange
// (range and values on output); .../rest/v4/ValueRenderOption.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "lib/export/google_auth.hpp"
#include "lib/net/http_client.hpp"
#include "plugins/common/shared/percent_encode.hpp"

namespace webox::exporting {

using common::percent_encode; // plugins/common/shared/percent_encode.hpp

// What Sheets answered to a call it did not refuse for auth or transport.
struct SheetsAnswer {
  std::optional<std::string> refused; // "INVALID_ARGUMENT: ..." for a 4xx; nullopt on 2xx
  nlohmann::json body;                // the parsed 2xx body (null when unparseable)
};

class SheetsClient {
public:
  SheetsClient(std::string base_url, std::string spreadsheet_id, std::string range, TokenSource &tokens,
               const net::HttpClient &http);

  // Each call returns Sheets' refusal (400/404...) in `refused`; throws for
  // auth (exit 4) and for failures that outlived the retries (75).

  // values.get of one column (`range` is A1 notation, e.g. "Leads!C:C").
  SheetsAnswer read_column(const std::string &range);
  // values.batchUpdate: `data` is an array of {"range", "majorDimension", "values"}.
  SheetsAnswer batch_update(const nlohmann::json &data);
  // values.append of `rows` (an array of arrays) at the destination range.
  SheetsAnswer append(const nlohmann::json &rows);

private:
  // Sends with a bearer token; a 401 gets one retry with a fresh token.
  SheetsAnswer send_authorized(net::Request &req);
  // A 403: says which address to share the sheet with (exit 4).
  [[noreturn]] void throw_permission_denied(const nlohmann::json &body) const;

  std::string m_base, m_id, m_range;
  TokenSource &m_tokens;
  const net::HttpClient &m_http;
};

} // namespace webox::exporting
