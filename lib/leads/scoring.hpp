// The interest score of a person, 0–100, from their interactions.
//
// Defaults and their rationale (the published practice is collected in
// ../shared/reference/social-apis.md §8; repeated in webox-leads(1)):
//   - Points per kind: like 1, mention 4, comment 5, reply 8, DM 10. X's
//     open-sourced Heavy Ranker weighs a reply ~27 likes; marketing
//     automation (GitLab's Marketo model, Predictable Revenue) gives +1 to
//     +5 for low-effort acts and +10..+15 for strong ones. Written words
//     carry intent, a like barely does.
//   - +2 on a comment or DM holding a question mark or an intent word (prix,
//     tarif, dispo, infos, mp, combien, price, ...): a hand raised.
//   - +25 once for a phone number shared: the strongest hand-raise there is
//     (GitLab gives +100 on a 100-point scale to an explicit contact request).
//   - Daily caps per person and kind (comment 3, mention 2, DM 1, like 5,
//     reply 5): Marketo caps each activity type per day so that one burst
//     does not dominate.
//   - Recency: each interaction counts weight × 0.5^(age_days / 30), a
//     30-day half-life, in line with Marketo's 30-day window and HubSpot's
//     "lose 50 % after a month" decay; beyond 180 days nothing counts.
//   - Repetition: +3 per extra distinct day with activity in the last 30
//     days, at most +9: frequency without letting one day dominate.
//   - Mapping: score = round(100 × (1 − e^(−raw / 43))), saturating; with
//     k = 43 one comment plus two likes (raw 7) is 15, the default
//     targetable threshold; one DM plus one comment ≈ 29; a phone alone ≈ 44.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "lib/leads/record.hpp"

namespace webox::leads {

struct ScoringSettings {
  std::array<double, 5> weight{5, 8, 4, 1, 10};   // by Kind: comment, reply, mention, like, dm
  std::array<int, 5> daily_cap{3, 5, 2, 5, 1};    // per person, kind and UTC day; 0 = no cap
  double intent_bonus = 2;
  double phone_bonus = 25;
  double repeat_day_bonus = 3;
  int repeat_max_days = 3;
  double half_life_days = 30;
  double max_age_days = 180;
  double saturation = 43;                         // k in 100 × (1 − e^(−raw/k))
  int threshold = 15;                             // targetable from this score on
};

// What scoring needs of one interaction (text itself is reduced to `intent`
// when stored, so a rescore never reads the texts).
struct ScoredEvent {
  Kind kind;
  int64_t timestamp; // Unix seconds
  bool intent;
};

// True when `text` holds a question mark or an intent keyword.
bool has_intent(std::string_view text);

// Raw points and the 0–100 score at time `now`.
double raw_points(std::vector<ScoredEvent> events, bool has_phone, int64_t now, const ScoringSettings &s);
int score(double raw, const ScoringSettings &s);

} // namespace webox::leads
