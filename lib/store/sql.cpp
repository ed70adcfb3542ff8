// store::Statement over a backend's Cursor (lib/store/sql.hpp).
#include "lib/store/sql.hpp"

#include "lib/store/db.hpp"

namespace webox::store {

int Column::getBytes() const {
  // A blob and a text read the same bytes; SQLite's sizes are ints.
  return static_cast<int>(m_cursor->get_blob(m_index).size());
}

Statement::Statement(Db &db, std::string_view sql) : m_cursor(db.backend().prepare(sql)) {}

bool Statement::executeStep() {
  // Once done, stay done until reset() (SQLite would run the statement again).
  if (m_done) return false;
  m_has_row = m_cursor->step();
  m_done = !m_has_row;
  return m_has_row;
}

int Statement::exec() {
  if (m_done) throw SqlError(SqlError::Kind::other, "statement already run: reset() it first");
  if (executeStep()) throw SqlError(SqlError::Kind::other, "exec() does not expect results: use executeStep()");
  return static_cast<int>(m_cursor->changes());
}

void Statement::reset() {
  m_cursor->reset();
  m_has_row = false;
  m_done = false;
}

Column Statement::getColumn(int index) {
  if (!m_has_row) throw SqlError(SqlError::Kind::other, "no row to get a column from");
  if (index < 0 || index >= m_cursor->column_count())
    throw SqlError(SqlError::Kind::other, "column index " + std::to_string(index) + " out of range");
  return Column(*m_cursor, index);
}

int Statement::index_of(const char *name) {
  const int index = m_cursor->parameter_index(name);
  if (index <= 0) throw SqlError(SqlError::Kind::other, std::string("no parameter named ") + name);
  return index;
}

std::optional<int64_t> returned_id(Statement &insert) {
  std::optional<int64_t> id;
  if (insert.executeStep()) id = insert.getColumn(0).getInt64();
  insert.reset();
  return id;
}

std::optional<int64_t> inserted_id(Statement &insert) {
  std::optional<int64_t> id;
  if (insert.exec() == 1) id = insert.lastInsertId();
  insert.reset();
  return id;
}

} // namespace webox::store
