#include <catch2/catch.hpp>

#include <cstdlib>

#include "lib/chat/assistants.hpp"
#include "lib/core/error.hpp"
#include "tests/unit/temp_dir.hpp"

using namespace webox;

TEST_CASE("an assistant file: front matter and prompt", "[chat][assistants]") {
  TempDir dir;
  auto f = dir.write("x.md", "---\nname: rédacteur\ndescription: écrit\naliases: [writer]\ntemperature: 0.7\n---\n\nTu écris.\n\n");
  chat::Assistant a = chat::parse_assistant(f);
  CHECK(a.name == "rédacteur");
  CHECK(a.aliases == std::vector<std::string>{"writer"});
  CHECK(a.temperature == 0.7);
  CHECK(a.system_prompt == "Tu écris.");
  CHECK_THROWS_WITH(chat::parse_assistant(dir.write("y.md", "---\nname: y\n")), Catch::Contains("not closed"));
  CHECK_THROWS_WITH(chat::parse_assistant(dir.write("z.md", "---\nname: z\n---\n \n")), Catch::Contains("no prompt"));
}

TEST_CASE("assistants are found by name without accents; user ones win", "[chat][assistants]") {
  TempDir home;
  home.write("shared/prompts/assistants/redacteur.md", "---\nname: rédacteur\n---\nshipped\n");
  home.write("config/webox/prompts/assistants/mine.md", "---\nname: Rédacteur\n---\nmine\n");
  setenv("WEBOX_DATA_DIR", (home.path / "shared").c_str(), 1);
  setenv("XDG_CONFIG_HOME", (home.path / "config").c_str(), 1);
  CHECK(chat::find_assistant("redacteur").system_prompt == "mine");
  CHECK(chat::find_assistant("RÉDACTEUR").system_prompt == "mine");
  CHECK_THROWS_WITH(chat::find_assistant("nobody"), Catch::Contains("available: Rédacteur"));
  unsetenv("WEBOX_DATA_DIR");
  unsetenv("XDG_CONFIG_HOME");
}
