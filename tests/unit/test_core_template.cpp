#include <catch2/catch.hpp>

#include "lib/core/template.hpp"

using nlohmann::json;
using webox::Template;

TEST_CASE("templates render dotted names from JSON without HTML escaping", "[template]") {
  json data = {{"inputs", {{"topic", "R&D <team>"}, {"n", 3}}}, {"steps", {{"draft", {{"output", "Hello"}}}}}};
  CHECK(webox::render_template("{{inputs.topic}} x{{inputs.n}}: {{steps.draft.output}}", data) ==
        "R&D <team> x3: Hello");
}

TEST_CASE("arrays iterate, objects named as variables render as JSON", "[template]") {
  json data = {{"tags", json::array({"a", "b"})}, {"obj", {{"k", 1}}}};
  CHECK(webox::render_template("{{#tags}}#{{.}} {{/tags}}", data) == "#a #b ");
  CHECK(webox::render_template("{{obj}} {{tags}}", data) == R"({"k":1} ["a","b"])");
  CHECK(webox::render_template("{{#obj}}{{k}}{{/obj}}", data) == "1");
}

TEST_CASE("missing variables are reported, missing sections are not", "[template]") {
  std::set<std::string> missing;
  json data = {{"username", "marie"}};
  std::string out = webox::render_template("Bonjour {{first_name}} (@{{username}}){{#vip}}!{{/vip}}{{^vip}}.{{/vip}}",
                                           data, &missing);
  CHECK(out == "Bonjour  (@marie).");
  CHECK(missing == std::set<std::string>{"first_name"});
}

TEST_CASE("names lists every tag for dependency discovery", "[template]") {
  Template t("{{steps.a.output}} {{#steps.b.json.items}}{{.}}{{/steps.b.json.items}} {{{inputs.x}}} {{! note }}");
  CHECK(t.names() == std::set<std::string>{"steps.a.output", "steps.b.json.items", ".", "inputs.x"});
}

TEST_CASE("a template that does not parse is a TemplateError", "[template]") {
  CHECK_THROWS_AS(Template("{{#open}} never closed"), webox::TemplateError);
  CHECK_THROWS_AS(webox::render_template("{{/stray}}", json::object()), webox::TemplateError);
}

TEST_CASE("a template renders the same twice (no state kept between renders)", "[template]") {
  Template t("{{a}}-{{b.c}}");
  CHECK(t.render({{"a", 1}, {"b", {{"c", "x"}}}}) == "1-x");
  CHECK(t.render({{"a", 2}, {"b", {{"c", "y"}}}}) == "2-y");
}
