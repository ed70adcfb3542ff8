#include "lib/mcp/server_config.hpp"

#include <cstdlib>

#include <yaml-cpp/yaml.h>

#include "lib/core/config_error.hpp"
#include "lib/core/error.hpp"
#include "lib/core/keystore.hpp"
#include "lib/core/logging.hpp"
#include "lib/core/paths.hpp"
#include "lib/net/http_client.hpp"

namespace webox::mcp {
namespace {

bool valid_server_name(const std::string &name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string scalar_at(const std::filesystem::path &file, const YAML::Node &node, const std::string &where) {
  if (!node.IsScalar()) fail_config_at(file, node.Mark(), where + " must be a string");
  return node.as<std::string>();
}

NamedValues string_map_at(const std::filesystem::path &file, const YAML::Node &node, const std::string &where) {
  if (!node.IsMap()) fail_config_at(file, node.Mark(), where + " must be a mapping of NAME: value");
  NamedValues values;
  for (const auto &kv : node) {
    const std::string key = scalar_at(file, kv.first, where + " key");
    values.emplace_back(key, scalar_at(file, kv.second, where + "." + key));
  }
  return values;
}

void read_transport_type(const std::filesystem::path &file, const YAML::Node &node, const std::string &where) {
  const std::string type = scalar_at(file, node, where);
  if (type == "stdio" || type == "http" || type == "streamable-http" || type == "streamableHttp") return;
  if (type == "sse")
    fail_config_at(file, node.Mark(),
                   where + ": the old HTTP+SSE transport is not supported; give the server's Streamable HTTP "
                           "endpoint as url");
  fail_config_at(file, node.Mark(), where + ": unknown transport '" + type + "' (known: stdio, http)");
}

ServerConfig read_server(const std::filesystem::path &file, const YAML::Node &key, const YAML::Node &value) {
  ServerConfig s;
  s.file = file;
  s.mark = key.Mark();
  s.name = scalar_at(file, key, "mcp_servers key");
  const std::string at = "mcp_servers." + s.name;
  if (!valid_server_name(s.name))
    fail_config_at(file, key.Mark(),
                   at + ": a server name is letters, digits, '_' and '-' (its tools are offered as NAME.tool)");
  if (!value.IsMap()) fail_config_at(file, value.Mark(), at + " must be a mapping ({command: ...} or {url: ...})");
  for (const auto &kv : value) {
    const std::string field = scalar_at(file, kv.first, at + " key");
    const YAML::Node &v = kv.second;
    if (field == "command") {
      s.command = scalar_at(file, v, at + ".command");
      if (s.command.empty()) fail_config_at(file, v.Mark(), at + ".command is empty");
    } else if (field == "args") {
      if (!v.IsSequence()) fail_config_at(file, v.Mark(), at + ".args must be a list of strings");
      for (const auto &a : v) s.args.push_back(scalar_at(file, a, at + ".args[]"));
    } else if (field == "env") {
      s.env = string_map_at(file, v, at + ".env");
    } else if (field == "url") {
      s.url = scalar_at(file, v, at + ".url");
      if (s.url.find("${") == std::string::npos)
        if (auto problem = net::url_problem(s.url)) fail_config_at(file, v.Mark(), at + ".url: " + *problem);
    } else if (field == "headers") {
      s.headers = string_map_at(file, v, at + ".headers");
    } else if (field == "type" || field == "transport") {
      read_transport_type(file, v, at + "." + field);
    } else if (field == "timeout_ms") {
      int64_t ms = 0;
      if (!v.IsScalar() || !YAML::convert<int64_t>::decode(v, ms) || ms < 1 || ms > 86'400'000)
        fail_config_at(file, v.Mark(), at + ".timeout_ms must be a whole number of milliseconds, 1 to 86400000");
      s.timeout_ms = ms;
    } else {
      fail_config_at(file, kv.first.Mark(),
                     at + ": unknown key '" + field + "' (known: command, args, env, url, headers, type, timeout_ms)");
    }
  }
  if (s.command.empty() == s.url.empty())
    fail_config_at(file, value.Mark(),
                   at +
                       ": give either command (a program started over stdio) or url "
                       "(a Streamable HTTP endpoint)" +
                       std::string(s.command.empty() ? "" : ", not both"));
  if (s.is_http() && (!s.args.empty() || !s.env.empty()))
    fail_config_at(file, value.Mark(), at + ": args and env go with command, not url");
  if (!s.is_http() && !s.headers.empty()) fail_config_at(file, value.Mark(), at + ": headers go with url, not command");
  return s;
}

} // namespace

std::vector<ServerConfig> load_servers(const std::filesystem::path &file) {
  std::vector<ServerConfig> servers;
  const YAML::Node section = config_section(file, "mcp_servers");
  if (!section || section.IsNull()) return servers;
  if (!section.IsMap())
    fail_config_at(file, section.Mark(), "'mcp_servers' must be a mapping of NAME: {command|url: ...}");
  for (const auto &kv : section) servers.push_back(read_server(file, kv.first, kv.second));
  return servers;
}

ServerConfig find_server(const std::filesystem::path &file, const std::string &name) {
  std::vector<ServerConfig> servers = load_servers(file);
  std::string known;
  for (auto &s : servers) {
    if (s.name == name) return std::move(s);
    known += (known.empty() ? "" : ", ") + s.name;
  }
  throw UsageError("no MCP server '" + name + "' in " + file.string() +
                   (known.empty() ? " (its mcp_servers section is empty or missing; see webox-config(5))"
                                  : " (configured: " + known + ")"));
}

VariableLookup default_lookup() {
  return [](const std::string &name) -> std::optional<std::string> {
    if (const char *v = std::getenv(name.c_str()); v && *v) return std::string(v);
    KeyStore store(paths::config_dir());
    std::error_code ec;
    if (!std::filesystem::exists(store.file(), ec)) return std::nullopt;
    return store.get(name);
  };
}

std::string resolve_variables(const std::string &text, const ServerConfig &server, const std::string &where,
                              const VariableLookup &lookup) {
  std::string out;
  size_t pos = 0;
  while (true) {
    const size_t open = text.find("${", pos);
    if (open == std::string::npos) break;
    const size_t close = text.find('}', open + 2);
    const std::string at = "mcp_servers." + server.name + "." + where;
    if (close == std::string::npos) fail_config_at(server.file, server.mark, at + ": '${' without its closing '}'");
    const std::string var = text.substr(open + 2, close - open - 2);
    std::optional<std::string> value = lookup(var);
    if (!value)
      fail_config_at(server.file, server.mark,
                     at + ": ${" + var + "} is not set (export " + var + "=... or webox keys set " + var + ")");
    logging::register_secret(*value);
    out.append(text, pos, open - pos);
    out += *value;
    pos = close + 1;
  }
  out.append(text, pos);
  return out;
}

ServerConfig resolved(const ServerConfig &server, const VariableLookup &lookup) {
  ServerConfig r = server;
  r.command = resolve_variables(server.command, server, "command", lookup);
  for (auto &a : r.args) a = resolve_variables(a, server, "args", lookup);
  for (auto &[k, v] : r.env) v = resolve_variables(v, server, "env." + k, lookup);
  r.url = resolve_variables(server.url, server, "url", lookup);
  for (auto &[k, v] : r.headers) v = resolve_variables(v, server, "headers." + k, lookup);
  if (r.is_http())
    if (auto problem = net::url_problem(r.url))
      fail_config_at(server.file, server.mark, "mcp_servers." + server.name + ".url: " + *problem);
  return r;
}

} // namespace webox::mcp
