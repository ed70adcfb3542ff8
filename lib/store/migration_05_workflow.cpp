// Migration 5: Workflow runs, their steps, and the step cache
// (lib/workflow/run_store.hpp). The cache key is a SHA-256 of what a
// model call depends on; its value is the answer, so a rerun of an
// unchanged step costs nothing.
#include "lib/store/migrations.hpp"

#include "lib/store/db.hpp"

namespace webox::store {

void migration_05_workflow(Db &db) {
  db.exec(R"sql(
        CREATE TABLE workflow_runs(
          id          TEXT PRIMARY KEY,   -- also the group_id of its calls
          workflow    TEXT NOT NULL,
          file        TEXT NOT NULL,
          status      TEXT NOT NULL,      -- running, ok, failed, cancelled
          inputs      TEXT NOT NULL,      -- JSON
          outputs     TEXT,               -- JSON
          started_at  TEXT NOT NULL,
          finished_at TEXT
        );
        CREATE TABLE workflow_steps(
          run_id     TEXT NOT NULL REFERENCES workflow_runs(id),
          step_id    TEXT NOT NULL,
          status     TEXT NOT NULL,       -- ok, failed, skipped, cancelled
          model      TEXT,
          output     TEXT,
          cached     INTEGER NOT NULL DEFAULT 0,
          latency_ms INTEGER,
          tokens     INTEGER,
          cost       REAL,
          error      TEXT,
          PRIMARY KEY(run_id, step_id)
        ) WITHOUT ROWID;
        CREATE TABLE workflow_cache(
          key           TEXT PRIMARY KEY,
          provider      TEXT NOT NULL,
          model         TEXT NOT NULL,
          answer        TEXT NOT NULL,
          input_tokens  INTEGER,
          output_tokens INTEGER,
          created_at    TEXT NOT NULL
        ) WITHOUT ROWID;
      )sql");
}

} // namespace webox::store
