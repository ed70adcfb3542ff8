#include <catch2/catch.hpp>

#include "lib/core/config.hpp"
#include "lib/plugin/key_names.hpp"

using webox::plugin::KeyNames;

namespace {

webox::plugin::Manifest key_names_manifest(const std::string &id, std::vector<std::string> secrets) {
  webox::plugin::Manifest m;
  m.id = id;
  m.secrets = std::move(secrets);
  return m;
}

} // namespace

TEST_CASE("a provider's key has one name: its variable", "[plugin][keys]") {
  webox::Config config;
  KeyNames names({key_names_manifest("openai", {"OPENAI_API_KEY"}), key_names_manifest("ollama", {}),
                  key_names_manifest("x", {"X_ACCESS_TOKEN", "X_REFRESH_TOKEN"})},
                 config);
  CHECK(names.canonical("openai") == "OPENAI_API_KEY");
  CHECK(names.canonical("OPENAI_API_KEY") == "OPENAI_API_KEY");
  CHECK(names.aliases("OPENAI_API_KEY") == std::vector<std::string>{"openai"});
  CHECK(names.canonical("x") == "X_ACCESS_TOKEN"); // the primary secret
  CHECK(names.canonical("X_REFRESH_TOKEN") == "X_REFRESH_TOKEN");
  CHECK(names.aliases("X_REFRESH_TOKEN").empty());
  CHECK(names.canonical("ollama") == "ollama"); // no key: nothing to map
  CHECK(names.canonical("anything-else") == "anything-else");
}

TEST_CASE("configured providers map to their own variable, never to another plugin's", "[plugin][keys]") {
  webox::Config config;
  config.providers["lmstudio"].plugin = "openai";
  config.providers["lmstudio"].api_key_env = "LMSTUDIO_KEY";
  config.providers["myproxy"].plugin = "openai"; // reuses OPENAI_API_KEY
  config.providers["openai"].api_key_env = "CORP_OPENAI_KEY";
  KeyNames names({key_names_manifest("openai", {"OPENAI_API_KEY"})}, config);
  CHECK(names.canonical("lmstudio") == "LMSTUDIO_KEY");
  CHECK(names.canonical("myproxy") == "myproxy");
  CHECK(names.canonical("openai") == "CORP_OPENAI_KEY");
  CHECK(names.aliases("OPENAI_API_KEY").empty());
}
