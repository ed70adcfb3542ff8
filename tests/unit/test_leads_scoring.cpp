#include <catch2/catch.hpp>

#include "lib/leads/scoring.hpp"

using namespace webox::leads;

namespace {
constexpr int64_t kNow = 1795000000;
constexpr int64_t kDay = 86400;
} // namespace

TEST_CASE("one comment and two likes reach the targetable threshold", "[leads][scoring]") {
  ScoringSettings s;
  std::vector<ScoredEvent> events = {{Kind::comment, kNow, false}, {Kind::like, kNow, false}, {Kind::like, kNow, false}};
  double raw = raw_points(events, false, kNow, s);
  CHECK(raw == Approx(7));
  CHECK(score(raw, s) == 15);
  CHECK(score(raw_points({{Kind::like, kNow, false}}, false, kNow, s), s) < s.threshold);
}

TEST_CASE("reference points of the saturating curve", "[leads][scoring]") {
  ScoringSettings s;
  CHECK(score(15, s) == 29);  // one DM + one comment
  CHECK(score(25, s) == 44);  // a phone number alone
  CHECK(score(0, s) == 0);
  CHECK(score(1e6, s) == 100);
}

TEST_CASE("recency halves the weight every half-life", "[leads][scoring]") {
  ScoringSettings s;
  double fresh = raw_points({{Kind::dm, kNow, false}}, false, kNow, s);
  double month = raw_points({{Kind::dm, kNow - 30 * kDay, false}}, false, kNow, s);
  CHECK(month == Approx(fresh / 2));
  CHECK(raw_points({{Kind::dm, kNow - 200 * kDay, false}}, false, kNow, s) == 0);
}

TEST_CASE("daily caps per kind keep a burst from dominating", "[leads][scoring]") {
  ScoringSettings s;
  std::vector<ScoredEvent> burst(10, ScoredEvent{Kind::comment, kNow, false});
  CHECK(raw_points(burst, false, kNow, s) == Approx(3 * 5));  // cap 3 comments a day
  std::vector<ScoredEvent> dms(4, ScoredEvent{Kind::dm, kNow, false});
  CHECK(raw_points(dms, false, kNow, s) == Approx(10));
}

TEST_CASE("distinct active days, intent and phone add points", "[leads][scoring]") {
  ScoringSettings s;
  std::vector<ScoredEvent> days = {{Kind::like, kNow, false}, {Kind::like, kNow - kDay, false}, {Kind::like, kNow - 2 * kDay, false}};
  double raw = raw_points(days, false, kNow, s);
  CHECK(raw > 3 + 2 * 3 - 0.2);  // 3 likes (slightly decayed) + 2 extra days × 3
  CHECK(raw_points({{Kind::comment, kNow, true}}, false, kNow, s) == Approx(7));
  CHECK(raw_points({}, true, kNow, s) == Approx(25));
}

TEST_CASE("intent detection", "[leads][scoring]") {
  CHECK(has_intent("C'est combien ?"));
  CHECK(has_intent("Prix svp"));
  CHECK(has_intent("dispo en 38"));
  CHECK(has_intent("MP moi"));
  CHECK_FALSE(has_intent("Magnifique"));
  CHECK_FALSE(has_intent("comprix"));  // a word, not a substring
}
