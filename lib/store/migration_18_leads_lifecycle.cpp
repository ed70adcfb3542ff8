// Migration 18: the lifecycle of a lead over months (issue 25).
//
// - optouts: people who must never be messaged again (`webox leads optout`,
//   or an opt-out word in a comment or DM they wrote, seen by collection).
//   One row per person; the people sharing a contact with them (same phone
//   or e-mail, on any platform) are covered too (lib/leads/optout/).
// - suppressed: salted hashes of the people `webox leads forget` erased
//   (lib/leads/privacy/), so that collection does not bring them back.
// - contacts_by_value: how "the same person on another platform" is found.
//
// Portable SQL (no AUTOINCREMENT, ISO-8601 text times made in C++). Every
// statement is IF NOT EXISTS: a store whose user_version was set back (as
// tests/cli/test_history.py does) runs it again harmlessly.
#include "lib/store/migrations.hpp"

#include "lib/store/db.hpp"

namespace webox::store {

void migration_18_leads_lifecycle(Db &db) {
  db.exec(R"sql(
        CREATE TABLE IF NOT EXISTS optouts(
          id             INTEGER PRIMARY KEY,
          person_id      INTEGER NOT NULL UNIQUE REFERENCES people(id),
          reason         TEXT NOT NULL,
          source         TEXT NOT NULL,   -- manual, comment, reply, mention, dm
          interaction_id INTEGER REFERENCES interactions(id),
          created_at     TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS contacts_by_value ON contacts(kind, value);
        CREATE TABLE IF NOT EXISTS suppressed(
          hash       TEXT PRIMARY KEY,   -- hex HMAC-SHA256(salt, platform, id)
          created_at TEXT NOT NULL       -- the day only
        );
      )sql");
}

} // namespace webox::store
