#include <catch2/catch.hpp>

#include "lib/workflow/condition.hpp"
#include "lib/workflow/inputs.hpp"
#include "lib/workflow/json_answer.hpp"
#include "lib/workflow/loader.hpp"
#include "lib/workflow/run_store.hpp"
#include "temp_dir.hpp"

using namespace webox::workflow;
using nlohmann::json;

TEST_CASE("when: conditions", "[workflow]") {
  CHECK(condition_holds("instagram == instagram"));
  CHECK_FALSE(condition_holds("x == instagram"));
  CHECK(condition_holds(" x != y "));
  CHECK(condition_holds("true"));
  CHECK(condition_holds("some text"));
  for (const char *no : {"", "  ", "false", "False", "0", "no", "off", "null"}) CHECK_FALSE(condition_holds(no));
}

TEST_CASE("JSON answers are found in prose and fences, and checked against the schema", "[workflow]") {
  Schema schema = {{"tags", "array"}, {"score", "integer"}};
  json v = parse_json_answer("Voici :\n```json\n{\"tags\": [\"a\"], \"score\": 3}\n```\nVoilà.", schema);
  CHECK(v["score"] == 3);
  CHECK(parse_json_answer("[1, 2]", {}) == json::array({1, 2}));
  CHECK_THROWS_WITH(parse_json_answer("no json here", schema), Catch::Contains("no JSON"));
  CHECK_THROWS_WITH(parse_json_answer("{\"tags\": []}", schema), Catch::Contains("\"score\" is missing"));
  CHECK_THROWS_WITH(parse_json_answer("{\"tags\": \"a\", \"score\": 1}", schema), Catch::Contains("type array"));
  CHECK_THROWS_WITH(parse_json_answer("{\"tags\": [], \"score\": 1.5}", schema), Catch::Contains("type integer"));
  CHECK(repair_message("x", schema).find("\"tags\" (array)") != std::string::npos);
}

TEST_CASE("inputs are typed, defaulted, required, and read from @files", "[workflow]") {
  TempDir dir;
  auto file = dir.write("in.txt", "contenu\n");
  Workflow wf = parse_workflow(R"(inputs:
  topic: {required: true}
  n: {type: number, default: 2}
  flag: {type: boolean}
  list: {type: list}
  doc: {type: file}
steps:
  - id: a
    prompt: x
)", "wf.yaml");
  json in = resolve_inputs(wf, {"topic=@" + file.string(), "n=5", "flag=yes", "list=a,b", "doc=" + file.string()});
  CHECK(in["topic"] == "contenu\n");
  CHECK(in["n"] == 5);
  CHECK(in["flag"] == true);
  CHECK(in["list"] == json::array({"a", "b"}));
  CHECK(in["doc"] == "contenu\n");
  CHECK(resolve_inputs(wf, {"topic=t"})["n"] == 2);
  CHECK_THROWS_WITH(resolve_inputs(wf, {}), Catch::Contains("input 'topic' is required"));
  CHECK_THROWS_WITH(resolve_inputs(wf, {"topic=t", "n=many"}), Catch::Contains("is a number"));
  CHECK_THROWS_WITH(resolve_inputs(wf, {"topic=t", "nope=1"}), Catch::Contains("no input 'nope'"));
  CHECK_THROWS_WITH(resolve_inputs(wf, {"topic=@/no/such/file"}), Catch::Contains("cannot read"));
  CHECK_THROWS_WITH(resolve_inputs(wf, {"topic"}), Catch::Contains("expected name=value"));
}

TEST_CASE("cache keys ignore option order and change with anything that matters", "[workflow]") {
  json m = json::array({{{"role", "user"}, {"content", "hi"}}});
  std::string k = cache_key("openai", "gpt", m, {{"a", 1}, {"b", 2}});
  CHECK(k == cache_key("openai", "gpt", m, json::parse(R"({"b":2,"a":1})")));
  CHECK(k != cache_key("openai", "gpt-2", m, {{"a", 1}, {"b", 2}}));
  CHECK(k != cache_key("openai", "gpt", m, {{"a", 1}}));
  CHECK(k.size() == 64);
}
