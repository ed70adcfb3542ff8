// Migration 10: Export checkpoints (lib/export/export_state.hpp): how far an
// unfinished remote export got, so that the next --since-last run
// resumes it instead of sending every acknowledged lead again.
#include "lib/store/migrations.hpp"

#include "lib/store/db.hpp"

namespace webox::store {

void migration_10_export_progress(Db &db) {
  db.exec(R"sql(
        CREATE TABLE export_progress(
          destination TEXT PRIMARY KEY,   -- as export_state.destination
          scope       TEXT NOT NULL,      -- fingerprint of the filters and fields
          since       TEXT,               -- the window's lower bound (NULL = from the start)
          watermark   TEXT NOT NULL,      -- its upper bound
          after_id    INTEGER NOT NULL,   -- leads of the window up to this id were acknowledged
          rows        INTEGER NOT NULL,
          updated_at  TEXT NOT NULL
        );
      )sql");
}

} // namespace webox::store
