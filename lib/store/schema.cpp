// See schema.hpp. The catalogue queries are each engine's own: SQLite's
// pragma table functions, PostgreSQL's information_schema and pg_catalog.
#include "lib/store/schema.hpp"

#include <algorithm>
#include <cctype>

namespace webox::store {
namespace {

bool schema_is_sqlite(Db &db) { return db.backend().kind() == "sqlite"; }

std::string schema_upper(std::string s) {
  for (char &c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// SQLite's affinity rules (datatype3.html, 3.1) and PostgreSQL's type names
// reduced to the four classes webox writes.
std::string type_class(const std::string &declared) {
  const std::string t = schema_upper(declared);
  if (t.find("INT") != std::string::npos) return "integer";
  if (t.find("CHAR") != std::string::npos || t.find("CLOB") != std::string::npos || t.find("TEXT") != std::string::npos)
    return "text";
  if (t.empty() || t.find("BLOB") != std::string::npos || t == "BYTEA") return "blob";
  if (t.find("REAL") != std::string::npos || t.find("FLOA") != std::string::npos || t.find("DOUB") != std::string::npos)
    return "real";
  return "numeric:" + t;
}

std::string schema_join(const std::vector<std::string> &parts) {
  std::string s;
  for (const auto &p : parts) s += (s.empty() ? "" : ",") + p;
  return s;
}

struct SchemaIndex {
  std::string name;
  bool unique = false;
  bool primary = false;
  bool constraint = false; // made by a UNIQUE or PRIMARY KEY clause, not CREATE INDEX
  bool partial = false;
  std::vector<std::string> columns;
};

std::vector<SchemaIndex> sqlite_indexes(Db &db, const std::string &table) {
  std::vector<SchemaIndex> out;
  Statement list(db, "SELECT name, \"unique\", origin, partial FROM pragma_index_list(?)");
  list.bind(1, table);
  while (list.executeStep()) {
    SchemaIndex ix;
    ix.name = list.getColumn(0).getString();
    ix.unique = list.getColumn(1).getInt() != 0;
    const std::string origin = list.getColumn(2).getString();
    ix.primary = origin == "pk";
    ix.constraint = origin != "c";
    ix.partial = list.getColumn(3).getInt() != 0;
    out.push_back(ix);
  }
  for (SchemaIndex &ix : out) {
    Statement cols(db, "SELECT name FROM pragma_index_info(?) ORDER BY seqno");
    cols.bind(1, ix.name);
    while (cols.executeStep()) ix.columns.push_back(cols.getColumn(0).getString());
  }
  return out;
}

std::vector<SchemaIndex> pg_indexes(Db &db, const std::string &table) {
  std::vector<SchemaIndex> out;
  Statement list(
      db, "SELECT i.relname, ix.indisunique, ix.indisprimary, "
          "EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = ix.indexrelid), ix.indpred IS NOT NULL, "
          "(SELECT string_agg(a.attname::text, ',' ORDER BY k.n) FROM unnest(ix.indkey) WITH ORDINALITY k(attnum, n) "
          " JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.attnum) "
          "FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid JOIN pg_class t ON t.oid = ix.indrelid "
          "WHERE t.relname = ? AND t.relnamespace = current_schema()::regnamespace");
  list.bind(1, table);
  while (list.executeStep()) {
    SchemaIndex ix;
    ix.name = list.getColumn(0).getString();
    ix.unique = list.getColumn(1).getInt() != 0;
    ix.primary = list.getColumn(2).getInt() != 0;
    ix.constraint = list.getColumn(3).getInt() != 0;
    ix.partial = list.getColumn(4).getInt() != 0;
    const std::string cols = list.getColumn(5).getString();
    size_t start = 0;
    while (start <= cols.size() && !cols.empty()) {
      size_t comma = cols.find(',', start);
      if (comma == std::string::npos) comma = cols.size();
      ix.columns.push_back(cols.substr(start, comma - start));
      start = comma + 1;
    }
    out.push_back(ix);
  }
  return out;
}

struct SchemaColumn {
  std::string name;
  std::string type;
  bool not_null = false;
  bool primary = false;
};

std::vector<SchemaColumn> columns_of(Db &db, const std::string &table) {
  std::vector<SchemaColumn> out;
  if (schema_is_sqlite(db)) {
    Statement q(db, "SELECT name, type, \"notnull\", pk FROM pragma_table_info(?) ORDER BY cid");
    q.bind(1, table);
    while (q.executeStep())
      out.push_back({q.getColumn(0).getString(), q.getColumn(1).getString(), q.getColumn(2).getInt() != 0,
                     q.getColumn(3).getInt() != 0});
    return out;
  }
  Statement q(db,
              "SELECT c.column_name, c.data_type, c.is_nullable = 'NO', "
              "EXISTS (SELECT 1 FROM pg_index ix JOIN pg_attribute a ON a.attrelid = ix.indrelid "
              " AND a.attnum = ANY(ix.indkey) WHERE ix.indrelid = (current_schema() || '.' || c.table_name)::regclass "
              " AND ix.indisprimary AND a.attname = c.column_name) "
              "FROM information_schema.columns c WHERE c.table_schema = current_schema() AND c.table_name = ? "
              "ORDER BY c.ordinal_position");
  q.bind(1, table);
  while (q.executeStep())
    out.push_back({q.getColumn(0).getString(), q.getColumn(1).getString(), q.getColumn(2).getInt() != 0,
                   q.getColumn(3).getInt() != 0});
  return out;
}

} // namespace

std::vector<std::string> data_tables(Db &db) {
  return guarded(db, [&] {
    std::vector<std::string> out;
    if (schema_is_sqlite(db)) {
      // FTS5 tables and their shadow tables (name_data, name_idx...) are
      // SQLite's search index, rebuilt by triggers: not data.
      Statement q(
          db,
          "SELECT t.name FROM sqlite_schema t WHERE t.type = 'table' AND t.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
          "AND t.sql NOT LIKE 'CREATE VIRTUAL TABLE%' AND NOT EXISTS (SELECT 1 FROM sqlite_schema v "
          "WHERE v.type = 'table' AND v.sql LIKE 'CREATE VIRTUAL TABLE%' AND t.name LIKE v.name || '\\_%' ESCAPE '\\') "
          "ORDER BY t.rowid");
      while (q.executeStep()) out.push_back(q.getColumn(0).getString());
    } else {
      Statement q(db,
                  "SELECT c.relname FROM pg_class c WHERE c.relkind = 'r' "
                  "AND c.relnamespace = current_schema()::regnamespace AND c.relname <> 'webox_schema' ORDER BY c.oid");
      while (q.executeStep()) out.push_back(q.getColumn(0).getString());
    }
    return out;
  });
}

std::vector<std::string> table_columns(Db &db, const std::string &table) {
  return guarded(db, [&] {
    std::vector<std::string> out;
    for (const SchemaColumn &c : columns_of(db, table)) out.push_back(c.name);
    return out;
  });
}

std::vector<std::string> describe_schema(Db &db) {
  const std::vector<std::string> tables = data_tables(db);
  return guarded(db, [&] {
    std::vector<std::string> lines;
    for (const std::string &t : tables) {
      lines.push_back("table " + t);
      std::vector<std::string> primary;
      for (const SchemaColumn &c : columns_of(db, t)) {
        // A key column is NOT NULL on PostgreSQL; SQLite only says so of
        // some (an INTEGER PRIMARY KEY, a rowid alias, never NULL anyway).
        lines.push_back("column " + t + "." + c.name + " " + type_class(c.type) +
                        (c.not_null || c.primary ? " not-null" : " null"));
        if (c.primary) primary.push_back(c.name);
      }
      std::vector<SchemaIndex> indexes = schema_is_sqlite(db) ? sqlite_indexes(db, t) : pg_indexes(db, t);
      for (const SchemaIndex &ix : indexes) {
        if (ix.primary) continue; // the columns' primary flags say it (SQLite has no index for a rowid key)
        const std::string cols = t + "(" + schema_join(ix.columns) + ")";
        // Constraints' indexes are named by each engine its own way.
        if (ix.constraint) lines.push_back("unique " + cols);
        else
          lines.push_back(std::string(ix.unique ? "unique-index " : "index ") + ix.name + " on " + cols +
                          (ix.partial ? " partial" : ""));
      }
      if (!primary.empty()) {
        // Table order of the key's columns, as both engines list them.
        lines.push_back("primary-key " + t + "(" + schema_join(primary) + ")");
      }
    }
    std::sort(lines.begin(), lines.end());
    return lines;
  });
}

} // namespace webox::store
