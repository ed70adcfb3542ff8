// One export at a time per destination, across every process that uses the
// store (lib/store/exclusive_lock.hpp), so two overlapping cron runs never
// send the same leads twice: on SQLite an flock(2) on
// $XDG_STATE_HOME/webox/locks/export-<hash of the destination>.lock; on
// PostgreSQL an advisory lock of the database, which other hosts see too.
// Either is dropped when the process dies, however it dies.
#pragma once

#include <string>

#include "lib/store/exclusive_lock.hpp"

namespace webox::exporting {

class DestinationLock {
public:
  // Throws Error (exit 75) when another export to `state_key` is running.
  // `db` outlives the lock.
  DestinationLock(store::Db &db, const std::string &state_key);

private:
  store::ExclusiveLock m_lock;
};

} // namespace webox::exporting
