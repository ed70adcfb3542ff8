// One export at a time per destination: an flock(2) on
// $XDG_STATE_HOME/webox/locks/export-<hash of the destination>.lock, so two
// overlapping cron runs never send the same leads twice. The kernel drops
// the lock when the process dies, however it dies.
#pragma once

#include <string>

namespace webox::exporting {

class DestinationLock {
public:
  // Throws Error (exit 75) when another export to `state_key` is running.
  explicit DestinationLock(const std::string &state_key);
  ~DestinationLock();
  DestinationLock(const DestinationLock &) = delete;
  DestinationLock &operator=(const DestinationLock &) = delete;

private:
  int m_fd = -1;
};

} // namespace webox::exporting
