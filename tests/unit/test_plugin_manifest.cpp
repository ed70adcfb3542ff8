#include <catch2/catch.hpp>

#include <webox/plugin.h>

#include "lib/core/error.hpp"
#include "lib/plugin/manifest.hpp"
#include "lib/plugin/registry.hpp"
#include "tests/unit/temp_dir.hpp"

using namespace webox;

TEST_CASE("a manifest is read with its capabilities", "[plugin][manifest]") {
  TempDir dir;
  dir.write("p/plugin.json", R"({"id":"p","version":"1.2.3","abi":{"major":1},
    "capabilities":["chat","chat-stream","teleport"],"secrets":["P_KEY"],"models":["m1"],
    "base_url_env":"P_BASE_URL","default_base_url":"https://p.example/v1"})");
  plugin::Manifest m = plugin::read_manifest(dir.path / "p");
  CHECK(m.id == "p");
  CHECK(m.library == "webox-p.so");
  CHECK(m.capabilities == (WEBOX_CAP_CHAT | WEBOX_CAP_CHAT_STREAM)); // unknown names ignored
  CHECK(m.primary_secret() == "P_KEY");
  CHECK(plugin::capability_names(m.capabilities) == std::vector<std::string>{"chat", "chat-stream"});
}

TEST_CASE("bad manifests are refused with a reason", "[plugin][manifest]") {
  TempDir dir;
  dir.write("a/plugin.json", R"({"id":"b","version":"1","abi":{"major":1}})");
  CHECK_THROWS_WITH(plugin::read_manifest(dir.path / "a"), Catch::Contains("differs from its folder name"));
  dir.write("c/plugin.json", R"({"id":"c","version":"1"})");
  CHECK_THROWS_WITH(plugin::read_manifest(dir.path / "c"), Catch::Contains("missing 'abi.major'"));
  dir.write("d/plugin.json", R"({"id":"d","version":"1","abi":{"major":1,"min_host_minor":99}})");
  CHECK_THROWS_WITH(plugin::read_manifest(dir.path / "d"), Catch::Contains("needs host ABI 1.99"));
  dir.write("e/plugin.json", "not json");
  CHECK_THROWS_WITH(plugin::read_manifest(dir.path / "e"), Catch::Contains("not a JSON object"));
  dir.write("f/plugin.json", R"({"id":"f","version":"1","abi":{"major":1},"library":"../evil.so"})");
  CHECK_THROWS_WITH(plugin::read_manifest(dir.path / "f"), Catch::Contains("file name in the plugin's folder"));
}

TEST_CASE("the manifest's \"pdf\" fact: models and limits, checked", "[plugin][manifest][pdf]") {
  TempDir dir;
  dir.write("p/plugin.json", R"({"id":"p","version":"1","abi":{"major":1},"models":["m1"],
    "pdf":{"models":["m1","big-*"],"max_request_bytes":32000000,"max_pages":100,"tokens_per_page":3000}})");
  plugin::Manifest m = plugin::read_manifest(dir.path / "p");
  CHECK(m.pdf.models == std::vector<std::string>{"m1", "big-*"});
  CHECK(m.pdf.max_request_bytes == 32000000);
  CHECK(m.pdf.max_pages == 100);
  CHECK(m.pdf.tokens_per_page == 3000);
  CHECK(plugin::accepts_native_pdf(m, "big-2"));
  dir.write("q/plugin.json", R"({"id":"q","version":"1","abi":{"major":1},"pdf":{"models":["m"],"max_pages":0}})");
  CHECK_THROWS_WITH(plugin::read_manifest(dir.path / "q"), Catch::Contains("'pdf.max_pages' must be a positive integer"));
  dir.write("r/plugin.json", R"({"id":"r","version":"1","abi":{"major":1},"pdf":["m"]})");
  CHECK_THROWS_WITH(plugin::read_manifest(dir.path / "r"), Catch::Contains("'pdf' must be an object"));
  dir.write("s/plugin.json", R"({"id":"s","version":"1","abi":{"major":1},"pdf":{"models":"m"}})");
  CHECK_THROWS_WITH(plugin::read_manifest(dir.path / "s"), Catch::Contains("'models' must be a list of strings"));
  dir.write("t/plugin.json", R"({"id":"t","version":"1","abi":{"major":1}})");
  CHECK_FALSE(plugin::accepts_native_pdf(plugin::read_manifest(dir.path / "t"), "m"));
}

// Found by fuzz/fuzz_manifest: a non-integer min_host_minor escaped as a
// JSON type_error instead of a refusal naming the field, and a huge major
// wrapped around when narrowed to int.
TEST_CASE("ill-typed and huge abi numbers are refused, not thrown through", "[plugin][manifest][fuzz]") {
  TempDir dir;
  dir.write("g/plugin.json", R"({"id":"g","version":"1","abi":{"major":1,"min_host_minor":"x"}})");
  CHECK_THROWS_AS(plugin::read_manifest(dir.path / "g"), Error);
  CHECK_THROWS_WITH(plugin::read_manifest(dir.path / "g"), Catch::Contains("'abi.min_host_minor' must be an integer"));
  dir.write("h/plugin.json", R"({"id":"h","version":"1","abi":{"major":4294967297}})");
  CHECK_THROWS_WITH(plugin::read_manifest(dir.path / "h"), Catch::Contains("'abi.major' is"));
  dir.write("i/plugin.json", R"({"id":"i","version":"1","abi":{"major":1,"min_host_minor":18446744073709551615}})");
  CHECK_THROWS_WITH(plugin::read_manifest(dir.path / "i"), Catch::Contains("needs host ABI"));
}

TEST_CASE("the registry keeps the first plugin of an id and reports the rest", "[plugin][registry]") {
  TempDir first, second;
  first.write("x/plugin.json", R"({"id":"x","version":"1","abi":{"major":1}})");
  second.write("x/plugin.json", R"({"id":"x","version":"2","abi":{"major":1}})");
  second.write("broken/plugin.json", "{");
  plugin::Registry reg({first.path, second.path});
  REQUIRE(reg.find("x"));
  CHECK(reg.find("x")->version == "1");
  CHECK(reg.problems().size() == 2);
  CHECK_THROWS_WITH(reg.load("y"), Catch::Contains("no plugin 'y'"));
}

TEST_CASE("close names are suggested", "[plugin][registry]") {
  CHECK(plugin::closest_match("opnai", {"openai", "ollama", "echo"}) == "openai");
  CHECK(plugin::closest_match("zzzzzz", {"openai", "echo"}).empty());
}
