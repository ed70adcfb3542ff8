// Migration 2: Fallback chains and cooldowns that outlive the process (a cron job
// that hit a 429 two minutes ago goes straight to its fallback).
#include "lib/store/migrations.hpp"

#include "lib/store/db.hpp"

namespace webox::store {

void migration_02_cooldowns(Db &db) {
  db.exec(R"sql(
        ALTER TABLE calls ADD COLUMN chain TEXT;
        CREATE INDEX calls_by_group ON calls(group_id) WHERE group_id IS NOT NULL;
        CREATE TABLE cooldowns(
          model       TEXT PRIMARY KEY,  -- provider:model
          until_unix  INTEGER NOT NULL,  -- seconds since the epoch
          reason      TEXT
        );
      )sql");
}

} // namespace webox::store
