// See exclusive_lock.hpp.
#include "lib/store/exclusive_lock.hpp"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/file.h>

#include "lib/core/error.hpp"
#include "lib/core/paths.hpp"
#include "lib/store/db.hpp"

namespace webox::store {
namespace {

// hashtextextended (PostgreSQL 11+) maps the name to the 64-bit key space of
// advisory locks; the schema is part of the name so that two workspaces (a
// schema each) never hold each other's locks. The write lock of the backend
// (pg_module.cpp) is one fixed key of the same space: a collision is a 2^-64
// chance of a needless exit 75.
constexpr const char *kTryServerLock =
    "SELECT pg_try_advisory_lock(hashtextextended(current_schema() || ':' || ?, 0))";
constexpr const char *kUnlockServerLock =
    "SELECT pg_advisory_unlock(hashtextextended(current_schema() || ':' || ?, 0))";

bool exclusive_lock_on_server(Db &db, const std::string &name) {
  return guarded(db, [&] {
    Statement q(db, kTryServerLock);
    q.bind(1, name);
    return q.executeStep() && q.getColumn(0).getInt() != 0;
  });
}

} // namespace

ExclusiveLock::ExclusiveLock(Db &db, const std::string &name, const std::filesystem::path &file)
    : m_db(db), m_server(db.backend().kind() != "sqlite") {
  if (m_server) {
    m_where = "a lock of the database " + db.backend().where();
    m_held = exclusive_lock_on_server(db, name);
    if (m_held) m_name = name;
    return;
  }
  m_where = file.string();
  paths::ensure_private_dir(file.parent_path());
  m_fd = Fd(::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!m_fd.valid()) throw Error("cannot open lock file " + m_where + ": " + std::strerror(errno));
  if (::flock(m_fd.get(), LOCK_EX | LOCK_NB) == 0) {
    m_held = true;
    return;
  }
  const int err = errno;
  m_fd = Fd();
  if (err != EWOULDBLOCK) throw Error("cannot lock " + m_where + ": " + std::strerror(err));
}

ExclusiveLock::~ExclusiveLock() {
  if (!m_server || !m_held) return; // closing the file releases the flock
  // Best effort: a connection that is gone released it already, and a
  // session that ends releases it too.
  try {
    Statement q(m_db, kUnlockServerLock);
    q.bind(1, m_name);
    q.executeStep();
  } catch (...) {
  }
}

} // namespace webox::store
