// Opening the store and migrating it, whatever the backend.
//
// Migrations are an append-only list of numbered steps (kMigrations below,
// one function per step in lib/store/migration_NN_<what>.cpp); step N brings
// the schema from version N-1 to N. Each runs in its own write transaction
// (SQLite: BEGIN IMMEDIATE) that re-reads the version after taking the write lock: when
// two processes open a fresh database at the same moment, the second one
// waits for the lock, sees that the first already applied the step, and
// skips it instead of failing on "table already exists".
//
// Never edit a shipped migration; add a new one at the end.
#include "lib/store/db.hpp"

#include <chrono>
#include <ctime>
#include <iterator>
#include <vector>

#include "lib/core/error.hpp"
#include "lib/store/migrations.hpp"
#include "lib/store/sqlite_backend.hpp"

namespace webox::store {
namespace {

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
    {15, migration_15_webhook_deliveries},
    {16, migration_16_batches},
    {17, migration_17_interview},
    {18, migration_18_leads_lifecycle},
    {19, migration_19_suppression_salt},
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

void apply_migration(Db &db, const Migration &step) {
  Backend &backend = db.backend();
  backend.begin_write();
  try {
    if (backend.schema_version() < step.version) {
      step.apply(db);
      backend.set_schema_version(step.version);
    }
    backend.exec("COMMIT");
  } catch (...) {
    db.tryExec("ROLLBACK");
    throw;
  }
}

void migrate(Db &db) {
  int version = db.backend().schema_version();
  if (version > latest_version())
    throw Error("database " + db.backend().where() + " has schema version " + std::to_string(version) +
                ", newer than this webox understands (" + std::to_string(latest_version()) +
                "); upgrade webox or point WEBOX_DB elsewhere");
  for (const Migration &step : kMigrations)
    if (step.version > version) apply_migration(db, step);
}

// A failed statement as a webox::Error naming the database; "busy" after the
// timeout, or a server that may come back, is a temporary condition.
[[noreturn]] void rethrow_as_error(const std::string &where, const SqlError &e) {
  if (e.is_busy())
    throw Error("database " + where + " is locked by another process: " + e.what(), ExitCode::temporary);
  if (e.kind() == SqlError::Kind::unavailable)
    throw Error("database " + where + ": " + e.what(), ExitCode::temporary);
  if (e.kind() == SqlError::Kind::configuration) throw Error("database " + where + ": " + e.what(), ExitCode::config);
  throw Error("database " + where + ": " + e.what());
}

} // namespace

Db::Db(const std::filesystem::path &file) {
  try {
    m_backend = open_sqlite(file);
    migrate(*this);
  } catch (const SqlError &e) {
    rethrow_as_error(file.string(), e);
  }
}

Db::Db(std::unique_ptr<Backend> backend) : m_backend(std::move(backend)) {
  try {
    migrate(*this);
  } catch (const SqlError &e) {
    rethrow_as_error(m_backend->where(), e);
  }
}

Db::Db(std::unique_ptr<Backend> backend, AsItIs) : m_backend(std::move(backend)) {}

Db::~Db() = default;

bool Db::tryExec(std::string_view sql) noexcept {
  try {
    m_backend->exec(sql);
    return true;
  } catch (...) {
    return false;
  }
}

Column Db::execAndGet(std::string_view sql) {
  std::shared_ptr<Cursor> cursor = m_backend->prepare(sql);
  if (!cursor->step()) throw SqlError(SqlError::Kind::other, "no row to get a column from");
  return Column(*cursor, 0, cursor);
}

int Db::latest_schema_version() { return latest_version(); }

int Db::schema_version() const {
  try {
    return m_backend->schema_version();
  } catch (const SqlError &e) {
    rethrow_as_error(m_backend->where(), e);
  }
}

WriteTransaction::WriteTransaction(Db &db) : m_db(db) {
  try {
    // Inside a transaction already (a caller batching many writes), this one
    // becomes a savepoint: its rollback undoes only its own writes.
    m_nested = m_db.backend().in_transaction();
    if (m_nested) m_db.exec("SAVEPOINT webox_nested");
    else m_db.backend().begin_write();
  } catch (const SqlError &e) {
    rethrow_as_error(m_db.backend().where(), e);
  }
}

WriteTransaction::~WriteTransaction() {
  if (m_done) return;
  // noexcept: a destructor must not throw
  if (m_nested) m_db.tryExec("ROLLBACK TO webox_nested; RELEASE webox_nested");
  else m_db.tryExec("ROLLBACK");
}

void WriteTransaction::commit() {
  try {
    m_db.exec(m_nested ? "RELEASE webox_nested" : "COMMIT");
    m_done = true;
  } catch (const SqlError &e) {
    rethrow_as_error(m_db.backend().where(), e);
  }
}

// One name for every savepoint: both engines roll back to and release the
// innermost of a name, which is what nested RAII objects need.
Savepoint::Savepoint(Db &db) : m_db(db) {
  if (!m_db.backend().in_transaction()) return;
  m_db.exec("SAVEPOINT webox_savepoint");
  m_active = true;
}

Savepoint::~Savepoint() {
  if (m_active) m_db.tryExec("ROLLBACK TO webox_savepoint; RELEASE webox_savepoint");
}

void Savepoint::release() {
  if (!m_active) return;
  m_db.exec("RELEASE webox_savepoint");
  m_active = false;
}

void throw_store_error(const std::string &where, const SqlError &e) { rethrow_as_error(where, e); }

void rethrow_sql_error(Db &db) {
  try {
    throw;
  } catch (const SqlError &e) {
    rethrow_as_error(db.backend().where(), e);
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
