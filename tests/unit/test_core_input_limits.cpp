// The limits every parser of outside input relies on: the nesting-limited
// JSON parser (plugins/common/shared/bounded_json.hpp, lib/core/json_limits.hpp) and
// the checked YAML loader (lib/core/yaml_load.hpp).
#include <catch2/catch.hpp>

#include <string>

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include "lib/core/error.hpp"
#include "lib/core/json_limits.hpp"
#include "lib/core/yaml_load.hpp"

using namespace webox;
using nlohmann::json;

namespace {

std::string nested(int depth, const std::string &inner = "") {
  return std::string(static_cast<size_t>(depth), '[') + inner + std::string(static_cast<size_t>(depth), ']');
}

} // namespace

TEST_CASE("JSON nested up to the limit parses; one level more is refused", "[core][limits]") {
  auto at_limit = bounded_json::parse(nested(bounded_json::kMaxDepth, "1"));
  CHECK_FALSE(at_limit.too_deep);
  REQUIRE(at_limit.value.is_array());
  json copy = at_limit.value; // the recursive walks the limit protects
  CHECK(copy.dump().size() == 2 * bounded_json::kMaxDepth + 1);

  auto over = bounded_json::parse(nested(bounded_json::kMaxDepth + 1));
  CHECK(over.too_deep);
  CHECK(over.value.is_discarded());
  CHECK(bounded_json::too_deep_text() == "nested deeper than 128 levels");
}

TEST_CASE("JSON 100,000 levels deep, closed or not, is refused without a crash", "[core][limits]") {
  CHECK(bounded_json::parse(nested(100'000)).too_deep);
  CHECK(bounded_json::parse(std::string(100'000, '[')).too_deep);
  CHECK(bounded_json::parse("{\"a\":" + nested(100'000) + "}").too_deep);
  CHECK(parse_json_or_discarded(nested(100'000)).is_discarded());
}

TEST_CASE("brackets inside strings are not nesting; invalid JSON is discarded, not too deep", "[core][limits]") {
  auto in_string = bounded_json::parse("[\"" + std::string(1000, '[') + "\"]");
  CHECK_FALSE(in_string.too_deep);
  CHECK(in_string.value.is_array());
  auto invalid = bounded_json::parse("{\"a\":");
  CHECK_FALSE(invalid.too_deep);
  CHECK(invalid.value.is_discarded());
  CHECK(bounded_json::parse("{\"a\":[1,{\"b\":null}]}").value == json::parse("{\"a\":[1,{\"b\":null}]}"));
}

TEST_CASE("a user's JSON too deep is a usage error naming where", "[core][limits]") {
  try {
    parse_user_json(nested(500), "input 'items'");
    FAIL("no error");
  } catch (const Error &e) {
    CHECK(e.code() == ExitCode::usage);
    CHECK(std::string(e.what()) == "input 'items': JSON nested deeper than 128 levels");
  }
  CHECK(parse_user_json("not json", "x").is_discarded());
}

TEST_CASE("YAML nested too deep is a parser error at the node", "[core][limits]") {
  // Below yaml-cpp's own limit: refused by the check after loading.
  try {
    load_yaml("a:\n  b: " + nested(200) + "\n");
    FAIL("no error");
  } catch (const YAML::ParserException &e) {
    CHECK(e.msg == "nested deeper than 128 levels");
    CHECK(e.mark.line == 1);
  }
  // Far beyond it: yaml-cpp's "bad file" becomes a message that says why.
  try {
    load_yaml("a: " + nested(100'000) + "\n");
    FAIL("no error");
  } catch (const YAML::ParserException &e) {
    CHECK(std::string(e.msg).find("nested deeper than") == 0);
  }
  CHECK(load_yaml("a: " + nested(100) + "\n")["a"].IsSequence());
}

TEST_CASE("YAML aliases of aliases are refused before anything expands them", "[core][limits]") {
  std::string doc = "l0: &l0 [a, a, a, a, a, a, a, a, a, a]\n";
  for (int i = 1; i <= 9; ++i) {
    doc += "l" + std::to_string(i) + ": &l" + std::to_string(i) + " [";
    for (int k = 0; k < 10; ++k) doc += (k ? ", *l" : "*l") + std::to_string(i - 1);
    doc += "]\n";
  }
  try {
    load_yaml(doc);
    FAIL("no error");
  } catch (const YAML::ParserException &e) {
    CHECK(std::string(e.msg).find("expands to more than 100000 values") != std::string::npos);
  }
  // A few aliases are fine.
  CHECK(load_yaml("base: &b {model: m}\nother: *b\n")["other"]["model"].Scalar() == "m");
}

TEST_CASE("YAML scalars repeated by aliases count their bytes", "[core][limits]") {
  const std::string big(1024 * 1024, 'x');
  std::string doc = "s: &s " + big + "\nlist: [";
  for (int i = 0; i < 40; ++i) doc += (i ? ", *s" : "*s");
  doc += "]\n";
  CHECK_THROWS_AS(load_yaml(doc), YAML::ParserException);
}

TEST_CASE("YAML keys that are not text are refused at the key, names and numbers kept", "[core][limits]") {
  // Found by fuzz_dm_sequence: every reader converts keys to strings, which
  // threw a conversion error (an internal error) for these.
  for (const char *doc : {"? [a, b]\n: x\n", "? {a: b}\n: x\n", "steps:\n  ? \n  : x\n", "~: x\n"}) {
    INFO(doc);
    CHECK_THROWS_AS(load_yaml(std::string(doc)), YAML::ParserException);
  }
  const YAML::Node ok = load_yaml(std::string("1: one\nname: two\n'': empty text\n"));
  CHECK(ok["1"].Scalar() == "one");
  CHECK(ok["name"].Scalar() == "two");
}
