// See admin.hpp.
#include "lib/store/admin.hpp"

#include <algorithm>
#include <filesystem>
#include <optional>

#include "lib/core/cancel.hpp"
#include "lib/core/error.hpp"
#include "lib/core/paths.hpp"
#include "lib/store/open.hpp"
#include "lib/store/workspace.hpp"
#include "lib/store/schema.hpp"

namespace webox::store {
namespace {

// A source workspace that is not there (a typo) would be created empty and
// copy nothing.
bool copy_workspace_exists(const Location &where) {
  for (const WorkspaceEntry &w : list_workspaces(where))
    if (w.name == where.workspace.name) return true;
  return false;
}


bool admin_is_sqlite(Db &db) { return db.backend().kind() == "sqlite"; }

// Identifiers come from the catalogue (data_tables, table_columns), never
// from the user; quoted all the same.
std::string quoted(const std::string &name) {
  std::string q = "\"";
  for (char c : name) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

int64_t count_rows(Db &db, const std::string &table) {
  Statement q(db, "SELECT count(*) FROM " + quoted(table));
  return q.executeStep() ? q.getColumn(0).getInt64() : 0;
}

int64_t database_bytes(Db &db) {
  if (admin_is_sqlite(db)) {
    std::error_code ec;
    const std::string file = db.file();
    if (file.empty()) return -1;
    const auto size = std::filesystem::file_size(file, ec);
    return ec ? -1 : static_cast<int64_t>(size);
  }
  Statement q(db, "SELECT pg_database_size(current_database())");
  return q.executeStep() ? q.getColumn(0).getInt64() : -1;
}

// One value of the source's current row bound to the target's insert, by
// what the value is (SQLite types each value; PostgreSQL by column).
void copy_value(Statement &from, int column, Statement &insert, int parameter) {
  Column value = from.getColumn(column);
  if (value.isNull()) insert.bind(parameter);
  else if (value.isInteger()) insert.bind(parameter, static_cast<long long>(value.getInt64()));
  else if (value.isFloat()) insert.bind(parameter, value.getDouble());
  else if (value.isBlob()) insert.bind(parameter, value.getBlob(), value.getBytes());
  else insert.bind(parameter, value.getString());
}

std::string column_list(const std::vector<std::string> &columns) {
  std::string s;
  for (const auto &c : columns) s += (s.empty() ? "" : ", ") + quoted(c);
  return s;
}

std::string insert_sql(const std::string &table, const std::vector<std::string> &columns) {
  std::string values;
  for (size_t i = 0; i < columns.size(); ++i) values += i ? ", ?" : "?";
  return "INSERT INTO " + quoted(table) + "(" + column_list(columns) + ") VALUES (" + values + ")";
}

// One value of the source's current row into a bulk load.
void load_value(Statement &from, int column, BulkLoader &load) {
  Column value = from.getColumn(column);
  if (value.isNull()) load.add_null();
  else if (value.isInteger()) load.add_int64(value.getInt64());
  else if (value.isFloat()) load.add_double(value.getDouble());
  else if (value.isBlob()) load.add_blob(value.getBlob(), static_cast<size_t>(value.getBytes()));
  else load.add_text(value.getString());
}

// Where the copied rows of one table go: the target's bulk load (PostgreSQL:
// COPY FROM STDIN, one stream instead of a round trip per row) when it has
// one, else a prepared INSERT per row (SQLite, in one transaction: its fast
// path). WEBOX_STORE_COPY_ROWS=insert forces the INSERTs (bench/).
class CopyTarget {
public:
  CopyTarget(Db &to, const std::string &table, const std::vector<std::string> &columns)
      : m_columns(columns.size()) {
    if (paths::env("WEBOX_STORE_COPY_ROWS") != "insert") m_load = to.backend().bulk_load(table, columns);
    if (!m_load) m_insert.emplace(to, insert_sql(table, columns));
  }
  // The source's current row.
  void write(Statement &from) {
    for (size_t c = 0; c < m_columns; ++c) {
      if (m_load) load_value(from, static_cast<int>(c), *m_load);
      else copy_value(from, static_cast<int>(c), *m_insert, static_cast<int>(c) + 1);
    }
    if (m_load) {
      m_load->end_row();
    } else {
      m_insert->exec();
      m_insert->reset();
    }
  }
  // The rows the target stored (a bulk load counts them itself), given the
  // rows written.
  int64_t finish(int64_t written) { return m_load ? m_load->finish() : written; }

private:
  size_t m_columns;
  std::unique_ptr<BulkLoader> m_load;
  std::optional<Statement> m_insert;
};

// Rows of one table of a SQLite source: one statement, SQLite steps through
// the table without holding it.
int64_t copy_rows_from_sqlite(Db &from, const std::string &select, CopyTarget &target) {
  int64_t n = 0;
  Statement rows(from, select);
  while (rows.executeStep()) {
    if (cancel::requested()) throw Interrupted();
    target.write(rows);
    ++n;
  }
  return n;
}

// Rows of one table of a PostgreSQL source: libpq holds a whole result in
// memory, so a server-side cursor hands them over a batch at a time.
int64_t copy_rows_from_server(Db &from, const std::string &select, CopyTarget &target, int batch) {
  int64_t n = 0;
  from.exec("DECLARE webox_copy NO SCROLL CURSOR FOR " + select);
  Statement fetch(from, "FETCH " + std::to_string(batch) + " FROM webox_copy");
  for (;;) {
    int64_t got = 0;
    while (fetch.executeStep()) {
      if (cancel::requested()) throw Interrupted();
      target.write(fetch);
      ++got;
    }
    fetch.reset();
    n += got;
    if (got < batch) break;
  }
  from.exec("CLOSE webox_copy");
  return n;
}

// Rows inserted with their ids leave an identity column's sequence behind:
// PostgreSQL's next generated id would collide. The one PostgreSQL-only
// statement of the copy.
void advance_identity(Db &to, const std::string &table, const std::vector<std::string> &columns) {
  if (admin_is_sqlite(to)) return;
  for (const std::string &column : columns) {
    Statement seq(to, "SELECT pg_get_serial_sequence(?, ?)");
    seq.bind(1, quoted(table));
    seq.bind(2, column);
    if (!seq.executeStep() || seq.getColumn(0).isNull()) continue;
    const std::string sequence = seq.getColumn(0).getString();
    Statement set(to, "SELECT setval(?::regclass, coalesce((SELECT max(" + quoted(column) + ") FROM " + quoted(table) +
                          "), 0) + 1, false)");
    set.bind(1, sequence);
    set.executeStep();
  }
}

void refuse_unless_empty(Db &to, const std::vector<std::string> &tables) {
  for (const std::string &t : tables) {
    const int64_t n = count_rows(to, t);
    if (n > 0)
      throw UsageError("--to: " + to.backend().where() + " is not empty (" + std::to_string(n) + " rows in " + t +
                       "): add --force to replace what it holds");
  }
}

} // namespace

StoreInfo store_info(Db &db) {
  return guarded(db, [&] {
    StoreInfo info;
    info.backend = std::string(db.backend().kind());
    info.where = db.backend().where();
    info.schema_version = db.schema_version();
    info.latest_version = Db::latest_schema_version();
    info.bytes = database_bytes(db);
    for (const std::string &t : data_tables(db)) info.rows.emplace_back(t, count_rows(db, t));
    return info;
  });
}

MigrateResult migrate_store(std::unique_ptr<Backend> backend) {
  MigrateResult r;
  r.backend = std::string(backend->kind());
  r.where = backend->where();
  try {
    r.before = backend->schema_version();
  } catch (const SqlError &e) {
    throw_store_error(r.where, e);
  }
  Db db(std::move(backend));
  r.after = db.schema_version();
  return r;
}

CopyResult copy_store(Db &from, Db &to, const CopyOptions &options) {
  if (from.backend().kind() == to.backend().kind() && from.backend().where() == to.backend().where())
    throw UsageError("--to: the same store as --from (" + to.backend().where() + ")");
  const std::vector<std::string> tables = data_tables(to);
  const std::vector<std::string> source_tables = data_tables(from);
  CopyResult result;
  auto copy_all = [&] {
    WriteTransaction tx(to);
    if (options.force) {
      // Children first: the reverse of creation order.
      for (auto t = tables.rbegin(); t != tables.rend(); ++t) to.exec("DELETE FROM " + quoted(*t));
    } else {
      refuse_unless_empty(to, tables);
    }
    // A PostgreSQL source reads in one snapshot, through cursors.
    const bool server_source = !admin_is_sqlite(from);
    if (server_source) from.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    else from.exec("BEGIN"); // one snapshot of the SQLite file too
    try {
      for (const std::string &t : tables) {
        if (std::find(source_tables.begin(), source_tables.end(), t) == source_tables.end()) continue;
        const std::vector<std::string> columns = table_columns(to, t);
        const std::string select = "SELECT " + column_list(columns) + " FROM " + quoted(t);
        CopyTarget target(to, t, columns);
        const int64_t written = server_source ? copy_rows_from_server(from, select, target, options.batch_rows)
                                              : copy_rows_from_sqlite(from, select, target);
        const int64_t n = target.finish(written);
        if (n != written)
          throw Error("copy: table " + t + ": " + std::to_string(written) + " rows read, " + std::to_string(n) +
                      " stored; nothing was written");
        advance_identity(to, t, columns);
        const int64_t source_rows = count_rows(from, t), target_rows = count_rows(to, t);
        if (target_rows != source_rows || target_rows != n)
          throw Error("copy: table " + t + ": " + std::to_string(source_rows) + " rows in the source, " +
                      std::to_string(target_rows) + " in the target; nothing was written");
        result.rows.emplace_back(t, n);
        result.total += n;
        if (options.on_table) options.on_table(t, n);
      }
      from.exec("COMMIT");
    } catch (...) {
      from.tryExec("ROLLBACK");
      throw;
    }
    tx.commit();
  };
  // Errors name the store they come from.
  try {
    copy_all();
  } catch (const SqlError &e) {
    // Which side failed is not known here: both are named.
    throw_store_error(from.backend().where() + " -> " + to.backend().where(), e);
  }
  return result;
}

// --from and --to: a path or a URL, in the selected workspace (the same on
// both sides); a source must exist (copying from a typo would create an
// empty file and copy nothing).
Location copy_endpoint(const std::string &value, const char *option, const Workspace &workspace,
                       bool must_exist) {
  Location where = in_workspace(Location{value, option}, workspace);
  if (!must_exist) return where;
  const std::string in = workspace.is_default() ? "" : " (workspace " + workspace.name + ")";
  std::error_code ec;
  if (!where.is_server() && !std::filesystem::exists(where.value, ec))
    throw UsageError(std::string(option) + ": no database at " + where.value + in);
  if (where.is_server() && !workspace.is_default() && !copy_workspace_exists(where))
    throw UsageError(std::string(option) + ": no workspace " + workspace.name + " in " + where.shown());
  return where;
}

} // namespace webox::store
