#include <catch2/catch.hpp>

#include <initializer_list>
#include <string>

#include "lib/core/error.hpp"
#include "lib/store/open.hpp"
#include "lib/store/workspace.hpp"

namespace ws = webox::store;

TEST_CASE("workspace names: lowercase letters, digits and '-', 1 to 40", "[store][workspace]") {
  for (const char *good : {"default", "a", "agence-lyon", "0", "client42", "a-b-c"})
    CHECK(ws::is_valid_workspace_name(good));
  for (const std::string &bad : std::initializer_list<std::string>{"", "agence lyon", "it's", "\"q\"", "../x", "a/b", "Agence", "-a", "a_b", "a.b",
                                "caf\xc3\xa9", "a\nb", std::string(41, 'x'), std::string(100, 'x')})
    CHECK_FALSE(ws::is_valid_workspace_name(bad));
  CHECK(ws::is_valid_workspace_name(std::string(40, 'x')));
}

TEST_CASE("a bad workspace name is a usage error naming the setting, on one line", "[store][workspace]") {
  try {
    ws::check_workspace_name("a\nb " + std::string(200, 'x'), "--workspace");
    FAIL("accepted");
  } catch (const webox::Error &e) {
    const std::string m = e.what();
    CHECK(e.code() == webox::ExitCode::usage);
    CHECK(m.rfind("--workspace: ", 0) == 0);
    CHECK(m.find('\n') == std::string::npos);
    CHECK(m.size() < 200);
  }
}

TEST_CASE("workspace schemas map one to one", "[store][workspace]") {
  CHECK(ws::workspace_schema("default").empty());
  CHECK(ws::workspace_schema("agence-lyon") == "webox_ws_agence_lyon");
  CHECK(ws::workspace_of_schema("webox_ws_agence_lyon") == "agence-lyon");
  CHECK(ws::workspace_of_schema("webox_ws_default").empty());
  CHECK(ws::workspace_of_schema("public").empty());
  CHECK(ws::workspace_of_schema("webox_ws_A").empty());
  CHECK(ws::workspace_schema(std::string(40, 'x')).size() <= 63);
}

TEST_CASE("a workspace's SQLite file sits in workspaces/NAME beside the default one", "[store][workspace]") {
  CHECK(ws::workspace_file("/d/webox.db", "default") == "/d/webox.db");
  CHECK(ws::workspace_file("/d/webox.db", "a") == "/d/workspaces/a/webox.db");
  CHECK(ws::workspace_file("/srv/team/store.db", "agence-lyon") == "/srv/team/workspaces/agence-lyon/store.db");
  const ws::Location a = ws::in_workspace({"/d/webox.db", "WEBOX_DB"}, {"a", "--workspace"});
  CHECK(a.value == "/d/workspaces/a/webox.db");
  CHECK(a.default_file() == "/d/webox.db");
  const ws::Location b = ws::in_workspace(a, {"b", "--workspace"});
  CHECK(b.value == "/d/workspaces/b/webox.db");
  const ws::Location server = ws::in_workspace({"postgresql://h/db", "WEBOX_DB"}, {"a", "--workspace"});
  CHECK(server.value == "postgresql://h/db");
  CHECK(server.workspace.name == "a");
  CHECK_THROWS_AS(ws::in_workspace({"/d/webox.db", "x"}, {"../x", "--workspace"}), webox::UsageError);
}
