#include <catch2/catch.hpp>

#include <cstdlib>

#include "lib/compare/judge.hpp"
#include "tests/unit/temp_dir.hpp"

using namespace webox::compare;

namespace {

Report three_answers() {
  Report r;
  r.prompt = "Capitale de l'Australie ?";
  for (const char *m : {"a:1", "b:2", "c:3"}) {
    ModelAnswer a;
    a.model = m;
    r.answers.push_back(a);
  }
  r.answers[0].text = "Canberra";
  r.answers[1].text = "Sydney";
  r.answers[2].error = "failed";
  return r;
}

struct DataDir {
  DataDir() { setenv("WEBOX_DATA_DIR", WEBOX_TEST_DATA_DIR, 1); }
  ~DataDir() { unsetenv("WEBOX_DATA_DIR"); }
};

} // namespace

TEST_CASE("the ballot anonymises, shuffles reproducibly and skips failed answers", "[compare][judge]") {
  DataDir data;
  Report r = three_answers();
  JudgeBallot b1 = make_ballot(r, 42), b2 = make_ballot(r, 42);
  CHECK(b1.labels == std::vector<std::string>{"A", "B"});
  CHECK(b1.answer_index == b2.answer_index);
  CHECK(b1.user.find("a:1") == std::string::npos); // no model names
  CHECK(b1.user.find("Answer A:") != std::string::npos);
  CHECK_FALSE(b1.system.empty());
  bool order_changes = false;
  for (unsigned seed = 0; seed < 20 && !order_changes; ++seed) order_changes = make_ballot(r, seed).answer_index != b1.answer_index;
  CHECK(order_changes);
}

TEST_CASE("a verdict is parsed and mapped back to the models", "[compare][judge]") {
  DataDir data;
  Report r = three_answers();
  JudgeBallot b = make_ballot(r, 7);
  std::string reply = "Here you go:\n```json\n{\"agreement\": 40, \"notes\": {\"A\": \"first\", \"B\": \"second\"}, "
                      "\"consensus\": \"Canberra\"}\n```";
  JudgeVerdict v = parse_verdict(reply, b, r);
  CHECK(v.agreement == 40);
  CHECK(v.consensus == "Canberra");
  CHECK(v.notes.at(r.answers[b.answer_index[0]].model) == "first");
  CHECK(v.notes.at(r.answers[b.answer_index[1]].model) == "second");
}

TEST_CASE("bad verdicts say what is wrong", "[compare][judge]") {
  DataDir data;
  Report r = three_answers();
  JudgeBallot b = make_ballot(r, 7);
  CHECK_THROWS_WITH(parse_verdict("I like A", b, r), Catch::Contains("no JSON object"));
  CHECK_THROWS_WITH(parse_verdict("{\"agreement\": 140, \"notes\": {}, \"consensus\": \"x\"}", b, r),
                    Catch::Contains("from 0 to 100"));
  CHECK_THROWS_WITH(parse_verdict("{\"agreement\": 50, \"notes\": {\"A\": \"x\"}, \"consensus\": \"x\"}", b, r),
                    Catch::Contains("no text for answer B"));
  CHECK_THROWS_WITH(parse_verdict("{\"agreement\": 50, \"notes\": {\"A\": \"x\", \"B\": \"y\"}}", b, r),
                    Catch::Contains("consensus"));
}
