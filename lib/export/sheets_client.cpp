#include "lib/export/sheets_client.hpp"

#include "lib/export/rejection.hpp"

namespace webox::exporting {

using nlohmann::json;

std::string percent_encode(std::string_view text) {
  static const char *hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                      c == '_' || c == '.' || c == '~';
    if (unreserved) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

SheetsClient::SheetsClient(std::string base_url, std::string spreadsheet_id, std::string range, TokenSource &tokens,
                           const net::HttpClient &http)
    : m_base(std::move(base_url)), m_id(std::move(spreadsheet_id)), m_range(std::move(range)), m_tokens(tokens),
      m_http(http) {
  while (!m_base.empty() && m_base.back() == '/') m_base.pop_back();
}

std::optional<std::string> SheetsClient::append(const json &rows) {
  const std::string body = json{{"range", m_range}, {"majorDimension", "ROWS"}, {"values", rows}}.dump(
      -1, ' ', false, json::error_handler_t::replace);
  net::Request req;
  req.method = "POST";
  req.url = m_base + "/v4/spreadsheets/" + percent_encode(m_id) + "/values/" + percent_encode(m_range) +
            ":append?valueInputOption=RAW&insertDataOption=INSERT_ROWS&includeValuesInResponse=false";
  req.body = body;
  net::Outcome o;
  for (int attempt = 0; attempt < 2; ++attempt) {
    req.headers = {"Authorization: Bearer " + m_tokens.token(), "Content-Type: application/json"};
    o = m_http.send(req);
    // A token revoked or expired early: one fresh exchange, then give up.
    if (!(o.ok() && o.response.status == 401)) break;
    m_tokens.invalidate();
  }
  throw_unless_answered(o, "Google Sheets " + m_id);
  if (o.response.status >= 200 && o.response.status < 300) return std::nullopt;
  json j = json::parse(o.response.body, nullptr, false);
  if (j.is_object() && j.contains("error") && j["error"].is_object())
    return j["error"].value("status", "HTTP " + std::to_string(o.response.status)) + ": " + j["error"].value("message", "");
  return "HTTP " + std::to_string(o.response.status) + " " + utf8_prefix(o.response.body, 300);
}

} // namespace webox::exporting
