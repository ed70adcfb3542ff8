// An MCP client for one configured server, seen by the agent loop as a
// agent::ToolSource (lib/agent/tool_source.hpp) and by `webox mcp` directly.
//
// The protocol's lifecycle (https://modelcontextprotocol.io/specification,
// "Lifecycle"): the client opens with `initialize` {protocolVersion,
// capabilities, clientInfo}, offering the latest version it implements; the
// server answers with the same version if it supports it, or another one it
// supports; the client that does not support the answer SHOULD disconnect.
// Then the client sends `notifications/initialized`, and only then other
// requests. webox offers kLatestProtocolVersion and accepts any version in
// kSupportedProtocolVersions (what it uses of tools — list, call, content
// parts, isError — is the same in all of them); another version is refused
// with a message naming both sides.
//
// Tools ("Server Features", Tools): `tools/list` is paginated — each page may
// hold `nextCursor`, sent back as `cursor` until a page has none; pages are
// bounded (kMaxToolPages, and a cursor seen twice ends the list with an
// error) so a server cannot keep webox listing forever. `tools/call` {name,
// arguments} answers {content: [parts], isError, structuredContent?}; parts
// are text, image {data (base64), mimeType}, audio, resource {resource:
// {uri, text|blob}} and resource_link. A tool that ran and failed says
// isError: true (handed back to the model); a JSON-RPC error means the call
// itself was refused (unknown tool, bad arguments).
//
// The connection is made on first use, once, whichever thread asks first;
// calls may then run from several threads at once.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "lib/agent/tool_source.hpp"
#include "lib/mcp/server_config.hpp"
#include "lib/mcp/transport.hpp"

namespace webox {
struct Config;
}

namespace webox::mcp {

inline constexpr const char *kLatestProtocolVersion = "2025-11-25";
inline const std::vector<std::string> kSupportedProtocolVersions = {"2025-11-25", "2025-06-18", "2025-03-26",
                                                                    "2024-11-05"};
inline constexpr int kMaxToolPages = 1'000;
inline constexpr size_t kMaxTools = 10'000;

// What initialize told about the server.
struct ServerInfo {
  std::string protocol_version;
  std::string name;    // serverInfo.name
  std::string version; // serverInfo.version
  bool has_tools = false;
};

class Server final : public agent::ToolSource {
public:
  // `server` as written in the config (variables resolved on connect).
  explicit Server(ServerConfig server, VariableLookup lookup = default_lookup());
  ~Server() override;

  const std::string &name() const override { return m_config.name; }
  std::vector<agent::ToolSpec> tools() override;
  agent::ToolOutcome call(const std::string &tool, const nlohmann::json &arguments,
                          std::chrono::milliseconds timeout) override;

  // The whole tools/call result ({content, isError, structuredContent}),
  // content checked to be a list of objects.
  nlohmann::json call_tool(const std::string &tool, const nlohmann::json &arguments, std::chrono::milliseconds timeout);
  const ServerInfo &info();
  const ServerConfig &config() const { return m_config; }
  std::chrono::milliseconds default_timeout() const { return std::chrono::milliseconds(m_config.timeout_ms); }

private:
  Transport &connected();
  void initialize(Transport &transport);

  ServerConfig m_config;
  VariableLookup m_lookup;
  std::mutex m_connect_mu;
  std::unique_ptr<Transport> m_transport;
  ServerInfo m_info;
  bool m_tools_listed = false;
  std::vector<agent::ToolSpec> m_tools;
};

// The server `name` of the user's configuration (cfg.source), not started
// yet. Throws UsageError (exit 2) when there is none by that name, Error
// (exit 4) when the mcp_servers section is malformed.
std::unique_ptr<Server> open(const Config &cfg, const std::string &name);

// The same, as the agent loop sees it.
std::unique_ptr<agent::ToolSource> open_server(const Config &cfg, const std::string &name);

// One line per content part, for people: text as is, an image or audio as
// "[image image/png, 12.3 KB]", an embedded resource's text or "[resource
// URI (type, N bytes)]", a link as "[link URI]".
std::string render_content(const nlohmann::json &content);

} // namespace webox::mcp
