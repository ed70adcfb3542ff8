// The store: a connection to one database behind the store interface
// (lib/store/backend.hpp; SQLite built in: one file, WAL, busy timeout,
// foreign keys), forward migrations keyed by the schema version.
//
// Several webox processes may write the same database at once (xargs -P,
// cron overlapping an interactive session): WAL lets readers and one writer
// proceed together, and a generous busy timeout plus BEGIN IMMEDIATE for
// write transactions turns "database is locked" into a short wait.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "lib/store/backend.hpp"
#include "lib/store/sql.hpp"

namespace webox::store {

class Db {
public:
  // Opens (creating parent directories with mode 0700 and the file with mode
  // 0600) and migrates to the latest schema. Throws webox::Error.
  explicit Db(const std::filesystem::path &file);
  // Migrates the database `backend` is connected to. Throws webox::Error.
  explicit Db(std::unique_ptr<Backend> backend);
  // The database as it is, never migrated: for reading what a store holds
  // (`webox store info`) without changing it.
  struct AsItIs {};
  Db(std::unique_ptr<Backend> backend, AsItIs);
  ~Db();
  Db(const Db &) = delete;
  Db &operator=(const Db &) = delete;

  Backend &backend() { return *m_backend; }
  // The database file; empty for one in memory or on a server.
  std::string file() const { return m_backend->file(); }

  // As SQLiteCpp's Database: statements without parameters (throw SqlError),
  // the same ignoring failure, the first column of a query's first row, the
  // rows changed by the last statement.
  void exec(std::string_view sql) { m_backend->exec(sql); }
  bool tryExec(std::string_view sql) noexcept;
  Column execAndGet(std::string_view sql);
  int getChanges() { return static_cast<int>(m_backend->changes()); }
  bool tableExists(std::string_view name) { return m_backend->table_exists(name); }

  int schema_version() const;
  // The version this build migrates to.
  static int latest_schema_version();

private:
  std::unique_ptr<Backend> m_backend;
};

// A write transaction that takes the write lock up front (BEGIN IMMEDIATE),
// so two processes never deadlock upgrading a read lock. Rolled back unless
// commit() is called. Opened inside another one, it is a savepoint of it.
class WriteTransaction {
public:
  explicit WriteTransaction(Db &db);
  ~WriteTransaction();
  WriteTransaction(const WriteTransaction &) = delete;
  WriteTransaction &operator=(const WriteTransaction &) = delete;
  void commit();

private:
  Db &m_db;
  bool m_done = false;
  bool m_nested = false;
};

// A point inside the current transaction to come back to when a statement
// fails and the transaction goes on (a unique violation that answers a
// question rather than an error). PostgreSQL refuses every later statement
// of a transaction in which one failed, unless it is rolled back to a
// savepoint; SQLite undoes the statement alone. The same code is then right
// on both. Outside a transaction it does nothing: a failed statement undoes
// itself. Rolled back to unless release() was called.
class Savepoint {
public:
  explicit Savepoint(Db &db);
  ~Savepoint();
  Savepoint(const Savepoint &) = delete;
  Savepoint &operator=(const Savepoint &) = delete;
  void release();

private:
  Db &m_db;
  bool m_active = false;
};

// Current time as ISO 8601 UTC with milliseconds: 2026-11-23T10:44:03.123Z.
std::string now_iso8601();

// `e` as the webox::Error of a failed statement on the database `where`
// names: busy and unavailable are temporary (exit 75), configuration exit 4.
[[noreturn]] void throw_store_error(const std::string &where, const SqlError &e);

// Call only inside a catch block: rethrows the exception being handled, a
// store::SqlError becoming a webox::Error that names `db`'s file ("busy"
// after the timeout maps to ExitCode::temporary).
[[noreturn]] void rethrow_sql_error(Db &db);

// Runs `fn` (which uses db's statements), turning store::SqlError into the
// webox::Error of rethrow_sql_error. Every store-facing module wraps its
// statements in it, so no database exception type leaks past lib/.
template <class F> auto guarded(Db &db, F &&fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const SqlError &) {
    rethrow_sql_error(db);
  }
}

} // namespace webox::store
