#include "lib/export/sheets_client.hpp"

#include "lib/core/error.hpp"
#include "lib/export/rejection.hpp"
#include "lib/core/json_limits.hpp"

namespace webox::exporting {

using nlohmann::json;

namespace {

std::string sheets_json_text(const json &doc) { return doc.dump(-1, ' ', false, json::error_handler_t::replace); }

// {"error": {"status": "PERMISSION_DENIED", "message": "..."}} as one line.
std::string google_error_text(const json &body) {
  if (!body.is_object() || !body.contains("error") || !body["error"].is_object()) return {};
  const json &e = body["error"];
  std::string status = e.contains("status") && e["status"].is_string() ? e["status"].get<std::string>() : "";
  std::string message = e.contains("message") && e["message"].is_string() ? e["message"].get<std::string>() : "";
  if (status.empty()) return message;
  return message.empty() ? status : status + ": " + message;
}

} // namespace

SheetsClient::SheetsClient(std::string base_url, std::string spreadsheet_id, std::string range, TokenSource &tokens,
                           const net::HttpClient &http)
    : m_base(std::move(base_url)), m_id(std::move(spreadsheet_id)), m_range(std::move(range)), m_tokens(tokens),
      m_http(http) {
  while (!m_base.empty() && m_base.back() == '/') m_base.pop_back();
}

SheetsAnswer SheetsClient::read_column(const std::string &range) {
  net::Request req;
  req.method = "GET";
  req.url = m_base + "/v4/spreadsheets/" + percent_encode(m_id) + "/values/" + percent_encode(range) +
            "?majorDimension=COLUMNS&valueRenderOption=UNFORMATTED_VALUE";
  return send_authorized(req);
}

SheetsAnswer SheetsClient::batch_update(const json &data) {
  const std::string body = sheets_json_text(json{{"valueInputOption", "RAW"}, {"data", data}});
  net::Request req;
  req.method = "POST";
  req.url = m_base + "/v4/spreadsheets/" + percent_encode(m_id) + "/values:batchUpdate";
  req.body = body;
  return send_authorized(req);
}

SheetsAnswer SheetsClient::append(const json &rows) {
  const std::string body = sheets_json_text(json{{"range", m_range}, {"majorDimension", "ROWS"}, {"values", rows}});
  net::Request req;
  req.method = "POST";
  req.url = m_base + "/v4/spreadsheets/" + percent_encode(m_id) + "/values/" + percent_encode(m_range) +
            ":append?valueInputOption=RAW&insertDataOption=INSERT_ROWS&includeValuesInResponse=false";
  req.body = body;
  return send_authorized(req);
}

void SheetsClient::throw_permission_denied(const json &body) const {
  // Almost always a sheet not shared with the service account: the fix is
  // on the sheet, with the account's address, which the user may not know.
  std::string why = google_error_text(body);
  throw Error("Google Sheets " + m_id + ": the service account " + m_tokens.client_email() +
                  " may not edit this spreadsheet" + (why.empty() ? std::string() : " (" + why + ")") +
                  "; share the sheet with " + m_tokens.client_email() + " as an Editor",
              ExitCode::config);
}

SheetsAnswer SheetsClient::send_authorized(net::Request &req) {
  net::Outcome o;
  for (int attempt = 0; attempt < 2; ++attempt) {
    req.headers = {"Authorization: Bearer " + m_tokens.token()};
    if (!req.body.empty()) req.headers.push_back("Content-Type: application/json");
    o = m_http.send(req);
    // A token revoked or expired early: one fresh exchange, then give up.
    if (!(o.ok() && o.response.status == 401)) break;
    m_tokens.invalidate();
  }
  json j = parse_json_or_discarded(o.response.body);
  if (o.ok() && o.response.status == 403) throw_permission_denied(j);
  throw_unless_answered(o, "Google Sheets " + m_id);
  SheetsAnswer answer;
  if (o.response.status >= 200 && o.response.status < 300) {
    if (!j.is_discarded()) answer.body = std::move(j);
    return answer;
  }
  if (j.is_object() && j.contains("error") && j["error"].is_object())
    answer.refused = j["error"].value("status", "HTTP " + std::to_string(o.response.status)) + ": " + j["error"].value("message", "");
  else
    answer.refused = "HTTP " + std::to_string(o.response.status) + " " + utf8_prefix(o.response.body, 300);
  return answer;
}

} // namespace webox::exporting
