#include <catch2/catch.hpp>

#include <algorithm>
#include <random>

#include "lib/leads/score/scoring.hpp"

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

TEST_CASE("caps per kind keep a burst from dominating", "[leads][scoring]") {
  ScoringSettings s;
  std::vector<ScoredEvent> burst(10, ScoredEvent{Kind::comment, kScoringNow, false});
  CHECK(raw_points(burst, false, kScoringNow, s) == Approx(3 * 5));  // cap: 3 comments count
  std::vector<ScoredEvent> dms(4, ScoredEvent{Kind::dm, kScoringNow, false});
  CHECK(raw_points(dms, false, kScoringNow, s) == Approx(10));
  // The cap keeps those worth most: the most recent, a question first.
  std::vector<ScoredEvent> spread;
  for (int d = 0; d < 5; ++d) spread.push_back({Kind::comment, kScoringNow - d * 30 * kDay, false});
  CHECK(raw_points(spread, false, kScoringNow, s) == Approx(5 + 5 * 0.5 + 5 * 0.25));
  std::vector<ScoredEvent> one_question(4, ScoredEvent{Kind::comment, kScoringNow, false});
  one_question.back().intent = true;
  CHECK(raw_points(one_question, false, kScoringNow, s) == Approx(7 + 5 + 5));
}

TEST_CASE("intent and phone add points", "[leads][scoring]") {
  ScoringSettings s;
  CHECK(raw_points({{Kind::comment, kScoringNow, true}}, false, kScoringNow, s) == Approx(7));
  CHECK(raw_points({{Kind::like, kScoringNow, true}}, false, kScoringNow, s) == Approx(1));  // a like has no words
  CHECK(raw_points({}, true, kScoringNow, s) == Approx(25));
}

// The X case of issue 21: likes read in one run used to be stamped with the
// collection time, all on one day, where a daily cap of 5 counted five of
// ten; someone with fewer likes spread over older days then ranked higher.
TEST_CASE("more likes, as recent, never score lower", "[leads][scoring]") {
  ScoringSettings s;
  std::vector<ScoredEvent> ten_today(10, ScoredEvent{Kind::like, kScoringNow, false});
  std::vector<ScoredEvent> six_this_week;
  for (int d = 0; d < 6; ++d) six_this_week.push_back({Kind::like, kScoringNow - d * kDay, false});
  CHECK(raw_points(ten_today, false, kScoringNow, s) >= raw_points(six_this_week, false, kScoringNow, s));
  CHECK(score(raw_points(ten_today, false, kScoringNow, s), s) >= score(raw_points(six_this_week, false, kScoringNow, s), s));
}

// The property itself, over random people: B's interactions, then A = B with
// interactions added, some moved later, some given intent (a question, an
// intent word), the same phones. A must never score lower than B.
TEST_CASE("scores are monotone in interactions and their recency", "[leads][scoring]") {
  std::mt19937_64 rng(GENERATE(1u, 2u, 3u, 4u, 5u, 6u, 7u, 8u));
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  ScoringSettings s;
  ScoringSettings uncapped;
  uncapped.cap.fill(0);
  for (int round = 0; round < 2000; ++round) {
    const ScoringSettings &settings = round % 4 == 3 ? uncapped : s;
    // Few days, so that interactions share days (as likes read in one run do).
    auto when = [&](int latest_day) {
      return kScoringNow - static_cast<int64_t>(pick(0, latest_day)) * kDay - pick(0, 86399) + (pick(0, 9) == 0 ? kDay : 0);
    };
    std::vector<ScoredEvent> b;
    for (int i = pick(0, 12); i > 0; --i) b.push_back({static_cast<Kind>(pick(0, 4)), when(pick(0, 1) ? 8 : 200), pick(0, 3) == 0});
    std::vector<ScoredEvent> a = b;
    for (auto &e : a) {
      if (pick(0, 2) == 0) e.timestamp = std::max(e.timestamp, when(static_cast<int>((kScoringNow - e.timestamp) / kDay)));
      if (pick(0, 5) == 0) e.intent = true;
    }
    for (int i = pick(0, 4); i > 0; --i) a.push_back({static_cast<Kind>(pick(0, 4)), when(8), pick(0, 3) == 0});
    std::shuffle(a.begin(), a.end(), rng);
    const bool phone = pick(0, 4) == 0;
    const double raw_a = raw_points(a, phone, kScoringNow, settings), raw_b = raw_points(b, phone, kScoringNow, settings);
    INFO("round " << round << ": " << b.size() << " interactions became " << a.size() << ", raw " << raw_b << " -> " << raw_a);
    REQUIRE(raw_a >= raw_b);
    REQUIRE(score(raw_a, settings) >= score(raw_b, settings));
  }
}

TEST_CASE("intent detection", "[leads][scoring]") {
  CHECK(has_intent("C'est combien ?"));
  CHECK(has_intent("Prix svp"));
  CHECK(has_intent("dispo en 38"));
  CHECK(has_intent("MP moi"));
  CHECK_FALSE(has_intent("Magnifique"));
  CHECK_FALSE(has_intent("comprix"));  // a word, not a substring
}
