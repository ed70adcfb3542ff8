// The person index around a bulk import; see person_index.hpp.
#include "lib/leads/collect/person_index.hpp"

#include <string>

#include <fcntl.h>
#include <sys/file.h>

#include <spdlog/spdlog.h>

#include "lib/store/db.hpp"

namespace webox::leads {
namespace {

constexpr const char *kIndex = "interactions_by_person";
// As migration 4 (lib/store/migration_04_leads.cpp) creates it (a test compares the two).
constexpr const char *kCreateIndex =
    "CREATE INDEX IF NOT EXISTS interactions_by_person ON interactions(person_id, occurred_at, kind, intent)";

// Only a SQLite file defers its index: a server store is shared by other
// hosts, whose queries need the index while an import runs.
bool defers_index(store::Db &db) { return db.backend().kind() == "sqlite"; }

bool index_exists(store::Db &db) {
  store::Statement q(db, "SELECT 1 FROM sqlite_schema WHERE type = 'index' AND name = ?");
  q.bind(1, kIndex);
  return q.executeStep();
}

// The lock file of the database, taken without waiting; not valid when
// someone else holds it, or for a database without a file.
Fd try_lock(store::Db &db) {
  std::string file = db.file(); // empty for a database in memory
  if (file.empty()) return Fd();
  std::string lock = file + "-import.lock";
  Fd fd(::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!fd.valid() || ::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) return Fd();
  return fd;
}

void create_index(store::Db &db) {
  store::WriteTransaction tx(db);
  db.exec(kCreateIndex);
  tx.commit();
}

} // namespace

PersonIndexDeferral::PersonIndexDeferral(store::Db &db, int64_t expected_rows, int64_t bulk_rows) : m_db(db) {
  if (expected_rows < bulk_rows || !defers_index(db)) return;
  store::guarded(m_db, [&] {
    int64_t stored = m_db.execAndGet("SELECT coalesce(max(rowid), 0) FROM interactions").getInt64();
    if (expected_rows < stored || !index_exists(m_db)) return;
    m_lock = try_lock(m_db);
    if (!m_lock.valid()) return; // another import has it out, or no file: keep things as they are
    store::WriteTransaction tx(m_db);
    m_db.exec(std::string("DROP INDEX IF EXISTS ") + kIndex);
    tx.commit();
    m_deferred = true;
  });
}

PersonIndexDeferral::~PersonIndexDeferral() = default; // closing the lock file releases the flock

void PersonIndexDeferral::finish() {
  if (!m_deferred) return;
  store::guarded(m_db, [&] { create_index(m_db); });
  m_deferred = false;
}

void ensure_person_index(store::Db &db) {
  if (!defers_index(db)) return;
  store::guarded(db, [&] {
    if (index_exists(db)) return;
    Fd lock = try_lock(db);
    if (!lock.valid() && !db.file().empty()) return; // an import is running: it creates the index when done
    spdlog::info("creating the index {} that an interrupted import left out", kIndex);
    create_index(db);
  });
}

} // namespace webox::leads
