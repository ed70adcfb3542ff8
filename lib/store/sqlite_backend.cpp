// The SQLite backend of the store interface, on SQLite's C API.
//
// WAL lets readers and one writer proceed together; a generous busy timeout
// plus BEGIN IMMEDIATE for write transactions turns "database is locked"
// into a short wait when several webox processes write the same file.
#include "lib/store/sqlite_backend.hpp"

#include <chrono>
#include <string>
#include <thread>

#include <fcntl.h>
#include <unistd.h>

#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include "lib/core/paths.hpp"
#include "lib/store/sql.hpp"

namespace webox::store {
namespace {

constexpr int kSqliteBusyTimeoutMs = 10000;

SqlError::Kind sqlite_error_kind(sqlite3 *handle) {
  const int code = sqlite3_errcode(handle);
  if (code == SQLITE_BUSY || code == SQLITE_LOCKED) return SqlError::Kind::busy;
  const int extended = sqlite3_extended_errcode(handle);
  if (extended == SQLITE_CONSTRAINT_UNIQUE || extended == SQLITE_CONSTRAINT_PRIMARYKEY)
    return SqlError::Kind::unique_violation;
  return SqlError::Kind::other;
}

[[noreturn]] void throw_sqlite_error(sqlite3 *handle) {
  throw SqlError(sqlite_error_kind(handle), sqlite3_errmsg(handle));
}

class SqliteCursor final : public Cursor {
public:
  SqliteCursor(sqlite3 *handle, std::string_view sql) : m_handle(handle) {
    if (sqlite3_prepare_v2(handle, sql.data(), static_cast<int>(sql.size()), &m_stmt, nullptr) != SQLITE_OK)
      throw_sqlite_error(handle);
    if (!m_stmt) throw SqlError(SqlError::Kind::other, "empty SQL statement");
  }
  ~SqliteCursor() override { sqlite3_finalize(m_stmt); }
  SqliteCursor(const SqliteCursor &) = delete;
  SqliteCursor &operator=(const SqliteCursor &) = delete;

  int parameter_index(const char *name) override { return sqlite3_bind_parameter_index(m_stmt, name); }
  void bind_null(int i) override { check(sqlite3_bind_null(m_stmt, i)); }
  void bind_int64(int i, int64_t v) override { check(sqlite3_bind_int64(m_stmt, i, v)); }
  void bind_double(int i, double v) override { check(sqlite3_bind_double(m_stmt, i, v)); }
  void bind_text(int i, std::string_view v, bool copy) override {
    check(sqlite3_bind_text(m_stmt, i, v.data(), static_cast<int>(v.size()), copy ? SQLITE_TRANSIENT : SQLITE_STATIC));
  }
  void bind_blob(int i, const void *data, size_t size, bool copy) override {
    check(sqlite3_bind_blob(m_stmt, i, data, static_cast<int>(size), copy ? SQLITE_TRANSIENT : SQLITE_STATIC));
  }
  void clear_bindings() override { sqlite3_clear_bindings(m_stmt); }

  bool step() override {
    const int rc = sqlite3_step(m_stmt);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw_sqlite_error(m_handle);
  }
  // The error of a failed step was thrown by step(); reset only rewinds.
  void reset() override { sqlite3_reset(m_stmt); }
  int64_t changes() override { return sqlite3_changes64(m_handle); }
  int64_t last_insert_id() override { return sqlite3_last_insert_rowid(m_handle); }

  int column_count() override { return sqlite3_column_count(m_stmt); }
  std::string_view column_name(int c) override {
    const char *name = sqlite3_column_name(m_stmt, c);
    return name ? std::string_view(name) : std::string_view();
  }
  ValueType value_type(int c) override {
    switch (sqlite3_column_type(m_stmt, c)) {
      case SQLITE_INTEGER: return ValueType::integer;
      case SQLITE_FLOAT: return ValueType::real;
      case SQLITE_TEXT: return ValueType::text;
      case SQLITE_BLOB: return ValueType::blob;
      default: return ValueType::null;
    }
  }
  bool is_null(int c) override { return sqlite3_column_type(m_stmt, c) == SQLITE_NULL; }
  int64_t get_int64(int c) override { return sqlite3_column_int64(m_stmt, c); }
  double get_double(int c) override { return sqlite3_column_double(m_stmt, c); }
  std::string_view get_text(int c) override {
    const auto *text = reinterpret_cast<const char *>(sqlite3_column_text(m_stmt, c));
    if (!text) return std::string_view("", 0);
    return {text, static_cast<size_t>(sqlite3_column_bytes(m_stmt, c))};
  }
  std::string_view get_blob(int c) override {
    const auto *blob = static_cast<const char *>(sqlite3_column_blob(m_stmt, c));
    if (!blob) return std::string_view("", 0);
    return {blob, static_cast<size_t>(sqlite3_column_bytes(m_stmt, c))};
  }

private:
  void check(int rc) {
    if (rc != SQLITE_OK) throw_sqlite_error(m_handle);
  }

  sqlite3 *m_handle;
  sqlite3_stmt *m_stmt = nullptr;
};

bool sqlite_is_in_memory(const std::filesystem::path &file) {
  const std::string s = file.string();
  return s.empty() || s == ":memory:" || s.rfind("file:", 0) == 0;
}

// SQLite gives its -wal and -shm files the mode of the database file, so
// creating the file 0600 before SQLite does keeps all three private.
void sqlite_create_private_file(const std::filesystem::path &file) {
  if (file.has_parent_path()) paths::ensure_private_dir(file.parent_path());
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd >= 0) ::close(fd); // failures surface, with a better message, when SQLite opens it
}

class SqliteBackend final : public Backend {
public:
  explicit SqliteBackend(const std::filesystem::path &file) : m_name(file.string()) {
    const bool in_memory = sqlite_is_in_memory(file);
    if (!in_memory) sqlite_create_private_file(file);
    const int rc = sqlite3_open_v2(m_name.c_str(), &m_handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
    if (rc != SQLITE_OK) {
      std::string message = m_handle ? sqlite3_errmsg(m_handle) : sqlite3_errstr(rc);
      sqlite3_close(m_handle);
      m_handle = nullptr;
      throw SqlError(SqlError::Kind::other, message);
    }
    // A file that is not a database fails here, at the first statement: the
    // destructor does not run for a constructor that throws, so the
    // connection is closed before the error leaves.
    try {
      sqlite3_busy_timeout(m_handle, kSqliteBusyTimeoutMs);
      if (!in_memory) use_wal();
      exec("PRAGMA foreign_keys = ON");
      exec("PRAGMA synchronous = NORMAL");
    } catch (...) {
      sqlite3_close_v2(m_handle);
      m_handle = nullptr;
      throw;
    }
  }
  ~SqliteBackend() override { sqlite3_close_v2(m_handle); }
  SqliteBackend(const SqliteBackend &) = delete;
  SqliteBackend &operator=(const SqliteBackend &) = delete;

  std::string_view kind() const override { return "sqlite"; }
  std::string where() const override { return m_name; }
  std::string file() const override {
    // What SQLite resolved the name to; empty for a database in memory.
    const char *name = sqlite3_db_filename(m_handle, "main");
    return name ? name : "";
  }

  std::unique_ptr<Cursor> prepare(std::string_view sql) override {
    return std::make_unique<SqliteCursor>(m_handle, sql);
  }
  void exec(std::string_view sql) override {
    const std::string text(sql);
    if (sqlite3_exec(m_handle, text.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) throw_sqlite_error(m_handle);
  }
  int64_t changes() override { return sqlite3_changes64(m_handle); }
  bool in_transaction() override { return sqlite3_get_autocommit(m_handle) == 0; }
  void begin_write() override { exec("BEGIN IMMEDIATE"); }

  int schema_version() override { return static_cast<int>(single_int("PRAGMA user_version")); }
  void set_schema_version(int version) override { exec("PRAGMA user_version = " + std::to_string(version)); }
  bool table_exists(std::string_view name) override {
    SqliteCursor q(m_handle, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?");
    q.bind_text(1, name, false);
    return q.step() && q.get_int64(0) > 0;
  }

private:
  int64_t single_int(const char *sql) {
    SqliteCursor q(m_handle, sql);
    return q.step() ? q.get_int64(0) : 0;
  }
  std::string single_text(const char *sql) {
    SqliteCursor q(m_handle, sql);
    return q.step() ? std::string(q.get_text(0)) : std::string();
  }

  // Switching a file to WAL needs an exclusive lock, and SQLite reports
  // SQLITE_BUSY at once, without calling the busy handler, when another
  // connection is opening the same fresh file. So retry here for as long as
  // the busy timeout would have waited. WAL is a property of the file: once
  // one opener has switched it, the others see "wal" and stop.
  void use_wal() {
    using clock = std::chrono::steady_clock;
    const auto deadline = clock::now() + std::chrono::milliseconds(kSqliteBusyTimeoutMs);
    for (;;) {
      try {
        if (single_text("PRAGMA journal_mode") == "wal") return;
        if (single_text("PRAGMA journal_mode=WAL") == "wal") return;
      } catch (const SqlError &e) {
        if (!e.is_busy() || clock::now() >= deadline) throw;
      }
      if (clock::now() >= deadline) {
        // Still correct without WAL, only less concurrent.
        spdlog::warn("database {}: could not switch to WAL mode", m_name);
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }

  std::string m_name;
  sqlite3 *m_handle = nullptr;
};

} // namespace

std::unique_ptr<Backend> open_sqlite(const std::filesystem::path &file) {
  return std::make_unique<SqliteBackend>(file);
}

} // namespace webox::store
