// Migration 1: Conversations and calls.
#include "lib/store/migrations.hpp"

#include "lib/store/db.hpp"

namespace webox::store {

void migration_01_calls(Db &db) {
  db.exec(R"sql(
        CREATE TABLE conversations(
          id         TEXT PRIMARY KEY,
          name       TEXT,
          model      TEXT,
          created_at TEXT
        );
        CREATE TABLE calls(
          id              INTEGER PRIMARY KEY,
          conversation_id TEXT REFERENCES conversations(id),
          provider        TEXT NOT NULL,
          model           TEXT NOT NULL,
          resolved_model  TEXT,
          system          TEXT,
          prompt          TEXT,
          response        TEXT,
          options_json    TEXT,
          input_tokens    INTEGER,   -- NULL when the provider did not report it
          output_tokens   INTEGER,
          cost            REAL,
          latency_ms      INTEGER,
          ttft_ms         INTEGER,   -- NULL when not streamed
          status          TEXT NOT NULL,
          error           TEXT,
          group_id        TEXT,      -- calls made together (compare, a workflow run)
          created_at      TEXT NOT NULL
        );
        CREATE INDEX calls_by_conversation ON calls(conversation_id, id);
        CREATE INDEX calls_by_time ON calls(created_at);
      )sql");
}

} // namespace webox::store
