// One collection at a time per account: an flock(2) on
// $XDG_STATE_HOME/webox/locks/<platform>-<account>.lock.
//
// flock, not a PID file: the kernel drops the lock when the process dies,
// however it dies (SIGKILL included), so a crashed cron run never leaves a
// stale lock behind for the next one to trip over.
#pragma once

#include <string>

namespace webox::leads {

class AccountLock {
public:
  // Throws webox::Error with ExitCode::temporary (75) when another process
  // holds the lock.
  AccountLock(const std::string &platform, const std::string &account);
  ~AccountLock();
  AccountLock(const AccountLock &) = delete;
  AccountLock &operator=(const AccountLock &) = delete;

private:
  int m_fd = -1;
};

} // namespace webox::leads
