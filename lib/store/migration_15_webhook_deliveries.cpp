// Migration 15: the queue of `webox serve` (lib/serve/queue_store.cpp). A
// webhook delivery is answered 200 only once its raw body is committed here,
// so an acknowledged delivery survives kill -9; the worker takes it later.
// One row per delivery, unique on the body's SHA-256 (platforms retry the
// same bytes) and on the platform's delivery id when it sends one. `state`
// is pending | working | done | failed; `not_before` delays a retry. Times
// are ISO-8601 UTC text made in C++ (portable SQL: the PostgreSQL backend
// runs the same statements). IF NOT EXISTS: tests (and a user restoring an
// older user_version) rerun migrations over a schema that already has it.
#include "lib/store/migrations.hpp"

#include "lib/store/db.hpp"

namespace webox::store {

void migration_15_webhook_deliveries(Db &db) {
  db.exec(R"sql(
        CREATE TABLE IF NOT EXISTS webhook_deliveries(
          id          INTEGER PRIMARY KEY,
          platform    TEXT NOT NULL,
          body        BLOB NOT NULL,
          body_sha256 TEXT NOT NULL,
          delivery_id TEXT,
          received_at TEXT NOT NULL,
          state       TEXT NOT NULL DEFAULT 'pending',
          attempts    INTEGER NOT NULL DEFAULT 0,
          not_before  TEXT,
          claimed_at  TEXT,
          finished_at TEXT,
          last_error  TEXT
        );
        CREATE UNIQUE INDEX IF NOT EXISTS webhook_deliveries_body ON webhook_deliveries(platform, body_sha256);
        CREATE UNIQUE INDEX IF NOT EXISTS webhook_deliveries_delivery ON webhook_deliveries(platform, delivery_id)
          WHERE delivery_id IS NOT NULL;
        CREATE INDEX IF NOT EXISTS webhook_deliveries_state ON webhook_deliveries(state, id);
      )sql");
}

} // namespace webox::store
