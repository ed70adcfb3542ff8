// Tool calling (ABI 1.3) through the real provider plugins: each is loaded
// through lib/plugin and talks to tests/fakes/fake_llm.py, which streams
// calls the way each wire format does (deltas cut mid-JSON and mid-UTF-8,
// parallel calls, text first) and checks the history sent back as strictly
// as the real API (see tests/fakes/llm_tools.py).
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <csignal>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lib/chat/turn.hpp"
#include "lib/core/config.hpp"
#include "lib/plugin/provider.hpp"
#include "lib/plugin/registry.hpp"

using nlohmann::json;
using namespace webox;

namespace {

// fake_llm.py on a free loopback port, for the lifetime of the object.
class FakeLlm {
public:
  FakeLlm() {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    m_pid = ::fork();
    REQUIRE(m_pid >= 0);
    if (m_pid == 0) {
      ::dup2(fds[1], STDOUT_FILENO);
      ::close(fds[0]);
      ::close(fds[1]);
      ::execl(WEBOX_TEST_PYTHON, WEBOX_TEST_PYTHON, WEBOX_TEST_FAKES_DIR "/fake_llm.py", "0", nullptr);
      ::_exit(127);
    }
    ::close(fds[1]);
    std::string line;
    char c;
    while (::read(fds[0], &c, 1) == 1 && c != '\n') line += c;
    ::close(fds[0]);
    m_port = std::atoi(line.c_str());
    REQUIRE(m_port > 0);
  }
  ~FakeLlm() {
    ::kill(m_pid, SIGTERM);
    ::waitpid(m_pid, nullptr, 0);
  }
  FakeLlm(const FakeLlm &) = delete;
  FakeLlm &operator=(const FakeLlm &) = delete;

  std::string url(const std::string &path = "") const { return "http://127.0.0.1:" + std::to_string(m_port) + path; }

  // The body of the last request the fake received.
  json last_body() const {
    const json all = json::parse(get("/__requests"));
    REQUIRE(!all.empty());
    return all.back().at("body");
  }

private:
  std::string get(const std::string &path) const {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(m_port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) == 0);
    const std::string request = "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
    std::string response;
    char buf[65536];
    for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) response.append(buf, static_cast<size_t>(n));
    ::close(fd);
    return response.substr(response.find("\r\n\r\n") + 4);
  }

  pid_t m_pid = -1;
  int m_port = 0;
};

FakeLlm &fake() {
  static FakeLlm instance;
  return instance;
}

struct Format {
  const char *instance;
  const char *base_path; // where the fake serves this format
};

const Format kFormats[] = {{"openai", "/v1"}, {"anthropic", ""}, {"gemini", ""}, {"ollama", ""}};

plugin::Registry &registry() {
  static plugin::Registry reg({WEBOX_TEST_PLUGIN_DIR});
  return reg;
}

std::unique_ptr<plugin::Provider> provider_for(const Format &f) {
  ::setenv("WEBOX_TEST_TOOLS_KEY", "test-key", 1);
  Config cfg;
  cfg.providers[f.instance].base_url = fake().url(f.base_path);
  cfg.providers[f.instance].api_key_env = "WEBOX_TEST_TOOLS_KEY";
  return std::make_unique<plugin::Provider>(plugin::bind_provider(registry(), cfg, f.instance));
}

// Two tools; the weather one has the JSON Schema keys Gemini refuses.
json offered_tools() {
  return json::parse(R"([
    {"name": "get_weather", "description": "Weather in a city",
     "input_schema": {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
                      "properties": {"city": {"type": "string"}, "unit": {"type": ["string", "null"]}},
                      "required": ["city"], "additionalProperties": false}},
    {"name": "get_time", "description": "Time in a zone",
     "input_schema": {"type": "object", "properties": {"zone": {"type": "string"}}}}])");
}

json request(const std::string &model, json messages) {
  return {{"model", model}, {"messages", std::move(messages)}, {"options", json::object()}, {"tools", offered_tools()}};
}

// request("m", {user("x")}): a list of one message. Through the json
// parameter above, a braced list of one json value is that value to clang
// (CWG 1467) and an array of it to gcc; this overload makes it an array for
// both.
json request(const std::string &model, std::initializer_list<json> messages) {
  json list = json::array();
  for (const json &m : messages) list.push_back(m);
  return request(model, std::move(list));
}

json user(const std::string &text) { return {{"role", "user"}, {"content", text}}; }

const json kWeatherArgs = {{"city", "Montréal"}, {"unit", "°C"}, {"note", "🚀 \"vite\""}};
const json kTimeArgs = {{"zone", "Europe/Paris"}};

// What a stream delivered, in order.
struct Streamed {
  std::vector<std::string> order; // "delta" / "tool_call"
  std::string text;
  json calls = json::array();
  json result;
};

Streamed stream(plugin::Provider &p, const json &req) {
  Streamed s;
  s.result = p.chat_stream(req, [&](const json &event) {
    const std::string type = event.value("type", "");
    if (type == "delta") s.text += event.value("text", "");
    if (type == "tool_call") s.calls.push_back(event);
    if (type == "delta" || type == "tool_call") s.order.push_back(type);
    return true;
  });
  return s;
}

// By value: operator[] on a missing key of a const json is undefined.
void check_two_calls(json calls) {
  REQUIRE(calls.size() == 2);
  CHECK(calls[0]["name"] == "get_weather");
  CHECK(calls[0]["arguments"] == kWeatherArgs);
  CHECK(calls[1]["name"] == "get_time");
  CHECK(calls[1]["arguments"] == kTimeArgs);
  CHECK(!calls[0].value("id", "").empty());
  CHECK(calls[0]["id"] != calls[1]["id"]);
}

} // namespace

TEST_CASE("tools: parallel streamed calls come whole, after the text before them", "[plugin][tools]") {
  for (const Format &f : kFormats) {
    INFO(f.instance);
    auto p = provider_for(f);
    REQUIRE(p->supports_tools());
    Streamed s = stream(*p, request("tools", {user("Météo à Montréal ?")}));
    CHECK(s.text == "Je vérifie la météo…");
    REQUIRE(s.order.size() >= 3);
    CHECK(s.order.front() == "delta"); // the text was not held back for the calls
    CHECK(s.order.back() == "tool_call");
    check_two_calls(s.calls);
    check_two_calls(s.result["tool_calls"]);
    CHECK(s.result["tool_calls"][0]["id"] == s.calls[0]["id"]);
    CHECK(s.result["finish_reason"] == "tool_calls");
    if (std::string(f.instance) == "gemini") {
      CHECK(s.calls[0]["extra"]["thoughtSignature"] == "c2lnbmF0dXJlLTE=");
      CHECK_FALSE(s.calls[1].contains("extra")); // parallel calls: only the first is signed
    }
  }
}

TEST_CASE("tools: a whole (not streamed) answer carries the calls", "[plugin][tools]") {
  for (const Format &f : kFormats) {
    INFO(f.instance);
    auto p = provider_for(f);
    json result = p->chat(request("tools", {user("Météo ?")}));
    check_two_calls(result["tool_calls"]);
    CHECK(result["finish_reason"] == "tool_calls");
  }
}

TEST_CASE("tools: the definitions reach each API in its own shape", "[plugin][tools]") {
  for (const Format &f : kFormats) {
    INFO(f.instance);
    auto p = provider_for(f);
    json req = request("tools-one", {user("Météo ?")});
    req["tool_choice"] = json{{"name", "get_weather"}};
    p->chat(req);
    json body = fake().last_body();
    const std::string id = f.instance;
    if (id == "openai" || id == "ollama") {
      CHECK(body["tools"][0]["type"] == "function");
      CHECK(body["tools"][0]["function"]["name"] == "get_weather");
      CHECK(body["tools"][0]["function"]["parameters"] == offered_tools()[0]["input_schema"]);
    }
    if (id == "openai") CHECK(body["tool_choice"] == json::parse(R"({"type":"function","function":{"name":"get_weather"}})"));
    if (id == "anthropic") {
      CHECK(body["tools"][0]["input_schema"] == offered_tools()[0]["input_schema"]);
      CHECK(body["tool_choice"] == json::parse(R"({"type":"tool","name":"get_weather"})"));
    }
    if (id == "gemini") {
      json params = body["tools"][0]["functionDeclarations"][0]["parameters"];
      CHECK_FALSE(params.contains("$schema"));
      CHECK_FALSE(params.contains("additionalProperties"));
      CHECK(params["properties"]["unit"] == json::parse(R"({"type":"string","nullable":true})"));
      CHECK(body["toolConfig"]["functionCallingConfig"] ==
            json::parse(R"({"mode":"ANY","allowedFunctionNames":["get_weather"]})"));
    }
  }
}

TEST_CASE("tools: calls and results go back in each API's history shape", "[plugin][tools]") {
  for (const Format &f : kFormats) {
    INFO(f.instance);
    auto p = provider_for(f);
    Streamed first = stream(*p, request("tools", {user("Météo ?")}));
    REQUIRE(first.result["tool_calls"].size() == 2);
    json assistant = {{"role", "assistant"}, {"content", first.text}, {"tool_calls", first.result["tool_calls"]}};
    json calls = first.result["tool_calls"];
    json messages = {user("Météo ?"), assistant,
                     {{"role", "tool"}, {"tool_call_id", calls[0]["id"]}, {"name", "get_weather"}, {"content", "-3 °C"}},
                     {{"role", "tool"},
                      {"tool_call_id", calls[1]["id"]},
                      {"name", "get_time"},
                      {"content", "fuseau inconnu"},
                      {"is_error", true}}};
    // run_turn_request is what the agent loop calls: the calls and the text
    // land in the turn.
    auto second = chat::run_turn_request(*p, {f.instance, "tools"}, request("tools", messages), chat::Streaming::yes,
                                         [](std::string_view) {});
    CHECK(second.text.find("-3 °C") != std::string::npos);
    CHECK(second.text.find("fuseau inconnu") != std::string::npos);
    CHECK(second.tool_calls.empty());
    const std::string id = f.instance;
    if (id == "anthropic" || id == "gemini") CHECK(second.text.find("[erreur]") != std::string::npos);
    if (id == "ollama") CHECK(second.text.find("@get_time") != std::string::npos);
  }
}

TEST_CASE("tools: a turn collects the calls of a streamed answer", "[plugin][tools]") {
  auto p = provider_for(kFormats[0]);
  std::string shown;
  auto turn = chat::run_turn_request(*p, {"openai", "tools"}, request("tools", {user("Météo ?")}), chat::Streaming::yes,
                                     [&](std::string_view d) { shown += d; });
  CHECK(shown == "Je vérifie la météo…");
  CHECK(turn.finish_reason == "tool_calls");
  check_two_calls(turn.tool_calls);
}

TEST_CASE("tools: arguments that are not JSON come back raw", "[plugin][tools]") {
  for (const Format &f : {kFormats[0], kFormats[1]}) { // the formats that send arguments as text
    INFO(f.instance);
    auto p = provider_for(f);
    Streamed s = stream(*p, request("tools-bad-args", {user("Météo ?")}));
    REQUIRE(s.calls.size() == 1);
    CHECK(s.calls[0]["arguments"].is_null());
    CHECK(s.calls[0]["arguments_text"] == "{\"city\": \"Par");
  }
}

TEST_CASE("tools: too many calls, or arguments too big, stop with a clear error", "[plugin][tools]") {
  for (const Format &f : kFormats) {
    INFO(f.instance);
    auto p = provider_for(f);
    CHECK_NOTHROW(stream(*p, request("tools-many-128", {user("x")})));
    CHECK_THROWS_WITH(stream(*p, request("tools-many-129", {user("x")})),
                      Catch::Contains("more than 128 tool calls in one answer"));
    CHECK_THROWS_WITH(p->chat(request("tools-huge", {user("x")})), Catch::Contains("exceed 1 MiB"));
  }
}

TEST_CASE("tools: the host never offers tools to a plugin without the capability", "[plugin][tools]") {
  plugin::Registry reg({WEBOX_TEST_BAD_PLUGIN_DIR});
  plugin::Provider p(plugin::bind_provider(reg, Config{}, "counting"));
  CHECK_FALSE(p.supports_tools());
  const json req = request("m", {user("x")});
  CHECK_THROWS_WITH(p.chat(req), Catch::Contains("cannot call tools"));
  CHECK_THROWS_WITH(p.chat_stream(req, [](const json &) { return true; }), Catch::Contains("cannot call tools"));
  json plain = req;
  plain.erase("tools");
  CHECK_NOTHROW(p.chat(plain));
}

TEST_CASE("tools: Anthropic's signed thinking goes back before the call", "[plugin][tools]") {
  auto p = provider_for(kFormats[1]);
  for (bool streamed : {true, false}) {
    INFO(streamed);
    json first = streamed ? stream(*p, request("tools-think", {user("Météo ?")})).result
                          : p->chat(request("tools-think", {user("Météo ?")}));
    json calls = first["tool_calls"];
    REQUIRE(calls.size() == 1);
    CHECK(calls[0]["extra"]["thinking_blocks"][0]["signature"] == "EqQBsigFAKE");
    json messages = {user("Météo ?"),
                     {{"role", "assistant"}, {"content", ""}, {"tool_calls", calls}},
                     {{"role", "tool"}, {"tool_call_id", calls[0]["id"]}, {"content", "-3 °C"}}};
    json answer = p->chat(request("tools-think", messages)); // the fake refuses a history without it
    CHECK(answer["text"].get<std::string>().find("-3 °C") != std::string::npos);
  }
}
