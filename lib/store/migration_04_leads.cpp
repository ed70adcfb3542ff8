// Migration 4: Social accounts, interactions and leads (lib/leads/leads_store.hpp).
// Times of interactions are Unix seconds (scoring does arithmetic on
// them); bookkeeping times are ISO 8601 text like everywhere else.
#include "lib/store/migrations.hpp"

#include "lib/store/db.hpp"

namespace webox::store {
namespace {

// What the platforms show: our accounts, their posts, the people who
// interact with them and how; where each account's sync stopped.
void create_social_graph(Db &db) {
  db.exec(R"sql(
        CREATE TABLE accounts(
          id                  INTEGER PRIMARY KEY,
          platform            TEXT NOT NULL,
          platform_account_id TEXT NOT NULL,
          created_at          TEXT NOT NULL,
          UNIQUE(platform, platform_account_id)
        );
        CREATE TABLE posts(
          id             INTEGER PRIMARY KEY,
          platform       TEXT NOT NULL,
          platform_id    TEXT NOT NULL,
          account_id     INTEGER REFERENCES accounts(id),
          caption        TEXT,
          permalink      TEXT,
          like_count     INTEGER,           -- NULL when the owner hides it
          comments_count INTEGER,
          posted_at      INTEGER,
          updated_at     TEXT NOT NULL,
          UNIQUE(platform, platform_id)
        );
        CREATE TABLE people(
          id                  INTEGER PRIMARY KEY,
          platform            TEXT NOT NULL,
          platform_user_id    TEXT NOT NULL,  -- "@username" when the source gives no id
          username            TEXT,
          name                TEXT,
          score               INTEGER NOT NULL DEFAULT 0,
          last_interaction_at INTEGER,
          needs_rescore       INTEGER NOT NULL DEFAULT 0,  -- bulk imports score at the end
          created_at          TEXT NOT NULL,
          UNIQUE(platform, platform_user_id)
        );
        CREATE INDEX people_by_username ON people(username);
        CREATE INDEX people_to_rescore ON people(id) WHERE needs_rescore = 1;
        CREATE TABLE interactions(
          id           INTEGER PRIMARY KEY,
          platform     TEXT NOT NULL,
          platform_id  TEXT NOT NULL,
          kind         TEXT NOT NULL CHECK(kind IN ('comment','reply','mention','like','dm')),
          person_id    INTEGER NOT NULL REFERENCES people(id),
          post_id      INTEGER REFERENCES posts(id),
          account_id   INTEGER REFERENCES accounts(id),
          text         TEXT,
          intent       INTEGER NOT NULL DEFAULT 0,  -- a question or an intent word (scoring)
          occurred_at  INTEGER NOT NULL,
          collected_at TEXT NOT NULL,
          UNIQUE(platform, platform_id)
        );
        CREATE INDEX interactions_by_person ON interactions(person_id, occurred_at, kind, intent);
        CREATE TABLE sync_cursors(
          account_id INTEGER NOT NULL REFERENCES accounts(id),
          edge       TEXT NOT NULL,
          cursor     TEXT NOT NULL,
          updated_at TEXT NOT NULL,
          PRIMARY KEY(account_id, edge)
        ) WITHOUT ROWID;
      )sql");
}

// What webox makes of them: leads, their history, contact details.
void create_leads(Db &db) {
  db.exec(R"sql(
        CREATE TABLE leads(
          id         INTEGER PRIMARY KEY,
          person_id  INTEGER NOT NULL UNIQUE REFERENCES people(id),
          score      INTEGER NOT NULL,
          status     TEXT NOT NULL DEFAULT 'new'
                     CHECK(status IN ('new','contacted','in_progress','converted','refused')),
          phones     TEXT NOT NULL DEFAULT '[]',  -- JSON array of E.164 numbers
          emails     TEXT NOT NULL DEFAULT '[]',
          created_at TEXT NOT NULL,
          updated_at TEXT NOT NULL
        );
        CREATE INDEX leads_by_score ON leads(score);
        CREATE TABLE lead_events(
          id         INTEGER PRIMARY KEY,
          lead_id    INTEGER NOT NULL REFERENCES leads(id),
          kind       TEXT NOT NULL,   -- created, status
          detail     TEXT,            -- JSON
          created_at TEXT NOT NULL
        );
        CREATE INDEX lead_events_by_lead ON lead_events(lead_id, id);
        CREATE TABLE contacts(
          id             INTEGER PRIMARY KEY,
          person_id      INTEGER NOT NULL REFERENCES people(id),
          kind           TEXT NOT NULL CHECK(kind IN ('phone','email')),
          value          TEXT NOT NULL,   -- E.164, or the address
          raw            TEXT NOT NULL,   -- as written
          digits         TEXT NOT NULL DEFAULT '',  -- digits of raw, for search
          region         TEXT,
          type           TEXT,
          interaction_id INTEGER REFERENCES interactions(id),
          created_at     TEXT NOT NULL,
          UNIQUE(person_id, kind, value)
        );
      )sql");
}

} // namespace

void migration_04_leads(Db &db) {
  create_social_graph(db);
  create_leads(db);
}

} // namespace webox::store
