// What a store's schema is, the same way for every backend: the tables
// webox's migrations made, their columns (type class, NOT NULL), primary
// keys, unique constraints and indexes. `webox store info --schema` prints
// it; the tests compare a fresh SQLite and a fresh PostgreSQL store with it,
// so that a migration cannot make the two drift apart.
//
// Left out: the engines' own tables (sqlite_*, webox_schema where the
// PostgreSQL backend keeps the version) and SQLite's FTS5 tables (full-text
// search is SQLite's; PostgreSQL searches with ILIKE, see webox-store(1)).
#pragma once

#include <string>
#include <vector>

#include "lib/store/db.hpp"

namespace webox::store {

// The data tables, in creation order (the migrations' order: a table's
// foreign keys point to tables before it).
std::vector<std::string> data_tables(Db &db);

// The columns of `table`, in order.
std::vector<std::string> table_columns(Db &db, const std::string &table);

// One sorted line per fact ("column calls.cost real null",
// "index calls_by_time on calls(created_at)", "unique leads(person_id)").
// Type classes: integer, real, text, blob.
std::vector<std::string> describe_schema(Db &db);

} // namespace webox::store
