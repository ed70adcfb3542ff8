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
//   - Recency: each interaction counts weight × 0.5^(age_days / 30), a
//     30-day half-life, in line with Marketo's 30-day window and HubSpot's
//     "lose 50 % after a month" decay; beyond 180 days nothing counts.
//   - Caps per person and kind (comment 3, mention 2, DM 1, like 5,
//     reply 5): only that many interactions of a kind count, those worth
//     most (the most recent; with intent first among equals). Marketo caps
//     each activity type so that one burst does not dominate.
//   - Mapping: score = round(100 × (1 − e^(−raw / 43))), saturating; with
//     k = 43 one comment plus two likes (raw 7) is 15, the default
//     targetable threshold; one DM plus one comment ≈ 29; a phone alone ≈ 44.
//
// MONOTONE. A person with at least as many interactions of every kind, each
// at least as recent (and as intent-bearing), and the same phones never
// scores lower than another: the score is a sum of non-negative terms, each
// kind's best values sorted, so adding an interaction or making one more
// recent can only raise it. Two former rules broke this and are gone: caps
// per UTC day (ten likes stamped on one day counted five, the same likes
// spread over ten older days counted ten) and a bonus per distinct active
// day (three interactions on three days beat the same three today). Under
// monotonicity a burst cannot be told from the same activity spread into
// the past, so a cap can only bound how many interactions count, not how
// close together they are.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "lib/leads/collect/record.hpp"

namespace webox::leads {

struct ScoringSettings {
  std::array<double, 5> weight{5, 8, 4, 1, 10};   // by Kind: comment, reply, mention, like, dm
  std::array<int, 5> cap{3, 5, 2, 5, 1};          // interactions counted per person and kind; 0 = no cap
  double intent_bonus = 2;
  double phone_bonus = 25;
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

// Raw points and the 0–100 score at time `now`; both monotone (see above).
double raw_points(const std::vector<ScoredEvent> &events, bool has_phone, int64_t now, const ScoringSettings &s);
int score(double raw, const ScoringSettings &s);

} // namespace webox::leads
