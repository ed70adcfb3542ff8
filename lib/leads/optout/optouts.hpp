// Opt-outs: people who must never be messaged again (table `optouts`,
// migration 18). A person is opted out by `webox leads optout`, or by
// writing an opt-out word (optout_words.hpp) in a comment, reply, mention or
// DM that collection stores.
//
// THE SAME PERSON ELSEWHERE. webox knows people per platform; two of them
// are taken for the same human when they share a contact detail (the same
// E.164 phone or the same e-mail address, table `contacts`). An opt-out
// covers the person and everyone linked so: `covering_optout()` answers for
// a person, `optout_covering_sql()` is the same rule inside a query (the
// lead lists and the DM ledger's claim use it).
//
// All SQL of this feature is in optouts.cpp (portable SQL, store::guarded).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "lib/store/db.hpp"

namespace webox::leads {

struct Optout {
  int64_t person_id = 0; // whose opt-out it is (may be a linked person)
  std::string platform, handle;
  std::string reason, source, created_at;
};

// The opt-out covering `person_id` (theirs, or a linked person's).
std::optional<Optout> covering_optout(store::Db &db, int64_t person_id);

// An SQL expression: the id of an opt-out covering the person whose id is
// the SQL expression `person_id` (e.g. "p.id"), NULL when none.
std::string optout_covering_sql(const std::string &person_id);

// `ref`: "@username", a platform user id, or a lead id; `platform` narrows
// it ("" = any). Throws UsageError when nobody or several people match.
int64_t resolve_person(store::Db &db, const std::string &ref, const std::string &platform);

// Records an opt-out; false when the person already had one (kept as it
// was: the first reason is the one that counts). `interaction_id` 0 = none.
bool record_optout(store::Db &db, int64_t person_id, const std::string &reason, const std::string &source,
                   int64_t interaction_id = 0);
// Removes the person's own opt-out; false when there was none.
bool remove_optout(store::Db &db, int64_t person_id);

} // namespace webox::leads
