// The MCP client's lifecycle and tools: see client.hpp for the protocol's
// rules and how this file keeps them.
#include "lib/mcp/client.hpp"

#include <algorithm>
#include <cstdio>
#include <set>

#include <spdlog/spdlog.h>

#include "lib/core/config.hpp"
#include "lib/core/error.hpp"
#include "lib/mcp/http_transport.hpp"
#include "lib/mcp/jsonrpc.hpp"
#include "lib/mcp/stdio_transport.hpp"
#include "lib/plugin/host_api.hpp"

namespace webox::mcp {
namespace {

std::string string_field(const nlohmann::json &j, const char *key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

Error malformed(const std::string &server, const std::string &what) {
  return Error("mcp server '" + server + "' answered " + what);
}

std::string byte_size(size_t bytes) {
  char buf[32];
  if (bytes < 1024) return std::to_string(bytes) + " B";
  std::snprintf(buf, sizeof buf, "%.1f %s", bytes < (1u << 20) ? bytes / 1024.0 : bytes / 1048576.0,
                bytes < (1u << 20) ? "KB" : "MB");
  return buf;
}

// Decoded size of base64 text, for summaries.
size_t base64_bytes(const std::string &b64) {
  size_t n = b64.size() / 4 * 3;
  if (b64.size() >= 1 && b64.back() == '=') --n;
  if (b64.size() >= 2 && b64[b64.size() - 2] == '=') --n;
  return n;
}

std::string render_part(const nlohmann::json &part) {
  const std::string type = string_field(part, "type");
  if (type == "text") return string_field(part, "text");
  if (type == "image" || type == "audio")
    return "[" + type + " " + string_field(part, "mimeType") + ", " +
           byte_size(base64_bytes(string_field(part, "data"))) + "]";
  if (type == "resource" && part.contains("resource") && part["resource"].is_object()) {
    const nlohmann::json &r = part["resource"];
    if (r.contains("text") && r["text"].is_string()) return r["text"].get<std::string>();
    return "[resource " + string_field(r, "uri") + " (" + string_field(r, "mimeType") + ", " +
           byte_size(base64_bytes(string_field(r, "blob"))) + ")]";
  }
  if (type == "resource_link") return "[link " + string_field(part, "uri") + "]";
  return "[" + (type.empty() ? std::string("untyped") : type) + " part]";
}

} // namespace

Server::Server(ServerConfig server, VariableLookup lookup) : m_config(std::move(server)), m_lookup(std::move(lookup)) {}

Server::~Server() = default;

Transport &Server::connected() {
  std::lock_guard<std::mutex> lock(m_connect_mu);
  if (m_transport) return *m_transport;
  const ServerConfig real = resolved(m_config, m_lookup);
  std::unique_ptr<Transport> t;
  if (real.is_http()) t = std::make_unique<HttpTransport>(real, plugin::http_client());
  else t = std::make_unique<StdioTransport>(real);
  initialize(*t);
  m_transport = std::move(t);
  return *m_transport;
}

void Server::initialize(Transport &t) {
  const nlohmann::json params = {{"protocolVersion", kLatestProtocolVersion},
                                 {"capabilities", nlohmann::json::object()},
                                 {"clientInfo", {{"name", "webox"}, {"version", WEBOX_VERSION}}}};
  const nlohmann::json result = t.request("initialize", params, default_timeout());
  if (!result.is_object()) throw malformed(name(), "initialize with something that is not an object");
  const std::string version = string_field(result, "protocolVersion");
  if (std::find(kSupportedProtocolVersions.begin(), kSupportedProtocolVersions.end(), version) ==
      kSupportedProtocolVersions.end()) {
    std::string supported;
    for (const auto &v : kSupportedProtocolVersions) supported += (supported.empty() ? "" : ", ") + v;
    throw Error("mcp server '" + name() + "' speaks protocol version '" + excerpt(version, 40) +
                "', which webox does not (webox speaks " + supported + ")");
  }
  m_info.protocol_version = version;
  if (result.contains("serverInfo") && result["serverInfo"].is_object()) {
    m_info.name = string_field(result["serverInfo"], "name");
    m_info.version = string_field(result["serverInfo"], "version");
  }
  m_info.has_tools =
      result.contains("capabilities") && result["capabilities"].is_object() && result["capabilities"].contains("tools");
  t.set_protocol_version(version);
  t.notify("notifications/initialized", nullptr);
  spdlog::info("mcp {}: {} {} speaks MCP {}", name(), m_info.name, m_info.version, version);
}

const ServerInfo &Server::info() {
  connected();
  return m_info;
}

std::vector<agent::ToolSpec> Server::tools() {
  Transport &t = connected();
  std::lock_guard<std::mutex> lock(m_connect_mu);
  if (m_tools_listed) return m_tools;
  std::vector<agent::ToolSpec> all;
  std::set<std::string> cursors_seen;
  std::string cursor;
  for (int page = 0; m_info.has_tools; ++page) {
    if (page >= kMaxToolPages)
      throw malformed(name(), "more than " + std::to_string(kMaxToolPages) + " pages of tools");
    nlohmann::json params = cursor.empty() ? nlohmann::json(nullptr) : nlohmann::json{{"cursor", cursor}};
    const nlohmann::json result = t.request("tools/list", params, default_timeout());
    if (!result.is_object() || !result.contains("tools") || !result["tools"].is_array())
      throw malformed(name(), "tools/list without a list of tools");
    for (const auto &tool : result["tools"]) {
      if (!tool.is_object() || string_field(tool, "name").empty())
        throw malformed(name(), "tools/list with a tool that has no name");
      agent::ToolSpec spec;
      spec.name = string_field(tool, "name");
      spec.description = string_field(tool, "description");
      if (tool.contains("inputSchema") && tool["inputSchema"].is_object()) spec.input_schema = tool["inputSchema"];
      else spec.input_schema = {{"type", "object"}};
      all.push_back(std::move(spec));
      if (all.size() > kMaxTools) throw malformed(name(), "more than " + std::to_string(kMaxTools) + " tools");
    }
    cursor = string_field(result, "nextCursor");
    if (cursor.empty()) break;
    if (!cursors_seen.insert(cursor).second)
      throw malformed(name(), "tools/list with the same nextCursor twice (it would list forever)");
  }
  m_tools = std::move(all);
  m_tools_listed = true;
  return m_tools;
}

nlohmann::json Server::call_tool(const std::string &tool, const nlohmann::json &arguments,
                                 std::chrono::milliseconds timeout) {
  Transport &t = connected();
  nlohmann::json result = t.request("tools/call", {{"name", tool}, {"arguments", arguments}}, timeout);
  if (!result.is_object()) throw malformed(name(), "tools/call with something that is not an object");
  if (!result.contains("content") && result.contains("structuredContent"))
    result["content"] = nlohmann::json::array({{{"type", "text"}, {"text", result["structuredContent"].dump()}}});
  if (!result.contains("content") || !result["content"].is_array())
    throw malformed(name(), "tools/call without a content list");
  for (const auto &part : result["content"])
    if (!part.is_object()) throw malformed(name(), "tools/call with a content part that is not an object");
  if (result.contains("isError") && !result["isError"].is_boolean())
    throw malformed(name(), "tools/call with an isError that is not true or false");
  return result;
}

agent::ToolOutcome Server::call(const std::string &tool, const nlohmann::json &arguments,
                                std::chrono::milliseconds timeout) {
  nlohmann::json result = call_tool(tool, arguments, timeout);
  agent::ToolOutcome outcome;
  outcome.content = std::move(result["content"]);
  outcome.is_error = result.value("isError", false);
  return outcome;
}

std::unique_ptr<Server> open(const Config &cfg, const std::string &name) {
  return std::make_unique<Server>(find_server(cfg.source, name));
}

std::unique_ptr<agent::ToolSource> open_server(const Config &cfg, const std::string &name) { return open(cfg, name); }

std::string render_content(const nlohmann::json &content) {
  std::string out;
  for (const auto &part : content) {
    std::string text = render_part(part);
    out += text;
    if (text.empty() || text.back() != '\n') out += '\n';
  }
  return out;
}

} // namespace webox::mcp
