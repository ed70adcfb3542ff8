// The interactions_by_person index around a bulk import.
//
// That index is keyed by person, and an import's rows come in input order,
// so every row lands on a random leaf: with a million rows each page of
// 20,000 rewrote most of the index's leaves (WAL frames, then checkpoint
// copies). Measured on 1,000,000 lines (bench/import.sh): 13.7 s of page
// writing with the index kept up to date, 8.2 s without it, plus 1.1 s for
// CREATE INDEX, which sorts the keys once and writes each leaf once.
//
// So a large import (at least `bulk_rows` rows expected, and at least as
// many as the table already holds: rebuilding costs a sort of all of them)
// drops the index before its first page and creates it again after its last
// one, before scoring, which reads it.
//
// Killed in between, the database is left without the index: every query is
// still right, only slower, and the next LeadsStore opened (any `leads`
// command, the next scrape) creates it again. A lock file beside the
// database (<db>-import.lock, flock(2): released by the kernel however the
// process dies) is held by the import while the index is out, so that no
// other process rebuilds it in the middle of the import; an import that
// finds the lock taken keeps the index as it is.
#pragma once

#include <cstdint>

#include "lib/core/fd.hpp"

namespace webox::store {
class Db;
}

namespace webox::leads {

// Rows from which an import counts as bulk; WEBOX_IMPORT_BULK_ROWS overrides it.
constexpr int64_t kDefaultBulkRows = 100000;

class PersonIndexDeferral {
public:
  // Drops the index when the import is bulk (see above) and the lock is free.
  PersonIndexDeferral(store::Db &db, int64_t expected_rows, int64_t bulk_rows);
  // Without finish() (an error, Ctrl-C), the index stays out until the next
  // LeadsStore: building it can take seconds, and the user asked to stop.
  ~PersonIndexDeferral();
  PersonIndexDeferral(const PersonIndexDeferral &) = delete;
  PersonIndexDeferral &operator=(const PersonIndexDeferral &) = delete;

  bool deferred() const { return m_deferred; }
  // Creates the index again (once; nothing when it was never dropped).
  void finish();

private:
  store::Db &m_db;
  Fd m_lock; // held while the index is out
  bool m_deferred = false;
};

// Creates the index when an interrupted import left it out and no import
// holds the lock. Cheap when it exists (one read of the schema).
void ensure_person_index(store::Db &db);

} // namespace webox::leads
