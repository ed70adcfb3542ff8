// The one interface between the store and a database engine.
//
// Everything above lib/store talks to store::Db, store::Statement and
// store::Column (lib/store/sql.hpp); those forward to a Backend and its
// Cursors. SQLite is built in (lib/store/sqlite_backend.cpp); another engine
// is one more implementation of these two classes, in a module of its own so
// that the core binary does not link its client library.
//
// Errors: every method throws store::SqlError (lib/store/sql.hpp), never an
// engine's own exception type, so that rethrow_sql_error / guarded turn them
// into the one error model (busy -> exit 75).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace webox::store {

// What a value of the current row is (a column's declared type does not
// say: SQLite types each value).
enum class ValueType { null, integer, real, text, blob };

// One prepared statement. Parameters and columns are numbered from 1 and 0
// respectively, as in SQLite (and SQLiteCpp).
class Cursor {
public:
  virtual ~Cursor() = default;

  // The index of a named parameter (":name"), or 0 when the SQL has none.
  virtual int parameter_index(const char *name) = 0;
  virtual void bind_null(int index) = 0;
  virtual void bind_int64(int index, int64_t value) = 0;
  virtual void bind_double(int index, double value) = 0;
  // copy == false: the caller keeps `value` alive until the statement has run.
  virtual void bind_text(int index, std::string_view value, bool copy) = 0;
  virtual void bind_blob(int index, const void *data, size_t size, bool copy) = 0;
  virtual void clear_bindings() = 0;

  // Runs the statement or moves to its next row: true while there is a row.
  virtual bool step() = 0;
  // Back to before the first step, bindings kept.
  virtual void reset() = 0;
  // Rows inserted, updated or deleted by the statement's last complete run.
  virtual int64_t changes() = 0;
  // The id of the row the statement's last run inserted (its INTEGER
  // PRIMARY KEY `id`), when it inserted exactly one. SQLite reads it from
  // the connection; a server backend adds RETURNING id to the statement.
  virtual int64_t last_insert_id() = 0;

  virtual int column_count() = 0;
  // The column's name as the query says it (its alias, if any).
  virtual std::string_view column_name(int column) = 0;
  virtual ValueType value_type(int column) = 0;
  virtual bool is_null(int column) = 0;
  virtual int64_t get_int64(int column) = 0;
  virtual double get_double(int column) = 0;
  // NUL-terminated; valid until the next step, reset or destruction.
  virtual std::string_view get_text(int column) = 0;
  virtual std::string_view get_blob(int column) = 0;
};

// Rows streamed into one table, faster than one INSERT per row (PostgreSQL:
// COPY ... FROM STDIN). Values come column by column, in the order the load
// was opened with; end_row() after each row. Inside the caller's
// transaction: nothing is visible before it commits. Destroyed without
// finish(), the load is abandoned (the statement fails; roll back).
class BulkLoader {
public:
  virtual ~BulkLoader() = default;
  virtual void add_null() = 0;
  virtual void add_int64(int64_t value) = 0;
  virtual void add_double(double value) = 0;
  virtual void add_text(std::string_view value) = 0;
  virtual void add_blob(const void *data, size_t size) = 0;
  virtual void end_row() = 0;
  // Sends what is left and ends the load: the rows the engine stored.
  virtual int64_t finish() = 0;
};

// One connection.
class Backend {
public:
  virtual ~Backend() = default;

  // "sqlite" or "postgresql".
  virtual std::string_view kind() const = 0;
  // What error messages call the database: a file, or a URL without its password.
  virtual std::string where() const = 0;
  // The database file, or empty (in memory, or a server).
  virtual std::string file() const = 0;

  virtual std::unique_ptr<Cursor> prepare(std::string_view sql) = 0;
  // One or more statements without parameters or results.
  virtual void exec(std::string_view sql) = 0;
  // Rows changed by the last statement that ran on this connection.
  virtual int64_t changes() = 0;
  virtual bool in_transaction() = 0;
  // A transaction that takes the write lock up front (SQLite: BEGIN
  // IMMEDIATE), so that two writers never deadlock upgrading a read lock.
  virtual void begin_write() = 0;

  // The schema step applied last (SQLite: PRAGMA user_version).
  virtual int schema_version() = 0;
  virtual void set_schema_version(int version) = 0;
  virtual bool table_exists(std::string_view name) = 0;

  // A bulk load into `table` (identifiers from the catalogue, not the user),
  // or nullptr when the engine has no faster path than prepared INSERTs
  // (SQLite: an INSERT per row in one transaction is already its fast path).
  virtual std::unique_ptr<BulkLoader> bulk_load(const std::string &table, const std::vector<std::string> &columns) {
    (void)table;
    (void)columns;
    return nullptr;
  }
};

} // namespace webox::store
