// Migration 6: The DM ledger (lib/leads/dm_ledger.hpp): one row per (campaign,
// platform, person), written as an intent BEFORE the message leaves and
// completed after, so a crash in between never leads to a second
// message. `day` (UTC) counts the account's daily quota.
#include "lib/store/migrations.hpp"

#include "lib/store/db.hpp"

namespace webox::store {

void migration_06_dm_ledger(Db &db) {
  db.exec(R"sql(
        CREATE TABLE dm_ledger(
          id          INTEGER PRIMARY KEY,
          campaign    TEXT NOT NULL,
          platform    TEXT NOT NULL,
          account     TEXT NOT NULL,   -- our account on the platform (quota key)
          person_id   INTEGER NOT NULL REFERENCES people(id),
          lead_id     INTEGER REFERENCES leads(id),
          state       TEXT NOT NULL CHECK(state IN ('intent','sent','failed')),
          text        TEXT NOT NULL,
          message_id  TEXT,            -- the platform's id once sent
          error_code  TEXT,            -- outside_window, rate_limited, ... when failed
          error       TEXT,
          day         TEXT NOT NULL,   -- YYYY-MM-DD (UTC) of the intent
          created_at  TEXT NOT NULL,
          updated_at  TEXT NOT NULL,
          UNIQUE(campaign, platform, person_id)
        );
        CREATE INDEX dm_ledger_by_day ON dm_ledger(platform, account, day, state);
      )sql");
}

} // namespace webox::store
