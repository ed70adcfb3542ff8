#include <catch2/catch.hpp>

#include <atomic>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "lib/core/config.hpp"
#include "lib/core/error.hpp"
#include "lib/core/logging.hpp"
#include "lib/mcp/client.hpp"
#include "lib/mcp/jsonrpc.hpp"
#include "lib/mcp/server_config.hpp"
#include "tests/unit/temp_dir.hpp"

using namespace webox;

namespace {

mcp::VariableLookup lookup_from(std::map<std::string, std::string> values) {
  return [values](const std::string &name) -> std::optional<std::string> {
    auto it = values.find(name);
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
}

std::string fake_server_config(const std::string &modes = "") {
  return std::string("mcp_servers:\n  fake: {command: python3, args: [") + WEBOX_TEST_SOURCE_DIR +
         "/tests/fakes/fake_mcp.py, stdio" + (modes.empty() ? "" : ", " + modes) + "]}\n";
}

} // namespace

TEST_CASE("mcp_servers reads both transports in order", "[mcp]") {
  TempDir dir;
  auto file = dir.write("config.yaml", R"(
mcp_servers:
  fs:   {command: npx, args: [-y, "@modelcontextprotocol/server-filesystem", /tmp], env: {A: b}}
  docs: {url: "https://mcp.example.com/mcp", headers: {Authorization: "Bearer ${DOCS_TOKEN}"}, timeout_ms: 5000}
)");
  auto servers = mcp::load_servers(file);
  REQUIRE(servers.size() == 2);
  CHECK(servers[0].name == "fs");
  CHECK(servers[0].args == std::vector<std::string>{"-y", "@modelcontextprotocol/server-filesystem", "/tmp"});
  CHECK(servers[0].env == mcp::NamedValues{{"A", "b"}});
  CHECK_FALSE(servers[0].is_http());
  CHECK(servers[0].timeout_ms == mcp::kDefaultTimeoutMs);
  CHECK(servers[1].is_http());
  CHECK(servers[1].timeout_ms == 5000);
  // The core config accepts the section it does not read.
  CHECK_NOTHROW(load_config(file));
}

TEST_CASE("a malformed mcp_servers entry is a config error with its position", "[mcp]") {
  TempDir dir;
  auto file = dir.write("config.yaml", "mcp_servers:\n  x: {command: a, args: b}\n");
  try {
    mcp::load_servers(file);
    FAIL("accepted");
  } catch (const Error &e) {
    CHECK(e.code() == ExitCode::config);
    CHECK(std::string(e.what()).find("config.yaml:2:25: mcp_servers.x.args must be a list") != std::string::npos);
  }
}

TEST_CASE("variables are resolved and registered as secrets", "[mcp]") {
  TempDir dir;
  auto file = dir.write("config.yaml",
                        "mcp_servers:\n  d: {url: 'https://x.example/${PATHPART}', headers: {A: 'Bearer ${TOK}'}}\n");
  auto server = mcp::load_servers(file).at(0);
  auto r = mcp::resolved(server, lookup_from({{"TOK", "tok-unit-secret"}, {"PATHPART", "mcp"}}));
  CHECK(r.url == "https://x.example/mcp");
  CHECK(r.headers[0].second == "Bearer tok-unit-secret");
  CHECK(logging::redact("header Bearer tok-unit-secret") == "header Bearer [REDACTED]");
  try {
    mcp::resolved(server, lookup_from({}));
    FAIL("accepted");
  } catch (const Error &e) {
    CHECK(e.code() == ExitCode::config);
    CHECK(std::string(e.what()).find("${PATHPART} is not set") != std::string::npos);
  }
}

TEST_CASE("JSON-RPC messages are told apart", "[mcp]") {
  using K = mcp::Incoming::Kind;
  CHECK(mcp::classify(nlohmann::json::parse(R"({"jsonrpc":"2.0","id":3,"result":{}})")).kind == K::response);
  CHECK(mcp::classify(nlohmann::json::parse(R"({"jsonrpc":"2.0","id":3,"error":{"code":1}})")).kind == K::response);
  CHECK(mcp::classify(nlohmann::json::parse(R"({"jsonrpc":"2.0","id":"a","method":"ping"})")).kind == K::request);
  CHECK(mcp::classify(nlohmann::json::parse(R"({"jsonrpc":"2.0","method":"notifications/x"})")).kind ==
        K::notification);
  CHECK(mcp::classify(nlohmann::json::parse(R"({"jsonrpc":"2.0","id":"a","result":{}})")).kind == K::invalid);
  CHECK(mcp::classify(nlohmann::json::parse(R"([1])")).kind == K::invalid);
  auto ping = mcp::classify(nlohmann::json::parse(R"({"jsonrpc":"2.0","id":"a","method":"ping"})"));
  CHECK(mcp::answer_server_request(ping) == nlohmann::json::parse(R"({"jsonrpc":"2.0","id":"a","result":{}})"));
  auto roots = mcp::classify(nlohmann::json::parse(R"({"jsonrpc":"2.0","id":7,"method":"roots/list"})"));
  CHECK(mcp::answer_server_request(roots)["error"]["code"] == -32601);
  CHECK_FALSE(mcp::parse_message(std::string(300, '[') + std::string(300, ']')));
}

TEST_CASE("content parts are rendered for people", "[mcp]") {
  auto content = nlohmann::json::parse(R"([
    {"type":"text","text":"hello"},
    {"type":"image","data":"AAAA","mimeType":"image/png"},
    {"type":"resource","resource":{"uri":"file:///a","blob":"AAAAAAAA","mimeType":"application/pdf"}},
    {"type":"resource_link","uri":"file:///b"}])");
  CHECK(mcp::render_content(content) ==
        "hello\n[image image/png, 3 B]\n[resource file:///a (application/pdf, 6 B)]\n[link file:///b]\n");
}

TEST_CASE("calls from several threads each get their own answer", "[mcp][process]") {
  TempDir dir;
  auto file = dir.write("config.yaml", fake_server_config());
  mcp::Server server(mcp::load_servers(file).at(0));
  REQUIRE(server.tools().size() == 9);
  std::atomic<int> right{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        const std::string text = std::to_string(t) + "-" + std::to_string(i);
        auto outcome = server.call("echo", {{"text", text}}, std::chrono::seconds(20));
        if (!outcome.is_error && outcome.content[0]["text"] == text) ++right;
      }
    });
  for (auto &th : threads) th.join();
  CHECK(right == 200);
}

TEST_CASE("a call that times out leaves the connection usable", "[mcp][process]") {
  TempDir dir;
  auto file = dir.write("config.yaml", fake_server_config());
  mcp::Server server(mcp::load_servers(file).at(0));
  try {
    server.call("slow", {{"ms", 1500}}, std::chrono::milliseconds(200));
    FAIL("no timeout");
  } catch (const Error &e) {
    CHECK(e.code() == ExitCode::temporary);
  }
  auto outcome = server.call("echo", {{"text", "still here"}}, std::chrono::seconds(10));
  CHECK(outcome.content[0]["text"] == "still here");
  CHECK(server.call("fail", nlohmann::json::object(), std::chrono::seconds(10)).is_error);
}
