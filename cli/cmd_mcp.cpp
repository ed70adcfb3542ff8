// `webox mcp`: the MCP servers of the configuration, from the command line.
//
//   webox mcp list [--json]                       servers and whether they answer
//   webox mcp tools NAME [--json]                 the tools a server offers
//   webox mcp call NAME TOOL ['JSON'] [--json]    runs one tool, prints its content
//
// The protocol lives in lib/mcp/; this file parses, calls it and prints.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/command.hpp"
#include "cli/context.hpp"
#include "cli/output.hpp"
#include "lib/core/config.hpp"
#include "lib/core/error.hpp"
#include "lib/core/json_limits.hpp"
#include "lib/core/logging.hpp"
#include "lib/mcp/client.hpp"

namespace webox::cli {
namespace {

struct McpOptions {
  std::string server;
  std::string tool;
  std::string arguments = "{}";
  int64_t timeout_ms = 0; // 0 = the server's timeout_ms
  int64_t repeat = 1;     // calls in a row on one connection (benchmarks)
  bool json = false;
};

// How a server is reached, as written (variables not resolved, so no secret).
std::string target_of(const mcp::ServerConfig &s) {
  if (s.is_http()) return logging::redact(s.url);
  std::string t = s.command;
  for (const auto &a : s.args) t += " " + a;
  return t;
}

nlohmann::json server_state(mcp::Server &server) {
  const mcp::ServerConfig &s = server.config();
  nlohmann::json j = {{"name", s.name}, {"transport", s.is_http() ? "http" : "stdio"}, {"target", target_of(s)}};
  try {
    const mcp::ServerInfo &info = server.info();
    const size_t tools = server.tools().size();
    j["state"] = "ready";
    j["protocol_version"] = info.protocol_version;
    j["server"] = {{"name", info.name}, {"version", info.version}};
    j["tools"] = tools;
  } catch (const Interrupted &) {
    throw;
  } catch (const Error &e) {
    j["state"] = "error";
    j["error"] = logging::redact(e.what());
  }
  return j;
}

void run_mcp_list(Context &ctx, const McpOptions &o) {
  const std::vector<mcp::ServerConfig> servers = mcp::load_servers(ctx.config().source);
  nlohmann::json states = nlohmann::json::array();
  for (const auto &s : servers) {
    mcp::Server server(s);
    states.push_back(server_state(server));
    if (states.back()["state"] != "ready") ctx.exit_code = static_cast<int>(ExitCode::partial);
  }
  if (o.json) {
    out::line(out::json_text(states, 2));
    return;
  }
  if (servers.empty())
    std::fputs(("webox: no MCP servers configured; add an mcp_servers: section to " + ctx.config().source.string() +
                " (see webox-mcp(1))\n")
                   .c_str(),
               stderr);
  for (const auto &j : states) {
    std::string line = j["name"].get<std::string>();
    line.resize(std::max<size_t>(line.size() + 1, 12), ' ');
    line += j["transport"].get<std::string>() + "  ";
    if (j["state"] == "ready")
      line += "ready  " + std::to_string(j["tools"].get<size_t>()) + " tools, " +
              j["server"]["name"].get<std::string>() + " " + j["server"]["version"].get<std::string>() + ", MCP " +
              j["protocol_version"].get<std::string>();
    else line += "error  " + j["error"].get<std::string>();
    out::line(line + "  (" + j["target"].get<std::string>() + ")");
  }
}

// "path (string, required), depth (integer)" from a JSON Schema object.
std::string arguments_summary(const nlohmann::json &schema) {
  if (!schema.contains("properties") || !schema["properties"].is_object()) return "";
  std::vector<std::string> required;
  if (schema.contains("required") && schema["required"].is_array())
    for (const auto &r : schema["required"])
      if (r.is_string()) required.push_back(r.get<std::string>());
  std::string out;
  for (const auto &[name, prop] : schema["properties"].items()) {
    std::string type = prop.is_object() && prop.contains("type") ? prop["type"].dump() : "";
    if (type.size() > 1 && type.front() == '"') type = type.substr(1, type.size() - 2);
    const bool is_required = std::find(required.begin(), required.end(), name) != required.end();
    out += (out.empty() ? "" : ", ") + name;
    if (!type.empty() || is_required)
      out += " (" + type + (is_required ? (type.empty() ? "required" : ", required") : "") + ")";
  }
  return out;
}

void run_mcp_tools(Context &ctx, const McpOptions &o) {
  std::unique_ptr<mcp::Server> server = mcp::open(ctx.config(), o.server);
  const std::vector<agent::ToolSpec> tools = server->tools();
  if (o.json) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto &t : tools)
      list.push_back({{"name", t.name}, {"description", t.description}, {"input_schema", t.input_schema}});
    out::line(out::json_text(list, 2));
    return;
  }
  for (const auto &t : tools) {
    out::line(t.name);
    if (!t.description.empty()) {
      const std::string first_line = t.description.substr(0, t.description.find('\n'));
      out::line("    " + first_line);
    }
    const std::string args = arguments_summary(t.input_schema);
    if (!args.empty()) out::line("    arguments: " + args);
  }
}

nlohmann::json parse_tool_arguments(const std::string &text) {
  nlohmann::json args = parse_user_json(text, "the tool's arguments");
  if (args.is_discarded()) throw UsageError("the tool's arguments are not JSON: " + text.substr(0, 80));
  if (!args.is_object()) throw UsageError("the tool's arguments must be a JSON object, such as '{\"path\":\"a.md\"}'");
  return args;
}

void run_mcp_call(Context &ctx, const McpOptions &o) {
  const nlohmann::json arguments = parse_tool_arguments(o.arguments);
  std::unique_ptr<mcp::Server> server = mcp::open(ctx.config(), o.server);
  const auto timeout = o.timeout_ms > 0 ? std::chrono::milliseconds(o.timeout_ms) : server->default_timeout();
  nlohmann::json result;
  for (int64_t i = 0; i < o.repeat; ++i) result = server->call_tool(o.tool, arguments, timeout);
  const bool is_error = result.value("isError", false);
  if (o.json) out::line(out::json_text(result, 2));
  else out::write(mcp::render_content(result["content"]));
  if (is_error) throw Error("tool '" + o.tool + "' of mcp server '" + o.server + "' reported an error (isError)");
}

void setup_mcp(CLI::App *mcp_cmd, Context &ctx) {
  mcp_cmd->require_subcommand(1);
  mcp_cmd->footer(R"EX(
Examples:
  webox mcp list
  webox mcp tools fs
  webox mcp call fs read_text_file '{"path":"notes.md"}'

Servers are configured in config.yaml under mcp_servers: (see webox-mcp(1)):
  mcp_servers:
    fs:   {command: npx, args: [-y, "@modelcontextprotocol/server-filesystem", /home/me/notes]}
    docs: {url: "https://mcp.example.com/mcp", headers: {Authorization: "Bearer ${DOCS_TOKEN}"}})EX");

  auto list_opt = std::make_shared<McpOptions>();
  CLI::App *list = mcp_cmd->add_subcommand("list", "The configured servers, each started to see whether it answers");
  list->add_flag("--json", list_opt->json, "Print a JSON array");
  list->footer(R"EX(
Examples:
  webox mcp list
  webox mcp list --json | jq -r '.[] | select(.state != "ready") | .name'

Exit status 3 when a server does not answer.)EX");
  list->callback([&ctx, list_opt] { ctx.command = [&ctx, list_opt] { run_mcp_list(ctx, *list_opt); }; });

  auto tools_opt = std::make_shared<McpOptions>();
  CLI::App *tools = mcp_cmd->add_subcommand("tools", "The tools a server offers: name, description, arguments");
  tools->add_option("NAME", tools_opt->server, "A server of mcp_servers")->required();
  tools->add_flag("--json", tools_opt->json, "Print a JSON array with each tool's input schema");
  tools->footer(R"EX(
Examples:
  webox mcp tools fs
  webox mcp tools fs --json | jq '.[].name')EX");
  tools->callback([&ctx, tools_opt] { ctx.command = [&ctx, tools_opt] { run_mcp_tools(ctx, *tools_opt); }; });

  auto call_opt = std::make_shared<McpOptions>();
  CLI::App *call = mcp_cmd->add_subcommand("call", "Run one tool and print what it answered");
  call->add_option("NAME", call_opt->server, "A server of mcp_servers")->required();
  call->add_option("TOOL", call_opt->tool, "The tool, as `webox mcp tools NAME` lists it")->required();
  call->add_option("ARGS", call_opt->arguments, "The arguments, a JSON object (default {})");
  call->add_option("--timeout", call_opt->timeout_ms,
                   "Milliseconds to wait for the answer (default: the server's "
                   "timeout_ms, 60000)")
      ->type_name("MS")
      ->check(CLI::Range(int64_t{1}, int64_t{86'400'000}));
  call->add_flag("--json", call_opt->json, "Print the whole result: content, isError, structuredContent");
  call->add_option("--repeat", call_opt->repeat,
                   "Call it N times in a row on one connection, print the last "
                   "answer (benchmarks, smoke tests)")
      ->type_name("N")
      ->check(CLI::Range(int64_t{1}, int64_t{1'000'000}));
  call->footer(R"EX(
Examples:
  webox mcp call fs read_text_file '{"path":"notes.md"}'
  webox mcp call fs list_directory '{"path":"."}' --json | jq -r '.content[].text'

Images and audio are summarised ("[image image/png, 12.3 KB]"); --json has
their data. Exit status 1 when the tool reports an error (isError).)EX");
  call->callback([&ctx, call_opt] { ctx.command = [&ctx, call_opt] { run_mcp_call(ctx, *call_opt); }; });
}

WEBOX_COMMAND(45, "mcp", "Model Context Protocol servers: list them, their tools, call one", setup_mcp);

} // namespace
} // namespace webox::cli
