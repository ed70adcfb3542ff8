// Statements and their columns, the same for every store backend.
//
// The names and meanings are the subset of SQLiteCpp the code used when the
// store was SQLite alone, so that store code reads as it did:
//
//   store::Statement q(db, "SELECT id, name FROM people WHERE platform = ?");
//   q.bind(1, platform);
//   while (q.executeStep()) use(q.getColumn(0).getInt64(), q.getColumn(1).getString());
//
// Write SQL that both backends run (CONTRIBUTING.md, "Store SQL"); the
// PostgreSQL backend translates `?` and `:name` parameters and the DDL types.
// Errors are store::SqlError; wrap statements in store::guarded (db.hpp).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "lib/store/backend.hpp"

namespace webox::store {

class Db;

// A failed statement, whatever the backend. what() is the engine's message
// (never holding a password).
class SqlError : public std::runtime_error {
public:
  enum class Kind {
    other,
    busy,             // locked by another connection: try again later
    unique_violation, // a UNIQUE or PRIMARY KEY constraint refused the row
    unavailable,      // the server is down or the connection was lost
    configuration,    // a malformed URL, a refused role or password: the user's settings
  };
  SqlError(Kind kind, const std::string &message) : std::runtime_error(message), m_kind(kind) {}
  Kind kind() const { return m_kind; }
  bool is_busy() const { return m_kind == Kind::busy; }
  bool is_unique_violation() const { return m_kind == Kind::unique_violation; }

private:
  Kind m_kind;
};

// One column of the current row. Borrowed from its statement: read it before
// the statement steps again (a Column from Db::execAndGet keeps its own).
class Column {
public:
  Column(Cursor &cursor, int index, std::shared_ptr<Cursor> owner = {})
      : m_cursor(&cursor), m_index(index), m_owner(std::move(owner)) {}

  bool isNull() const { return m_cursor->is_null(m_index); }
  bool isInteger() const { return m_cursor->value_type(m_index) == ValueType::integer; }
  bool isFloat() const { return m_cursor->value_type(m_index) == ValueType::real; }
  bool isText() const { return m_cursor->value_type(m_index) == ValueType::text; }
  bool isBlob() const { return m_cursor->value_type(m_index) == ValueType::blob; }
  // The column's name (its alias in the query, if any).
  std::string getName() const { return std::string(m_cursor->column_name(m_index)); }
  int getInt() const { return static_cast<int>(m_cursor->get_int64(m_index)); }
  int64_t getInt64() const { return m_cursor->get_int64(m_index); }
  double getDouble() const { return m_cursor->get_double(m_index); }
  // "" for NULL; valid until the statement steps again.
  const char *getText() const { return m_cursor->get_text(m_index).data(); }
  std::string getString() const { return std::string(m_cursor->get_text(m_index)); }
  const void *getBlob() const { return m_cursor->get_blob(m_index).data(); }
  // Size of the value as text or blob.
  int getBytes() const;

private:
  Cursor *m_cursor;
  int m_index;
  std::shared_ptr<Cursor> m_owner;
};

class Statement {
public:
  Statement(Db &db, std::string_view sql);
  Statement(const Statement &) = delete;
  Statement &operator=(const Statement &) = delete;

  // Parameters count from 1. Text and blobs are copied, except by bindNoCopy.
  void bind(int index) { m_cursor->bind_null(index); }
  void bind(int index, int value) { m_cursor->bind_int64(index, value); }
  void bind(int index, unsigned value) { m_cursor->bind_int64(index, value); }
  void bind(int index, long value) { m_cursor->bind_int64(index, value); }
  void bind(int index, long long value) { m_cursor->bind_int64(index, value); }
  void bind(int index, double value) { m_cursor->bind_double(index, value); }
  void bind(int index, const std::string &value) { m_cursor->bind_text(index, value, true); }
  void bind(int index, const char *value) { m_cursor->bind_text(index, value, true); }
  void bind(int index, const void *data, int size) { m_cursor->bind_blob(index, data, static_cast<size_t>(size), true); }
  void bindNoCopy(int index, const std::string &value) { m_cursor->bind_text(index, value, false); }
  void bindNoCopy(int index, const char *value) { m_cursor->bind_text(index, value, false); }
  void bindNoCopy(int index, const void *data, int size) {
    m_cursor->bind_blob(index, data, static_cast<size_t>(size), false);
  }
  // A named parameter (":name").
  template <class... V> void bind(const char *name, V &&...value) { bind(index_of(name), std::forward<V>(value)...); }
  template <class... V> void bindNoCopy(const char *name, V &&...value) {
    bindNoCopy(index_of(name), std::forward<V>(value)...);
  }
  void clearBindings() { m_cursor->clear_bindings(); }

  // Runs the statement, or moves to its next row: true while there is a row.
  bool executeStep();
  // Runs a statement that returns no row; the number of rows it changed.
  int exec();
  void reset();

  Column getColumn(int index);
  // The id the last run inserted (see store::inserted_id).
  int64_t lastInsertId() { return m_cursor->last_insert_id(); }
  int getColumnCount() { return m_cursor->column_count(); }
  bool hasRow() const { return m_has_row; }
  bool isDone() const { return m_done; }

private:
  int index_of(const char *name);

  std::unique_ptr<Cursor> m_cursor;
  bool m_has_row = false;
  bool m_done = false;
};

// Runs `insert` (an INSERT ... RETURNING id, parameters bound) and resets
// it: the new row's id, or nullopt when ON CONFLICT ... DO NOTHING skipped
// the row. The portable way to learn an id (no last_insert_rowid()).
std::optional<int64_t> returned_id(Statement &insert);

// Runs `insert` (an INSERT without RETURNING, parameters bound; ON CONFLICT
// ... DO NOTHING allowed) and resets it: the new row's id, or nullopt when no
// row was inserted. For the hot paths of bulk imports, where SQLite's
// RETURNING (its rows gathered in a temporary table first) cost about a fifth
// of an import's CPU; elsewhere returned_id reads clearer.
std::optional<int64_t> inserted_id(Statement &insert);

} // namespace webox::store
