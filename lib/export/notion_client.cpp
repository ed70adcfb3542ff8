#include "lib/export/notion_client.hpp"

#include <thread>

#include "lib/core/cancel.hpp"
#include "lib/core/error.hpp"
#include "lib/export/rejection.hpp"
#include "lib/core/json_limits.hpp"

namespace webox::exporting {

using nlohmann::json;

namespace {

constexpr size_t kNotionTextMax = 2000;

const char *const kTypes[] = {"title", "rich_text", "number", "select", "phone_number", "email"};

bool known_type(std::string_view t) {
  for (const char *k : kTypes)
    if (t == k) return true;
  return false;
}

std::string default_type(std::string_view field) {
  if (field == "username") return "title";
  if (field == "id" || field == "score" || field == "interactions") return "number";
  if (field == "platform" || field == "status") return "select";
  if (field == "phone") return "phone_number";
  if (field == "email") return "email";
  return "rich_text";
}

const Field *field_named(std::string_view name) {
  for (const auto &f : all_fields())
    if (f.name == name) return &f;
  return nullptr;
}

std::string trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return std::string(s);
}

} // namespace

std::vector<PropertyMapping> parse_property_map(std::string_view spec) {
  std::vector<PropertyMapping> out;
  size_t start = 0;
  while (start <= spec.size()) {
    size_t comma = spec.find(',', start);
    if (comma == std::string_view::npos) comma = spec.size();
    std::string item = trim(spec.substr(start, comma - start));
    start = comma + 1;
    if (item.empty()) continue;
    size_t eq = item.find('=');
    if (eq == std::string::npos) throw UsageError("--map: '" + item + "' is not field=Property");
    std::string field = trim(item.substr(0, eq)), property = trim(item.substr(eq + 1)), type;
    size_t colon = property.rfind(':');
    if (colon != std::string::npos && known_type(property.substr(colon + 1))) {
      type = property.substr(colon + 1);
      property = trim(property.substr(0, colon));
    }
    const Field *f = field_named(field);
    if (!f) throw UsageError("--map: unknown field '" + field + "' (known: " + field_names() + ")");
    if (property.empty()) throw UsageError("--map: no property name for '" + field + "'");
    out.push_back({f, property, type.empty() ? default_type(field) : type});
  }
  if (out.empty()) throw UsageError("--map: give at least one field=Property");
  return out;
}

std::vector<PropertyMapping> default_property_map() {
  return parse_property_map("username=Name,platform=Platform,score=Score,status=Status,phone=Phone,email=Email");
}

json notion_properties(const std::vector<PropertyMapping> &map, const std::vector<const Field *> &fields,
                       std::span<const Cell> cells) {
  json props = json::object();
  for (const auto &m : map) {
    size_t i = 0;
    while (i < fields.size() && fields[i] != m.field) ++i;
    if (i == fields.size() || cells[i].null || cells[i].text.empty()) continue;
    std::string text(cells[i].text);
    if (m.type == "title" || m.type == "rich_text") {
      props[m.property] = {{m.type, json::array({{{"text", {{"content", utf8_prefix(text, kNotionTextMax)}}}}})}};
    } else if (m.type == "number") {
      // Our integer fields go as numbers; anything else goes as the text it
      // is, and Notion's validation error says which lead and property.
      try {
        size_t used = 0;
        double v = std::stod(text, &used);
        props[m.property] = used == text.size() ? json{{"number", v}} : json{{"number", text}};
      } catch (const std::exception &) {
        props[m.property] = {{"number", text}};
      }
      if (m.field->type == FieldType::integer) props[m.property] = {{"number", std::stoll(text)}};
    } else if (m.type == "select") {
      for (char &c : text)
        if (c == ',') c = ' '; // select option names cannot hold commas
      props[m.property] = {{"select", {{"name", utf8_prefix(text, 100)}}}};
    } else {
      props[m.property] = {{m.type, utf8_prefix(text, 200)}}; // phone_number, email
    }
  }
  return props;
}

NotionClient::NotionClient(std::string base_url, std::string token, std::string version, std::string database_id,
                           const net::HttpClient &http, int64_t min_interval_ms)
    : m_base(std::move(base_url)), m_token(std::move(token)), m_version(std::move(version)),
      m_database(std::move(database_id)), m_http(http), m_min_interval_ms(min_interval_ms) {
  while (!m_base.empty() && m_base.back() == '/') m_base.pop_back();
}

void NotionClient::pace() {
  int64_t wait = m_last_ms + m_min_interval_ms - cancel::monotonic_ms();
  while (wait > 0) {
    if (cancel::requested()) throw Interrupted();
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min<int64_t>(wait, 20)));
    wait = m_last_ms + m_min_interval_ms - cancel::monotonic_ms();
  }
  m_last_ms = cancel::monotonic_ms();
}

bool NotionClient::uses_data_sources(const std::string &version) { return version >= "2025-09-03"; }

// Paced, authenticated, and retried only on "not processed" answers: a 5xx
// may have created the page.
net::Outcome NotionClient::send(net::Request req) {
  req.headers = {"Authorization: Bearer " + m_token, "Notion-Version: " + m_version, "Content-Type: application/json"};
  req.should_retry = [](int status, std::string_view) { return status == 429 || status == 529; };
  pace();
  net::Outcome o = m_http.send(req);
  // Each retry inside send() was itself one more request: count from now.
  m_last_ms = cancel::monotonic_ms();
  throw_unless_answered(o, "Notion");
  return o;
}

std::string NotionClient::data_source() {
  if (m_data_source) return *m_data_source;
  net::Request req;
  req.method = "GET";
  req.url = m_base + "/v1/databases/" + m_database;
  net::Outcome o = send(req);
  json j = parse_json_or_discarded(o.response.body);
  if (o.response.status == 200 && j.is_object() && j.contains("data_sources") && j["data_sources"].is_array()) {
    const json &sources = j["data_sources"];
    if (sources.size() == 1 && sources[0].is_object() && sources[0].contains("id") && sources[0]["id"].is_string())
      return *(m_data_source = sources[0]["id"].get<std::string>());
    if (sources.empty()) throw Error("Notion database " + m_database + " has no data source to add pages to");
    std::string names;
    for (const json &s : sources)
      if (s.is_object()) names += "\n  " + s.value("id", std::string("?")) + "  " + s.value("name", std::string());
    throw UsageError("Notion database " + m_database + " holds " + std::to_string(sources.size()) +
                     " data sources; name the one for the leads: --to notion:DATA_SOURCE_ID" + names);
  }
  if (o.response.status == 404) {
    req.url = m_base + "/v1/data_sources/" + m_database;
    net::Outcome ds = send(req);
    json d = parse_json_or_discarded(ds.response.body);
    if (ds.response.status == 200 && d.is_object() && d.value("object", "") == "data_source")
      return *(m_data_source = m_database);
    throw Error("Notion: no database or data source " + m_database +
                    " is shared with this integration (in Notion: ••• → Connections → add it)",
                ExitCode::config);
  }
  std::string why = j.is_object() && j.contains("message") ? j.value("code", "") + ": " + j.value("message", "")
                                                           : utf8_prefix(o.response.body, 300);
  throw Error("Notion: cannot read database " + m_database + ": HTTP " + std::to_string(o.response.status) + " " + why);
}

void NotionClient::prepare() {
  if (uses_data_sources(m_version)) data_source();
}

json NotionClient::parent() {
  if (!uses_data_sources(m_version)) return {{"database_id", m_database}};
  return {{"type", "data_source_id"}, {"data_source_id", data_source()}};
}

NotionClient::Result NotionClient::upsert(const json &properties, const std::optional<std::string> &page_id) {
  json doc = {{"properties", properties}};
  if (!page_id) doc["parent"] = parent();
  net::Request req;
  req.method = page_id ? "PATCH" : "POST";
  req.url = m_base + (page_id ? "/v1/pages/" + *page_id : std::string("/v1/pages"));
  const std::string body = doc.dump(-1, ' ', false, json::error_handler_t::replace); // req.body is a view of it
  req.body = body;
  net::Outcome o = send(req);
  if (page_id && o.response.status == 404) return upsert(properties, std::nullopt); // page deleted since: create anew
  json j = parse_json_or_discarded(o.response.body);
  if (o.response.status >= 200 && o.response.status < 300 && j.is_object() && j.contains("id") && j["id"].is_string())
    return {j["id"].get<std::string>(), ""};
  if (j.is_object() && j.contains("message"))
    return {"", j.value("code", "HTTP " + std::to_string(o.response.status)) + ": " + j.value("message", "")};
  return {"", "HTTP " + std::to_string(o.response.status) + " " + utf8_prefix(o.response.body, 300)};
}

} // namespace webox::exporting
