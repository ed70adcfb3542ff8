// Scoring people in the store: a person's facts (their interactions,
// contacts and lead) read in a few queries, the score computed
// (lib/leads/score/scoring.hpp) and written to the person and their lead,
// the lead created when the score or a contact calls for it.
//
// Used inside the caller's transaction by the page writer (the people a page
// touched), LeadsStore::rescore_* (batches) and the phone fallback (a person
// who got a phone).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "lib/leads/score/scoring.hpp"
#include "lib/store/db.hpp"

namespace webox::leads {

// What scoring one person needs to know.
struct PersonFacts {
  std::vector<ScoredEvent> events;
  int64_t last = 0; // latest interaction, Unix seconds
  bool phone = false, any_contact = false;
  int64_t lead = 0; // 0 = none yet
  int old_score = -1;
  // Known when loaded in bulk: the contacts as JSON lists, and the lead's.
  bool contacts_known = false;
  nlohmann::json phones = nlohmann::json::array(), emails = nlohmann::json::array();
  std::string lead_phones, lead_emails;
};

struct Scorer {
  store::Db &db;
  const ScoringSettings &s;
  int64_t now;
  store::Statement events{db, "SELECT kind, occurred_at, intent FROM interactions WHERE person_id = ?"};
  store::Statement has_phone{db, "SELECT EXISTS(SELECT 1 FROM contacts WHERE person_id = ? AND kind = 'phone'), "
                                        "EXISTS(SELECT 1 FROM contacts WHERE person_id = ?)"};
  store::Statement update_person{db, "UPDATE people SET score = ?, last_interaction_at = ?, needs_rescore = 0 "
                                            "WHERE id = ? AND (score IS NOT ? OR last_interaction_at IS NOT ? OR needs_rescore <> 0)"};
  store::Statement find_lead{db, "SELECT id, score FROM leads WHERE person_id = ?"};
  store::Statement insert_lead{db, "INSERT INTO leads(person_id, score, status, created_at, updated_at) "
                                          "VALUES(?, ?, 'new', ?, ?) RETURNING id"};
  store::Statement update_lead{db, "UPDATE leads SET score = ?, updated_at = ? WHERE id = ?"};
  store::Statement contacts_of{db, "SELECT kind, value FROM contacts WHERE person_id = ? ORDER BY id"};
  store::Statement set_contacts{db, "UPDATE leads SET phones = ?, emails = ?, updated_at = ? WHERE id = ?"};
  store::Statement event{db, "INSERT INTO lead_events(lead_id, kind, detail, created_at) VALUES(?, ?, ?, ?)"};
  std::string at = store::now_iso8601();


  Scorer(store::Db &d, const ScoringSettings &settings, int64_t n);

  void add_event(int64_t lead, const char *kind, const nlohmann::json &detail);
  // One person's facts, a few queries.
  PersonFacts gather(int64_t person, int64_t *interactions_read);
  // Returns {score changed, lead created}.
  std::pair<bool, bool> rescore(int64_t person, bool contacts_changed, int64_t *interactions_read = nullptr);
  std::pair<bool, bool> apply(int64_t person, PersonFacts f, bool contacts_changed);
};


// The facts of a batch of people, ids ascending, in three range queries
// instead of a few queries per person (what makes the end of a million-line
// import, and `leads rescore`, cheap). `only_marked`: the batch is the people
// with needs_rescore = 1 in [front, back]; otherwise every person in that range.
std::map<int64_t, PersonFacts> gather_batch(store::Db &db, const std::vector<int64_t> &ids, bool only_marked,
                                            int64_t *interactions_read);

} // namespace webox::leads
