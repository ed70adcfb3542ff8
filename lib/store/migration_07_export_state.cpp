// Migration 7: Export state (lib/export/export_state.hpp): per destination, the
// leads.updated_at watermark of the last complete export; per
// (destination, lead), the id the destination gave it (Notion page).
#include "lib/store/migrations.hpp"

#include "lib/store/db.hpp"

namespace webox::store {

void migration_07_export_state(Db &db) {
  db.exec(R"sql(
        CREATE TABLE export_state(
          destination TEXT PRIMARY KEY,   -- sheets:ID/RANGE, notion:ID, webhook:URL-without-query#hash, file:PATH
          watermark   TEXT NOT NULL,
          rows        INTEGER NOT NULL,
          updated_at  TEXT NOT NULL
        );
        CREATE TABLE export_remote_ids(
          destination TEXT NOT NULL,
          lead_id     INTEGER NOT NULL REFERENCES leads(id),
          remote_id   TEXT NOT NULL,
          updated_at  TEXT NOT NULL,
          PRIMARY KEY(destination, lead_id)
        ) WITHOUT ROWID;
      )sql");
}

} // namespace webox::store
