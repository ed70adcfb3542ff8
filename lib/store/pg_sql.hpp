// The SQL text the store's code writes, made PostgreSQL's: the mechanical
// differences only (parameters, DDL types). Pure text work, no libpq, so that
// it is unit-tested without a server and shared by webox-pg.so.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace webox::store::pg {

struct Translated {
  std::string sql;
  // names[i] is the name of parameter $i+1 (":name"), or empty for a `?`.
  std::vector<std::string> names;
};

// `?` becomes $1, $2... in order; `?NNN` becomes $NNN; each distinct `:name`
// (or `@name`, `$name`) one $n; INTEGER PRIMARY KEY becomes an identity
// column, INTEGER BIGINT, REAL DOUBLE PRECISION, BLOB BYTEA, LIKE ILIKE (SQLite's
// LIKE ignores ASCII case), and "WITHOUT ROWID" goes. Quoted literals, quoted identifiers and comments are copied
// untouched.
Translated translate(std::string_view sql);

} // namespace webox::store::pg
