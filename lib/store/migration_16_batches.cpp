// Migration 16: provider batches (`webox workflow run --batch`, `webox batch`).
//
// `batches` is one provider batch: written (state 'submitting') with its
// items BEFORE the requests leave, given its provider id once the provider
// accepted it ('open'), 'collected' once every result is recorded; 'failed'
// when the submission itself failed (nothing runs at the provider).
// `consumed` says a workflow run has taken its answers into its steps, so a
// rerun of the workflow adopts only the batches no run has used yet.
//
// `batch_items` is one request: its custom_id in the batch, the step and
// item it answers, the hash of the request (the step cache's key: provider,
// model, messages, options), what the call log needs (prompt, system,
// options), and its result: 'pending' until recorded, then ok, errored,
// expired, cancelled or missing, with the id of the logged call. A result
// is recorded by ONE statement that moves the item off 'pending' (in the
// transaction that logs its call), so collecting twice logs nothing twice.
//
// Portable SQL (SQLite and PostgreSQL): INTEGER ids, ISO-8601 text times.
#include "lib/store/migrations.hpp"

#include "lib/store/db.hpp"

namespace webox::store {

void migration_16_batches(Db &db) {
  db.exec(R"sql(
        CREATE TABLE IF NOT EXISTS batches (
          id INTEGER PRIMARY KEY,
          provider TEXT NOT NULL,
          model TEXT NOT NULL,
          remote_id TEXT,
          state TEXT NOT NULL,
          status TEXT NOT NULL DEFAULT '',
          provider_status TEXT NOT NULL DEFAULT '',
          message TEXT NOT NULL DEFAULT '',
          run_id TEXT NOT NULL DEFAULT '',
          workflow_file TEXT NOT NULL DEFAULT '',
          inputs_json TEXT NOT NULL DEFAULT '{}',
          total INTEGER NOT NULL DEFAULT 0,
          succeeded INTEGER NOT NULL DEFAULT 0,
          failed INTEGER NOT NULL DEFAULT 0,
          consumed INTEGER NOT NULL DEFAULT 0,
          created_at TEXT NOT NULL,
          updated_at TEXT NOT NULL
        );
        CREATE UNIQUE INDEX IF NOT EXISTS batches_remote ON batches(provider, remote_id);
        CREATE INDEX IF NOT EXISTS batches_open ON batches(consumed, state);
        CREATE TABLE IF NOT EXISTS batch_items (
          batch_id INTEGER NOT NULL REFERENCES batches(id) ON DELETE CASCADE,
          custom_id TEXT NOT NULL,
          step_id TEXT NOT NULL,
          item INTEGER NOT NULL,
          request_hash TEXT NOT NULL,
          prompt TEXT NOT NULL,
          system TEXT NOT NULL,
          options_json TEXT NOT NULL,
          result_status TEXT NOT NULL DEFAULT 'pending',
          error TEXT NOT NULL DEFAULT '',
          call_id INTEGER,
          updated_at TEXT NOT NULL,
          PRIMARY KEY (batch_id, custom_id)
        );
        CREATE INDEX IF NOT EXISTS batch_items_hash ON batch_items(request_hash);
  )sql");
}

} // namespace webox::store
