#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>

#include <nlohmann/json.hpp>

#include "lib/core/config.hpp"
#include "lib/core/error.hpp"
#include "lib/core/paths.hpp"
#include "tests/unit/temp_dir.hpp"

using namespace webox;

TEST_CASE("a missing config file is an empty configuration", "[core][config]") {
  TempDir dir;
  Config c = load_config(dir.path / "nope.yaml");
  CHECK_FALSE(c.file_exists);
  CHECK(c.default_model.empty());
  CHECK(c.providers.empty());
}

TEST_CASE("a full config is read", "[core][config]") {
  TempDir dir;
  auto file = dir.write("config.yaml", R"(
default_model: anthropic:claude-sonnet-4-5
aliases:
  fast: groq:llama-3.1-8b-instant
providers:
  lmstudio:
    type: openai
    base_url: http://127.0.0.1:1234/v1
    api_key_env: LMSTUDIO_KEY
    options: {temperature: 0.3, top_p: "0.9", stream: true}
http:
  connect_timeout_ms: 2000
  retries: 1
fallbacks: {fast: [groq:a, openai:b]}
)");
  Config c = load_config(file);
  CHECK(c.file_exists);
  CHECK(c.default_model == "anthropic:claude-sonnet-4-5");
  CHECK(c.aliases.at("fast") == "groq:llama-3.1-8b-instant");
  const ProviderSettings &p = c.providers.at("lmstudio");
  CHECK(p.plugin == "openai");
  CHECK(p.base_url == "http://127.0.0.1:1234/v1");
  CHECK(p.api_key_env == "LMSTUDIO_KEY");
  auto options = nlohmann::json::parse(p.options_json);
  CHECK(options["temperature"] == 0.3);
  CHECK(options["top_p"] == "0.9"); // quoted in YAML: stays a string
  CHECK(options["stream"] == true);
  CHECK(c.http.connect_timeout_ms == 2000);
  CHECK(c.http.retries == 1);
}

TEST_CASE("config errors name file, line and column", "[core][config]") {
  TempDir dir;
  auto bad_key = dir.write("a.yaml", "default_model: x\nmodle: y\n");
  try {
    load_config(bad_key);
    FAIL("accepted an unknown key");
  } catch (const Error &e) {
    CHECK_THAT(e.what(), Catch::Contains("a.yaml:2:1: unknown setting 'modle'"));
    CHECK(e.code() == ExitCode::config);
  }
  auto bad_yaml = dir.write("b.yaml", "aliases: [unclosed\n");
  CHECK_THROWS_WITH(load_config(bad_yaml), Catch::Contains("b.yaml:"));
  auto bad_type = dir.write("c.yaml", "http:\n  retries: many\n");
  CHECK_THROWS_WITH(load_config(bad_type), Catch::Contains("c.yaml:2:12: 'retries' must be a whole number"));
  auto bad_provider = dir.write("d.yaml", "providers:\n  x:\n    baseurl: y\n");
  CHECK_THROWS_WITH(load_config(bad_provider), Catch::Contains("unknown setting 'baseurl' for provider 'x'"));
}

TEST_CASE("the sections other features read are accepted by the core config", "[core][config]") {
  TempDir dir;
  auto file = dir.write("sections.yaml", "leads: {}\nworkflow: {}\nsocial: {}\nmedia: {}\n"
                                         "export:\n  notion:\n    version: \"2022-06-28\"\n");
  CHECK_NOTHROW(load_config(file));
}

TEST_CASE("numbers from the environment are whole, at least the floor, or refused by name", "[core][env]") {
  const char *name = "WEBOX_TEST_ENV_NUMBER";
  ::unsetenv(name);
  CHECK(paths::env_number(name, 7, 1) == 7);
  ::setenv(name, "", 1);
  CHECK(paths::env_number(name, 7, 1) == 7);
  ::setenv(name, "0", 1);
  CHECK(paths::env_number(name, 7, 0) == 0);
  CHECK_THROWS_WITH(paths::env_number(name, 7, 1), "WEBOX_TEST_ENV_NUMBER must be a positive whole number, not '0'");
  for (const char *bad : {"lots", "12ms", "1.5", " 3", "-2", "99999999999999999999"}) {
    ::setenv(name, bad, 1);
    CHECK_THROWS_AS(paths::env_number(name, 7, 0), UsageError);
  }
  ::setenv(name, "-2", 1);
  CHECK_THROWS_WITH(paths::env_number(name, 7, 0), "WEBOX_TEST_ENV_NUMBER must be a whole number of at least 0, not '-2'");
  ::setenv(name, "250", 1);
  CHECK(paths::env_number(name, 7, 1) == 250);
  ::unsetenv(name);
}

TEST_CASE("media default models and workflow jobs are read, and mistakes named with their place", "[core][config]") {
  TempDir dir;
  auto write = [&](const std::string &text) {
    std::ofstream(dir.path / "c.yaml") << text;
    return dir.path / "c.yaml";
  };
  Config c = load_config(write("media:\n  tts_model: openai:tts-1\n  stt_model: pocketsphinx\nworkflow:\n  jobs: 8\n"));
  CHECK(c.media.tts_model == "openai:tts-1");
  CHECK(c.media.stt_model == "pocketsphinx");
  CHECK(c.media.image_model.empty());
  CHECK(c.workflow_jobs == 8);
  CHECK_FALSE(load_config(write("default_model: echo\n")).workflow_jobs);
  CHECK_THROWS_WITH(load_config(write("media:\n  voice: x\n")), Catch::Contains("c.yaml:2:3") && Catch::Contains("unknown media setting 'voice'"));
  CHECK_THROWS_WITH(load_config(write("media:\n  tts_model: ''\n")), Catch::Contains("'media.tts_model' must be a model"));
  CHECK_THROWS_WITH(load_config(write("media: espeak\n")), Catch::Contains("'media' must be a mapping"));
  CHECK_THROWS_WITH(load_config(write("workflow:\n  jobs: 0\n")), Catch::Contains("from 1 to 256"));
  CHECK_THROWS_WITH(load_config(write("workflow:\n  jobs: 257\n")), Catch::Contains("from 1 to 256"));
  CHECK_THROWS_WITH(load_config(write("workflow:\n  jobs: lots\n")), Catch::Contains("whole number"));
  CHECK_THROWS_WITH(load_config(write("workflow:\n  cache: false\n")), Catch::Contains("unknown workflow setting 'cache'"));
}

TEST_CASE("a key set twice in one mapping is refused at the second, exit 4", "[core][config]") {
  TempDir dir;
  auto top = dir.write("top.yaml", "default_model: openai:a\naliases: {x: openai:b}\ndefault_model: openai:c\n");
  try {
    load_config(top);
    FAIL("no error");
  } catch (const Error &e) {
    CHECK(e.code() == ExitCode::config);
    CHECK(std::string(e.what()) == top.string() + ":3:1: 'default_model' is set twice in the same mapping");
  }
  auto nested = dir.write("nested.yaml", "providers:\n  openai:\n    base_url: http://a\n    base_url: http://b\n");
  CHECK_THROWS_WITH(load_config(nested), Catch::Contains("nested.yaml:4:5: 'base_url' is set twice"));
  // Sections read by their own features are checked too.
  auto later = dir.write("later.yaml", "leads:\n  weights: {like: 1, like: 2}\n");
  CHECK_THROWS_WITH(load_config(later), Catch::Contains("later.yaml:2:") && Catch::Contains("'like' is set twice"));
  // The same key in two different mappings is fine.
  auto fine = dir.write("fine.yaml", "budgets:\n  daily: 1\n  providers: {openai: {daily: 1}}\n");
  CHECK_NOTHROW(load_config(fine));
}

TEST_CASE("a config that is not UTF-8 is refused with its position, exit 4", "[core][config]") {
  TempDir dir;
  auto file = dir.write("config.yaml", "aliases:\n  fast: caf\xe9:model\n");
  try {
    load_config(file);
    FAIL("no error");
  } catch (const Error &e) {
    CHECK(e.code() == ExitCode::config);
    CHECK(std::string(e.what()) == file.string() + ":2:12: not valid UTF-8 (byte 20)");
  }
}

TEST_CASE("a config path naming a folder is a configuration error naming it", "[core][config]") {
  TempDir dir;
  try {
    load_config(dir.path);
    FAIL("no error");
  } catch (const Error &e) {
    CHECK(e.code() == ExitCode::config);
    CHECK(std::string(e.what()) == "configuration file " + dir.path.string() + " is a folder; give a file");
  }
}
