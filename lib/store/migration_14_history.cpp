// Migration 14: a full-text index of the logged calls (`webox logs search`).
//
// An FTS5 table with external content: the text lives once, in `calls`; the
// index keeps only the tokens, addressed by the call's id. Triggers keep it
// current on every write to `calls` (whichever code path writes), and the
// 'rebuild' at the end indexes the calls a database already holds.
//
// unicode61 with remove_diacritics 2 folds case and accents, so "ete" finds
// "été" and "Lyon" finds "lyon": what a person typing from memory expects.
// Every statement is IF NOT EXISTS and 'rebuild' recomputes the whole index:
// a store whose user_version was set back runs it again harmlessly.
#include "lib/store/migrations.hpp"

#include "lib/store/db.hpp"

namespace webox::store {

// The full-text index of `logs search`: SQLite's FTS5. On PostgreSQL the
// step numbers alike and creates nothing: the search reads calls with ILIKE
// (lib/store/history.cpp).
void migration_14_history(Db &db) {
  if (db.backend().kind() != "sqlite") return;
  db.exec(R"sql(
        CREATE VIRTUAL TABLE IF NOT EXISTS calls_fts USING fts5(
          prompt, system, response,
          content='calls', content_rowid='id',
          tokenize='unicode61 remove_diacritics 2'
        );
        CREATE TRIGGER IF NOT EXISTS calls_fts_insert AFTER INSERT ON calls BEGIN
          INSERT INTO calls_fts(rowid, prompt, system, response)
          VALUES (new.id, new.prompt, new.system, new.response);
        END;
        CREATE TRIGGER IF NOT EXISTS calls_fts_delete AFTER DELETE ON calls BEGIN
          INSERT INTO calls_fts(calls_fts, rowid, prompt, system, response)
          VALUES ('delete', old.id, old.prompt, old.system, old.response);
        END;
        CREATE TRIGGER IF NOT EXISTS calls_fts_update AFTER UPDATE OF prompt, system, response ON calls BEGIN
          INSERT INTO calls_fts(calls_fts, rowid, prompt, system, response)
          VALUES ('delete', old.id, old.prompt, old.system, old.response);
          INSERT INTO calls_fts(rowid, prompt, system, response)
          VALUES (new.id, new.prompt, new.system, new.response);
        END;
        INSERT INTO calls_fts(calls_fts) VALUES ('rebuild');
      )sql");
}

} // namespace webox::store
