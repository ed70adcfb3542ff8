// The `mcp_servers:` section of config.yaml: the MCP servers webox may start
// or reach, in the shape of the widely used "mcpServers" files.
//
//   mcp_servers:
//     fs:   {command: npx, args: [-y, "@modelcontextprotocol/server-filesystem", /home/me/notes]}
//     git:  {command: uvx, args: [mcp-server-git], env: {GIT_DIR: /srv/repo}, timeout_ms: 30000}
//     docs: {url: "https://mcp.example.com/mcp", headers: {Authorization: "Bearer ${DOCS_TOKEN}"}}
//
// A server has either `command` (stdio: webox starts it, `args` and `env`
// added to webox's environment) or `url` (Streamable HTTP, `headers` sent
// with every request). `type` may say stdio, http or streamable-http, as
// other clients' files do; the old HTTP+SSE transport ("sse") is refused
// with a message. `timeout_ms` bounds each request (default 60 s).
//
// Names are letters, digits, '_' and '-': the agent loop offers a server's
// tools as "<server>.<tool>", so a '.' in a name would be ambiguous.
//
// `${VAR}` in command, args, env values, url and header values is replaced
// when the server is opened (not when the file is read: `webox mcp list`
// still shows a server whose token is missing), from the environment or
// else the key store (`webox keys set VAR`). Every value substituted is
// registered as a secret, so logs show "[REDACTED]" instead.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <yaml-cpp/mark.h>

namespace webox::mcp {

inline constexpr int64_t kDefaultTimeoutMs = 60'000;

using NamedValues = std::vector<std::pair<std::string, std::string>>;

struct ServerConfig {
  std::string name;
  // stdio
  std::string command;
  std::vector<std::string> args;
  NamedValues env;
  // Streamable HTTP
  std::string url;
  NamedValues headers;
  int64_t timeout_ms = kDefaultTimeoutMs;
  // Where the entry is written, for messages about it.
  std::filesystem::path file;
  YAML::Mark mark;

  bool is_http() const { return !url.empty(); }
};

// Every server of `config_file`, in the order written. A missing file or
// section is an empty list; a malformed one throws Error (exit 4) naming
// file:line:column.
std::vector<ServerConfig> load_servers(const std::filesystem::path &config_file);

// The server called `name`; throws UsageError (exit 2) naming the servers
// configured when there is none by that name.
ServerConfig find_server(const std::filesystem::path &config_file, const std::string &name);

// Looks a variable up: the environment, then the key store. nullopt = unset.
using VariableLookup = std::function<std::optional<std::string>(const std::string &name)>;

// The environment, then the key store of paths::config_dir() when it exists.
VariableLookup default_lookup();

// `text` with every ${VAR} replaced through `lookup`, each value registered
// as a secret. Throws Error (exit 4) "FILE:LINE:COL: mcp_servers.NAME.WHERE:
// ${VAR} is not set ..." for an unset variable or an unclosed "${".
std::string resolve_variables(const std::string &text, const ServerConfig &server, const std::string &where,
                              const VariableLookup &lookup);

// `server` with every ${VAR} replaced (see resolve_variables).
ServerConfig resolved(const ServerConfig &server, const VariableLookup &lookup);

} // namespace webox::mcp
