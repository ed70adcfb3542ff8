#include <catch2/catch.hpp>

#include <cstdlib>

#include "lib/chat/model_ref.hpp"
#include "lib/core/error.hpp"
#include "lib/plugin/registry.hpp"

using namespace webox;

namespace {
plugin::Registry registry() { return plugin::Registry({WEBOX_TEST_PLUGIN_DIR}); }
} // namespace

TEST_CASE("provider:model, aliases and a provider alone", "[chat][model]") {
  auto reg = registry();
  Config cfg;
  cfg.aliases["quick"] = "fast";
  cfg.aliases["fast"] = "echo:slow";
  cfg.providers["lmstudio"].plugin = "openai";
  CHECK(chat::resolve_model("echo:messages", cfg, reg).text() == "echo:messages");
  CHECK(chat::resolve_model("quick", cfg, reg).text() == "echo:slow");
  CHECK(chat::resolve_model("echo", cfg, reg).text() == "echo:echo");
  CHECK(chat::resolve_model("ollama:llama3.2:latest", cfg, reg).text() == "ollama:llama3.2:latest");
  CHECK(chat::resolve_model("lmstudio:qwen", cfg, reg).text() == "lmstudio:qwen");
  CHECK_THROWS_WITH(chat::resolve_model("lmstudio", cfg, reg), Catch::Contains("name a model for 'lmstudio'"));
}

TEST_CASE("unknown names are usage errors with a suggestion", "[chat][model]") {
  auto reg = registry();
  Config cfg;
  try {
    chat::resolve_model("ecoh:x", cfg, reg);
    FAIL("accepted an unknown provider");
  } catch (const Error &e) {
    CHECK(e.code() == ExitCode::usage);
    CHECK_THAT(e.what(), Catch::Contains("did you mean 'echo'"));
  }
  CHECK_THROWS_WITH(chat::resolve_model("echo:", cfg, reg), Catch::Contains("no model after 'echo:'"));
  cfg.aliases["loop"] = "loop";
  CHECK_THROWS_WITH(chat::resolve_model("loop", cfg, reg), Catch::Contains("refers to itself"));
}

TEST_CASE("the default model: WEBOX_MODEL, then config, then openai:gpt-4o-mini", "[chat][model]") {
  Config cfg;
  unsetenv("WEBOX_MODEL");
  CHECK(chat::default_model_spec(cfg) == "openai:gpt-4o-mini");
  cfg.default_model = "echo:echo";
  CHECK(chat::default_model_spec(cfg) == "echo:echo");
  setenv("WEBOX_MODEL", "echo:slow", 1);
  CHECK(chat::default_model_spec(cfg) == "echo:slow");
  unsetenv("WEBOX_MODEL");
}

TEST_CASE("relative WEBOX_PLUGIN_PATH entries are ignored: never the current directory", "[plugin][registry]") {
  setenv("WEBOX_PLUGIN_PATH", ":.:plugins:/opt/webox-test-plugins", 1);
  auto path = plugin::Registry::default_search_path({});
  unsetenv("WEBOX_PLUGIN_PATH");
  REQUIRE_FALSE(path.empty());
  CHECK(path.front() == "/opt/webox-test-plugins");
  for (const auto &p : path) CHECK(p.is_absolute());
}
