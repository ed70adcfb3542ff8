#include <catch2/catch.hpp>

#include "lib/leads/scoring.hpp"

using namespace webox::leads;

namespace {
constexpr int64_t kScoringNow = 1795000000;
constexpr int64_t kDay = 86400;
} // namespace

TEST_CASE("one comment and two likes reach the targetable threshold", "[leads][scoring]") {
  ScoringSettings s;
  std::vector<ScoredEvent> events = {{Kind::comment, kScoringNow, false}, {Kind::like, kScoringNow, false}, {Kind::like, kScoringNow, false}};
  double raw = raw_points(events, false, kScoringNow, s);
  CHECK(raw == Approx(7));
  CHECK(score(raw, s) == 15);
  CHECK(score(raw_points({{Kind::like, kScoringNow, false}}, false, kScoringNow, s), s) < s.threshold);
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
  double fresh = raw_points({{Kind::dm, kScoringNow, false}}, false, kScoringNow, s);
  double month = raw_points({{Kind::dm, kScoringNow - 30 * kDay, false}}, false, kScoringNow, s);
  CHECK(month == Approx(fresh / 2));
  CHECK(raw_points({{Kind::dm, kScoringNow - 200 * kDay, false}}, false, kScoringNow, s) == 0);
}

TEST_CASE("daily caps per kind keep a burst from dominating", "[leads][scoring]") {
  ScoringSettings s;
  std::vector<ScoredEvent> burst(10, ScoredEvent{Kind::comment, kScoringNow, false});
  CHECK(raw_points(burst, false, kScoringNow, s) == Approx(3 * 5));  // cap 3 comments a day
  std::vector<ScoredEvent> dms(4, ScoredEvent{Kind::dm, kScoringNow, false});
  CHECK(raw_points(dms, false, kScoringNow, s) == Approx(10));
}

TEST_CASE("distinct active days, intent and phone add points", "[leads][scoring]") {
  ScoringSettings s;
  std::vector<ScoredEvent> days = {{Kind::like, kScoringNow, false}, {Kind::like, kScoringNow - kDay, false}, {Kind::like, kScoringNow - 2 * kDay, false}};
  double raw = raw_points(days, false, kScoringNow, s);
  CHECK(raw > 3 + 2 * 3 - 0.2);  // 3 likes (slightly decayed) + 2 extra days × 3
  CHECK(raw_points({{Kind::comment, kScoringNow, true}}, false, kScoringNow, s) == Approx(7));
  CHECK(raw_points({}, true, kScoringNow, s) == Approx(25));
}

TEST_CASE("intent detection", "[leads][scoring]") {
  CHECK(has_intent("C'est combien ?"));
  CHECK(has_intent("Prix svp"));
  CHECK(has_intent("dispo en 38"));
  CHECK(has_intent("MP moi"));
  CHECK_FALSE(has_intent("Magnifique"));
  CHECK_FALSE(has_intent("comprix"));  // a word, not a substring
}
