// Conformance of the host side of the plugin contract, against real plugins:
// the echo plugin (C++), a counting plugin (C) that tracks buffer ownership,
// and deliberately broken plugins that the loader must refuse with a reason.
#include <catch2/catch.hpp>

#include <chrono>

#include "lib/core/cancel.hpp"
#include "lib/core/config.hpp"
#include "lib/plugin/provider.hpp"
#include "lib/plugin/registry.hpp"

using namespace webox;
using nlohmann::json;

namespace {

plugin::Registry bad_registry() { return plugin::Registry({WEBOX_TEST_BAD_PLUGIN_DIR}); }

std::string refusal(const std::string &id) {
  plugin::Registry reg = bad_registry();
  try {
    reg.load(id);
  } catch (const Error &e) {
    return e.what();
  }
  return "";
}

json counts(plugin::Provider &p) { return p.describe(); }

const json kRequest = {{"model", "m"}, {"messages", {{{"role", "user"}, {"content", "hi"}}}}, {"options", json::object()}};

} // namespace

TEST_CASE("a manifest for another ABI is refused without loading", "[abi]") {
  plugin::Registry reg = bad_registry();
  bool found = false;
  for (const auto &p : reg.problems())
    if (p.dir.filename() == "manifest_abi2") {
      found = true;
      CHECK_THAT(p.reason, Catch::Contains("'abi.major' is 2"));
    }
  CHECK(found);
  CHECK(reg.find("manifest_abi2") == nullptr);
}

TEST_CASE("broken plugins are refused with a one-line reason", "[abi]") {
  CHECK_THAT(refusal("wrong_abi"), Catch::Contains("built for ABI 2"));
  CHECK_THAT(refusal("no_entry"), Catch::Contains("does not export webox_plugin_entry_v1"));
  CHECK_THAT(refusal("cap_without_slot"), Catch::Contains("announces 'chat-stream' but has no function"));
  CHECK_THAT(refusal("id_mismatch"), Catch::Contains("descriptor id 'someone-else' differs"));
  CHECK_THAT(refusal("caps_mismatch"), Catch::Contains("differ from the manifest"));
  CHECK_THAT(refusal("small_descriptor"), Catch::Contains("smaller than ABI 1.0"));
  CHECK(refusal("counting").empty());
  for (const char *id : {"wrong_abi", "no_entry", "cap_without_slot", "id_mismatch"})
    CHECK(refusal(id).find('\n') == std::string::npos);
}

TEST_CASE("the host releases every buffer a plugin gives exactly once", "[abi]") {
  plugin::Registry reg = bad_registry();
  Config cfg;
  plugin::Provider p(plugin::bind_provider(reg, cfg, "counting"));
  json before = counts(p);
  for (int i = 0; i < 10; ++i) CHECK(p.chat(kRequest).value("text", "") == "counted");
  json after = counts(p);
  CHECK(after["given"].get<int>() - before["given"].get<int>() == 10);
  CHECK(after["given"] == after["released"]);
}

TEST_CASE("a sink that asks to stop ends the stream with WEBOX_E_CANCELLED", "[abi]") {
  plugin::Registry reg = bad_registry();
  Config cfg;
  plugin::Provider p(plugin::bind_provider(reg, cfg, "counting"));
  int seen = 0;
  try {
    p.chat_stream(kRequest, [&](const json &) { return ++seen < 3; });
    FAIL("the stream did not stop");
  } catch (const plugin::ProviderError &e) {
    CHECK(e.status() == WEBOX_E_CANCELLED);
    CHECK_THAT(e.what(), Catch::Contains("stopped by the sink"));
  }
  CHECK(seen == 3);
  json c = counts(p);
  CHECK(c["given"] == c["released"]); // the error buffer was released too
}

TEST_CASE("host cancellation reaches the plugin through is_cancelled", "[abi]") {
  plugin::Registry reg = bad_registry();
  Config cfg;
  plugin::Provider p(plugin::bind_provider(reg, cfg, "counting"));
  int seen = 0;
  try {
    p.chat_stream(kRequest, [&](const json &) {
      if (++seen == 5) cancel::request();
      return true;
    });
    FAIL("the stream was not cancelled");
  } catch (const plugin::ProviderError &e) {
    CHECK(e.status() == WEBOX_E_CANCELLED);
    CHECK(e.code() == ExitCode::interrupted);
  }
  cancel::reset();
  CHECK(seen == 5);
}

TEST_CASE("echo streams the prompt back byte for byte", "[abi][echo]") {
  plugin::Registry reg({WEBOX_TEST_PLUGIN_DIR});
  Config cfg;
  plugin::Provider p(plugin::bind_provider(reg, cfg, "echo"));
  std::string prompt = "Bonjour à tous 🚀 — 日本語 ok";
  json req = {{"model", "echo"}, {"messages", {{{"role", "user"}, {"content", prompt}}}}, {"options", json::object()}};
  std::string streamed;
  int deltas = 0;
  json result = p.chat_stream(req, [&](const json &e) {
    if (e["type"] == "delta") {
      streamed += e["text"].get<std::string>();
      ++deltas;
    }
    return true;
  });
  CHECK(streamed == prompt);
  CHECK(deltas > 3);
  CHECK(result["text"] == prompt);
  CHECK(result["usage"]["output_tokens"] == 7);
}

TEST_CASE("echo's scripted failures map to status classes and exit codes", "[abi][echo]") {
  plugin::Registry reg({WEBOX_TEST_PLUGIN_DIR});
  Config cfg;
  plugin::Provider p(plugin::bind_provider(reg, cfg, "echo"));
  auto status_of = [&](const char *model) {
    json req = kRequest;
    req["model"] = model;
    try {
      p.chat_stream(req, [](const json &) { return true; });
    } catch (const plugin::ProviderError &e) {
      return std::make_pair(e.status(), e.code());
    }
    return std::make_pair(WEBOX_OK, ExitCode::ok);
  };
  CHECK(status_of("fail-auth") == std::make_pair(WEBOX_E_AUTH, ExitCode::config));
  CHECK(status_of("fail-quota") == std::make_pair(WEBOX_E_QUOTA, ExitCode::quota));
  CHECK(status_of("fail-rate") == std::make_pair(WEBOX_E_RATE_LIMITED, ExitCode::temporary));
  CHECK(status_of("fail-upstream") == std::make_pair(WEBOX_E_UPSTREAM, ExitCode::temporary));
  CHECK(status_of("fail-midstream") == std::make_pair(WEBOX_E_UPSTREAM, ExitCode::failure));
}

TEST_CASE("a cancelled slow stream returns promptly", "[abi][echo]") {
  plugin::Registry reg({WEBOX_TEST_PLUGIN_DIR});
  Config cfg;
  plugin::Provider p(plugin::bind_provider(reg, cfg, "echo"));
  json req = {{"model", "slow"},
              {"messages", {{{"role", "user"}, {"content", "one two three four five six seven eight nine ten"}}}},
              {"options", {{"delay_ms", 100}}}};
  auto start = std::chrono::steady_clock::now();
  int seen = 0;
  CHECK_THROWS_AS(p.chat_stream(req, [&](const json &) {
    if (++seen == 2) cancel::request();
    return true;
  }), plugin::ProviderError);
  cancel::reset();
  auto elapsed = std::chrono::steady_clock::now() - start;
  CHECK(elapsed < std::chrono::milliseconds(600)); // 10 words would take 1 s
}
