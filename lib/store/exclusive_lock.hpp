// A lock that one process at a time holds, across every process that uses
// the store: one collection per account, one export per destination.
//
// SQLite (one host): an flock(2) on a file the caller names; the kernel
// drops it when the process dies, however it dies.
// PostgreSQL (many hosts): a session-level advisory lock of the database
// (pg_try_advisory_lock on a 64-bit hash of the name and the current schema),
// which every host sharing the database sees; the server drops it when the
// session ends, a killed process or a lost connection included. A file lock
// on each host would let two hosts run the same collection or export at once.
//
// Never waits: a lock held elsewhere is an answer (the caller exits 75).
#pragma once

#include <filesystem>
#include <string>

#include "lib/core/fd.hpp"

namespace webox::store {

class Db;

class ExclusiveLock {
public:
  // Tries to take the lock `name` (any text). `file`: the lock file on a
  // SQLite store (its directory is created); unused on a server. Throws
  // webox::Error when the lock cannot even be tried (a file that cannot be
  // opened, a statement that fails).
  ExclusiveLock(Db &db, const std::string &name, const std::filesystem::path &file);
  ~ExclusiveLock();
  ExclusiveLock(const ExclusiveLock &) = delete;
  ExclusiveLock &operator=(const ExclusiveLock &) = delete;

  // False when another process holds it.
  bool held() const { return m_held; }
  // Where the lock lives, for messages: the file, or "a lock of the database".
  const std::string &where() const { return m_where; }

private:
  Db &m_db;
  Fd m_fd;         // SQLite
  bool m_server = false;
  bool m_held = false;
  std::string m_where;
  std::string m_name; // held on a server: released by name
};

} // namespace webox::store
