// Opening the SQLite store and migrating it.
//
// Migrations are an append-only list of numbered steps (kMigrations below,
// one function per step in lib/store/migration_NN_<what>.cpp); step N brings
// the schema from user_version N-1 to N. Each runs in its own BEGIN IMMEDIATE
// transaction that re-reads user_version after taking the write lock: when
// two processes open a fresh database at the same moment, the second one
// waits for the lock, sees that the first already applied the step, and
// skips it instead of failing on "table already exists".
//
// Never edit a shipped migration; add a new one at the end.
#include "lib/store/db.hpp"

#include <chrono>
#include <ctime>
#include <iterator>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

#include <SQLiteCpp/SQLiteCpp.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include "lib/core/error.hpp"
#include "lib/core/paths.hpp"
#include "lib/store/migrations.hpp"

namespace webox::store {
namespace {

constexpr int kBusyTimeoutMs = 10000;

// Every step of the schema, in order (lib/store/migrations.hpp). To add one,
// append its line here: { N, migration_NN_<what> }. One step per line, so
// that adding one is a one-line change:
// clang-format off
constexpr Migration kMigrations[] = {
    {1, migration_01_calls},
    {2, migration_02_cooldowns},
    {3, migration_03_media},
    {4, migration_04_leads},
    {5, migration_05_workflow},
    {6, migration_06_dm_ledger},
    {7, migration_07_export_state},
    {8, migration_08_contact_source},
    {9, migration_09_private_replies},
    {10, migration_10_export_progress},
    {11, migration_11_webhook_keys},
    {12, migration_12_rag},
    {13, migration_13_agent},
    {14, migration_14_history},
    // 15, 16 and 17 are reserved this round for the serve, batch and
    // interview branches; until they merge, empty steps hold their places so
    // that 18 keeps its number (the merge replaces them with the real ones).
    {15, migration_reserved},
    {16, migration_reserved},
    {17, migration_reserved},
    {18, migration_18_leads_lifecycle},
};
// clang-format on

// user_version counts applied steps, so the list must be 1, 2, 3... with no
// gap or repeat (a merge that numbered two steps alike fails to compile).
constexpr bool numbered_in_order() {
  int expected = 1;
  for (const Migration &m : kMigrations)
    if (m.version != expected++) return false;
  return true;
}
static_assert(numbered_in_order(), "kMigrations must be numbered 1, 2, 3... in order");

int latest_version() { return static_cast<int>(std::size(kMigrations)); }

bool is_in_memory(const std::filesystem::path &file) {
  const std::string s = file.string();
  return s.empty() || s == ":memory:" || s.rfind("file:", 0) == 0;
}

// SQLite gives its -wal and -shm files the mode of the database file, so
// creating the file 0600 before SQLite does keeps all three private.
void create_private_file(const std::filesystem::path &file) {
  if (file.has_parent_path()) paths::ensure_private_dir(file.parent_path());
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd >= 0) ::close(fd); // failures surface, with a better message, when SQLite opens it
}

int read_user_version(SQLite::Database &db) {
  return db.execAndGet("PRAGMA user_version").getInt();
}

bool is_busy(const SQLite::Exception &e) {
  return e.getErrorCode() == SQLITE_BUSY || e.getErrorCode() == SQLITE_LOCKED;
}

// Switching a file to WAL needs an exclusive lock, and SQLite reports
// SQLITE_BUSY at once, without calling the busy handler, when another
// connection is opening the same fresh file. So retry here for as long as
// the busy timeout would have waited. WAL is a property of the file: once
// one opener has switched it, the others see "wal" and stop.
void use_wal(SQLite::Database &db) {
  using clock = std::chrono::steady_clock;
  const auto deadline = clock::now() + std::chrono::milliseconds(kBusyTimeoutMs);
  for (;;) {
    try {
      if (db.execAndGet("PRAGMA journal_mode").getString() == "wal") return;
      if (db.execAndGet("PRAGMA journal_mode=WAL").getString() == "wal") return;
    } catch (const SQLite::Exception &e) {
      if (!is_busy(e) || clock::now() >= deadline) throw;
    }
    if (clock::now() >= deadline) {
      // Still correct without WAL, only less concurrent.
      spdlog::warn("database {}: could not switch to WAL mode", db.getFilename());
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

void apply_migration(SQLite::Database &db, const Migration &step) {
  db.exec("BEGIN IMMEDIATE");
  try {
    if (read_user_version(db) < step.version) {
      step.apply(db);
      db.exec("PRAGMA user_version = " + std::to_string(step.version));
    }
    db.exec("COMMIT");
  } catch (...) {
    db.tryExec("ROLLBACK");
    throw;
  }
}

void migrate(SQLite::Database &db, const std::string &file) {
  int version = read_user_version(db);
  if (version > latest_version())
    throw Error("database " + file + " has schema version " + std::to_string(version) +
                ", newer than this webox understands (" + std::to_string(latest_version()) +
                "); upgrade webox or point WEBOX_DB elsewhere");
  for (const Migration &step : kMigrations)
    if (step.version > version) apply_migration(db, step);
}

// A SQLite failure as a webox::Error naming the file; "busy" after the
// timeout is a temporary condition (another process holds the lock).
[[noreturn]] void rethrow_as_error(const std::string &file, const SQLite::Exception &e) {
  if (is_busy(e))
    throw Error("database " + file + " is locked by another process: " + e.what(),
                ExitCode::temporary);
  throw Error("database " + file + ": " + e.what());
}

} // namespace

Db::Db(const std::filesystem::path &file) {
  try {
    if (!is_in_memory(file)) create_private_file(file);
    m_db = std::make_unique<SQLite::Database>(
        file.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE, kBusyTimeoutMs);
    if (!is_in_memory(file)) use_wal(*m_db);
    m_db->exec("PRAGMA foreign_keys = ON");
    m_db->exec("PRAGMA synchronous = NORMAL");
    migrate(*m_db, file.string());
  } catch (const SQLite::Exception &e) {
    rethrow_as_error(file.string(), e);
  }
}

Db::~Db() = default;

int Db::latest_schema_version() { return latest_version(); }

int Db::schema_version() const {
  try {
    return read_user_version(*m_db);
  } catch (const SQLite::Exception &e) {
    rethrow_as_error(m_db->getFilename(), e);
  }
}

WriteTransaction::WriteTransaction(Db &db) : m_db(db) {
  try {
    // Inside a transaction already (a caller batching many writes), this one
    // becomes a savepoint: its rollback undoes only its own writes.
    m_nested = sqlite3_get_autocommit(m_db.sql().getHandle()) == 0;
    m_db.sql().exec(m_nested ? "SAVEPOINT webox_nested" : "BEGIN IMMEDIATE");
  } catch (const SQLite::Exception &e) {
    rethrow_as_error(m_db.sql().getFilename(), e);
  }
}

WriteTransaction::~WriteTransaction() {
  if (m_done) return;
  // noexcept: a destructor must not throw
  if (m_nested) m_db.sql().tryExec("ROLLBACK TO webox_nested; RELEASE webox_nested");
  else m_db.sql().tryExec("ROLLBACK");
}

void WriteTransaction::commit() {
  try {
    m_db.sql().exec(m_nested ? "RELEASE webox_nested" : "COMMIT");
    m_done = true;
  } catch (const SQLite::Exception &e) {
    rethrow_as_error(m_db.sql().getFilename(), e);
  }
}

void rethrow_sql_error(Db &db) {
  try {
    throw;
  } catch (const SQLite::Exception &e) {
    rethrow_as_error(db.sql().getFilename(), e);
  }
}

std::string now_iso8601() {
  using namespace std::chrono;
  auto now = system_clock::now();
  auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  std::time_t secs = system_clock::to_time_t(now);
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  char buf[40];
  size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(ms));
  return buf;
}

} // namespace webox::store
