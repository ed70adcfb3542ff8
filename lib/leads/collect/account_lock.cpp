#include "lib/leads/collect/account_lock.hpp"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "lib/core/error.hpp"
#include "lib/core/paths.hpp"

namespace webox::leads {
namespace {

// Account ids become file names: keep [A-Za-z0-9._-], replace the rest.
std::string file_safe(const std::string &s) {
  std::string out;
  for (char c : s) out += (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-') ? c : '_';
  return out.empty() ? "default" : out;
}

} // namespace

AccountLock::AccountLock(const std::string &platform, const std::string &account) {
  auto dir = paths::state_dir() / "locks";
  paths::ensure_private_dir(dir);
  auto file = dir / (file_safe(platform) + "-" + file_safe(account) + ".lock");
  m_fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (m_fd < 0) throw Error("cannot open lock file " + file.string() + ": " + std::strerror(errno));
  if (::flock(m_fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    ::close(m_fd);
    m_fd = -1;
    if (err == EWOULDBLOCK)
      throw Error("another scrape-interactions run holds the lock for " + platform + " account " + account + " (" +
                      file.string() + "); try again when it has finished",
                  ExitCode::temporary);
    throw Error("cannot lock " + file.string() + ": " + std::strerror(err));
  }
}

AccountLock::~AccountLock() {
  if (m_fd >= 0) ::close(m_fd); // closing releases the flock
}

} // namespace webox::leads
