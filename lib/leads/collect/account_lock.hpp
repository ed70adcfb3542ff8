// One collection at a time per account, across every process that uses the
// store (lib/store/exclusive_lock.hpp): on SQLite an flock(2) on
// $XDG_STATE_HOME/webox/locks/<platform>-<account>.lock; on PostgreSQL an
// advisory lock of the database, so that a second host exits 75 too.
//
// Neither is a PID file: the kernel, or the server, drops the lock when the
// process dies, however it dies (SIGKILL included), so a crashed cron run
// never leaves a stale lock behind for the next one to trip over.
#pragma once

#include <string>

#include "lib/store/exclusive_lock.hpp"

namespace webox::leads {

class AccountLock {
public:
  // Throws webox::Error with ExitCode::temporary (75) when another process
  // holds the lock. `db` outlives the lock.
  AccountLock(store::Db &db, const std::string &platform, const std::string &account);

private:
  store::ExclusiveLock m_lock;
};

} // namespace webox::leads
