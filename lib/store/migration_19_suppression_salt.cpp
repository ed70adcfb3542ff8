// Migration 19: the salt of the suppression list, in the database, for
// server stores (lib/leads/privacy/privacy.hpp, THE SALT).
//
// A SQLite store keeps its salt in a 0600 file beside the database, which
// every process using that file sees. A PostgreSQL store is shared by hosts
// that share no folder: with the salt in each host's data directory, a
// person forgotten on one host was collected again by another. The salt of
// a server store is therefore this table's one row ('default'). The table
// exists on both backends (the schemas are compared equal); SQLite leaves
// it empty.
#include "lib/store/migrations.hpp"

#include "lib/store/db.hpp"

namespace webox::store {

void migration_19_suppression_salt(Db &db) {
  db.exec(R"sql(
        CREATE TABLE IF NOT EXISTS suppression_salt(
          name TEXT PRIMARY KEY,
          salt TEXT NOT NULL
        );
  )sql");
}

} // namespace webox::store
