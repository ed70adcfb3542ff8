#include <catch2/catch.hpp>

#include <sstream>

#include "lib/compare/render.hpp"
#include "lib/compare/text_width.hpp"
#include "lib/core/error.hpp"

using namespace webox::compare;

namespace {

Report sample() {
  Report r;
  r.id = "01TEST";
  r.prompt = "Capitale ?";
  ModelAnswer a, b, c;
  a.model = "a:cjk";
  a.text = "東京は日本の首都です。とても大きな都市です。";
  a.done = true;
  a.latency_ms = 1200;
  a.ttft_ms = 150;
  a.input_tokens = 10;
  a.output_tokens = 20;
  a.cost = 0.0001;
  b.model = "b:accents";
  b.text = "Ceci est e\xcc\x81" "crit avec des accents combinants et des e\xcc\x81" "mojis 🚀🇫🇷 partout.";
  b.done = true;
  c.model = "c:failed";
  c.error = "c: 500 server_error: boom";
  c.done = true;
  r.answers = {a, b, c};
  return r;
}

} // namespace

TEST_CASE("columns never exceed the width, whatever the script", "[compare][render]") {
  for (size_t width : {40u, 61u, 100u}) {
    std::istringstream lines(render_columns(sample(), width));
    std::string line;
    size_t count = 0;
    while (std::getline(lines, line)) {
      INFO("width " << width << ": " << line);
      CHECK(display_width(line) <= width);
      ++count;
    }
    CHECK(count > 5);
  }
}

TEST_CASE("columns show errors, figures and unknown costs", "[compare][render]") {
  std::string out = render_columns(sample(), 120);
  CHECK(out.find("✗ c: 500 server_error") != std::string::npos);
  CHECK(out.find("first token 150 ms, total 1.2 s") != std::string::npos);
  CHECK(out.find("unknown") != std::string::npos); // b has no cost
  CHECK(out.find("$0.0001") != std::string::npos);
}

TEST_CASE("the live view keeps only the last lines of each answer", "[compare][render]") {
  Report r = sample();
  r.answers[0].text = std::string(2000, 'x');
  std::string full = render_columns(r, 60);
  std::string tail = render_columns(r, 60, 3);
  CHECK(std::count(tail.begin(), tail.end(), '\n') < std::count(full.begin(), full.end(), '\n'));
}

TEST_CASE("markdown and jsonl renderings", "[compare][render]") {
  std::string md = render_markdown(sample());
  CHECK(md.find("| a:cjk | 150 ms | 1.2 s | 10 → 20 | $0.000100 | ok |") != std::string::npos);
  CHECK(md.find("> error: c: 500 server_error: boom") != std::string::npos);
  std::string jsonl = render_jsonl(sample());
  CHECK(std::count(jsonl.begin(), jsonl.end(), '\n') == 3);
  auto first = nlohmann::json::parse(jsonl.substr(0, jsonl.find('\n')));
  CHECK(first["compare_id"] == "01TEST");
  CHECK(first["cost"] == 0.0001);
  CHECK_THROWS_AS(webox::compare::parse_format("pdf"), webox::UsageError);
}
