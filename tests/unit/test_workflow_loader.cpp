#include <catch2/catch.hpp>

#include "lib/workflow/loader.hpp"
#include "lib/workflow/plan.hpp"

using namespace webox::workflow;

namespace {

std::string messages_of(const InvalidWorkflow &e) { return e.what(); }

Workflow parse(const std::string &yaml) { return parse_workflow(yaml, "wf.yaml"); }

} // namespace

TEST_CASE("a workflow loads with its inputs, defaults, steps and outputs", "[workflow]") {
  Workflow wf = parse(R"(name: demo
description: d
inputs:
  topic: {type: string, required: true}
  n: {type: number, default: 3}
  tags: [a, b]
defaults:
  model: echo
  options: {temperature: 0.2}
steps:
  - id: draft
    prompt: "About {{inputs.topic}}"
  - id: tags
    prompt: "Tags for {{steps.draft.output}}"
    format: json
    schema: {tags: array}
    retries: 2
  - id: each
    foreach: [x, y]
    prompt: "{{item}}"
    output: "out/{{item}}.txt"
outputs:
  result: "{{steps.tags.output}}"
)");
  REQUIRE(wf.steps.size() == 3);
  CHECK(wf.name == "demo");
  CHECK(wf.inputs[0].required);
  CHECK(wf.inputs[1].type == InputType::number);
  CHECK(wf.inputs[2].type == InputType::list);
  CHECK(wf.default_options["temperature"] == 0.2);
  CHECK(wf.steps[1].json_format);
  CHECK(wf.steps[1].schema == Schema{{"tags", "array"}});
  CHECK(wf.steps[1].retries == 2);
  CHECK(wf.steps[2].foreach_list->size() == 2);
  CHECK(wf.steps[0].body.pos.line == 12);
  CHECK(wf.outputs.size() == 1);
}

TEST_CASE("structure errors are all reported with file:line:column", "[workflow]") {
  try {
    parse(R"(steps:
  - id: a
    prompt: x
    colour: blue
  - id: a
    prompt: y
  - id: b
  - id: c
    prompt: "{{#open}}"
    retries: 99
)");
    FAIL("accepted");
  } catch (const InvalidWorkflow &e) {
    std::string m = messages_of(e);
    CHECK(m.find("wf.yaml:4:5: step 'a': unknown key 'colour'") != std::string::npos);
    CHECK(m.find("wf.yaml:5:9: step id 'a' is used twice") != std::string::npos);
    CHECK(m.find("step 'b' needs exactly one action") != std::string::npos);
    CHECK(m.find("wf.yaml:9:13: prompt: template") != std::string::npos);
    CHECK(m.find("'retries:' is a whole number") != std::string::npos);
    CHECK(e.diagnostics().size() == 5);
    CHECK(e.code() == webox::ExitCode::usage);
  }
}

TEST_CASE("YAML syntax errors carry their position", "[workflow]") {
  try {
    parse("steps:\n  - id: a\n    prompt: [unclosed\n");
    FAIL("accepted");
  } catch (const InvalidWorkflow &e) {
    CHECK(std::string(e.what()).rfind("wf.yaml:", 0) == 0);
    CHECK(e.diagnostics().front().pos.line >= 3);
  }
}

TEST_CASE("the plan follows needs and template references, in file order", "[workflow]") {
  Workflow wf = parse(R"(inputs: {t: x}
steps:
  - id: c
    prompt: "{{steps.a.output}} {{steps.b.json.x}}"
  - id: a
    prompt: "{{inputs.t}}"
  - id: b
    needs: a
    prompt: "b"
  - id: d
    prompt: "independent"
)");
  Plan p = make_plan(wf);
  std::vector<std::string> order;
  for (size_t i : p.order) order.push_back(wf.steps[i].id);
  CHECK(order == std::vector<std::string>{"a", "b", "c", "d"});
  CHECK(p.needs[0].size() == 2);
  CHECK(p.dependants[1].size() == 2); // a: b and c
}

TEST_CASE("cycles, unknown steps and undeclared inputs are refused", "[workflow]") {
  Workflow cycle = parse(R"(steps:
  - id: a
    prompt: "{{steps.c.output}}"
  - id: b
    prompt: "{{steps.a.output}}"
  - id: c
    prompt: "{{steps.b.output}}"
)");
  CHECK_THROWS_WITH(make_plan(cycle), Catch::Contains("in a cycle") && Catch::Contains("a -> c -> b -> a"));

  Workflow unknown = parse(R"(steps:
  - id: a
    prompt: "{{steps.nope.output}} {{inputs.missing}}"
  - id: b
    needs: [a, a, b]
    prompt: x
)");
  try {
    make_plan(unknown);
    FAIL("accepted");
  } catch (const InvalidWorkflow &e) {
    std::string m = e.what();
    CHECK(m.find("wf.yaml:3:13: step 'a' refers to an unknown step 'nope'") != std::string::npos);
    CHECK(m.find("undeclared input 'missing'") != std::string::npos);
    CHECK(m.find("step 'b' cannot depend on itself") != std::string::npos);
  }
}

TEST_CASE("step references are read from templates", "[workflow]") {
  CHECK(step_references("{{steps.a.output}} {{#steps.b.json.items}}{{.}}{{/steps.b.json.items}} {{inputs.x}}") ==
        std::vector<std::string>{"a", "b"});
}

TEST_CASE("steps that act and retrieve: keys, limits and positions", "[workflow]") {
  Workflow wf = parse(R"(steps:
  - id: act
    prompt: x
    tools: [read_file, write_file]
    mcp: fs
    max_steps: 4
  - id: find
    retrieve: {collection: notes, query: "{{steps.act.output}}", k: 7}
)");
  REQUIRE(wf.steps.size() == 2);
  CHECK(wf.steps[0].acts());
  CHECK(wf.steps[0].tools.size() == 2);
  CHECK(wf.steps[0].tools[1].name == "write_file");
  CHECK(wf.steps[0].tools[1].pos.line == 4);
  CHECK(wf.steps[0].mcp.front().name == "fs");
  CHECK(wf.steps[0].max_steps == 4);
  CHECK(wf.steps[1].action == Action::retrieve);
  CHECK(wf.steps[1].retrieve.collection == "notes");
  CHECK(wf.steps[1].retrieve.k == 7);
  CHECK(make_plan(wf).needs[1] == std::vector<size_t>{0}); // the query names the step before

  try {
    parse(R"(steps:
  - id: a
    prompt: x
    tools: [read_file, format_disk, read_file]
    retries: 2
  - id: b
    image: a cat
    mcp: [fs]
  - id: c
    prompt: x
    max_steps: 3
  - id: d
    retrieve: {collection: "{{inputs.c}}", query: q, k: 500, top: 1}
)");
    FAIL("accepted");
  } catch (const InvalidWorkflow &e) {
    std::string m = e.what();
    CHECK(m.find("wf.yaml:4:24: step 'a': unknown tool 'format_disk'") != std::string::npos);
    CHECK(m.find("wf.yaml:4:37: step 'a': 'read_file' is listed twice") != std::string::npos);
    CHECK(m.find("step 'a': 'retries:' does not go with 'tools:'") != std::string::npos);
    CHECK(m.find("step 'b': 'tools:' and 'mcp:' go with 'prompt:' or 'use:'") != std::string::npos);
    CHECK(m.find("wf.yaml:11:16: step 'c': 'max_steps:' needs 'tools:' or 'mcp:'") != std::string::npos);
    CHECK(m.find("step 'd': retrieve: the collection is a name, not a template") != std::string::npos);
    CHECK(m.find("step 'd': retrieve: 'k:' is a whole number from 1 to 100") != std::string::npos);
    CHECK(m.find("step 'd': retrieve: unknown key 'top'") != std::string::npos);
  }
}
