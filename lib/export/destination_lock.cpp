#include "lib/export/destination_lock.hpp"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "lib/core/crypto.hpp"
#include "lib/core/error.hpp"
#include "lib/core/paths.hpp"

namespace webox::exporting {

DestinationLock::DestinationLock(const std::string &state_key) {
  auto dir = paths::state_dir() / "locks";
  paths::ensure_private_dir(dir);
  // Hashed: a destination may be a URL or a path, neither file-name safe.
  auto file = dir / ("export-" + crypto::hex_encode(crypto::sha256(state_key)).substr(0, 24) + ".lock");
  m_fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (m_fd < 0) throw Error("cannot open lock file " + file.string() + ": " + std::strerror(errno));
  if (::flock(m_fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    ::close(m_fd);
    m_fd = -1;
    if (err == EWOULDBLOCK) throw Error("another webox leads export to this destination is running", ExitCode::temporary);
    throw Error("cannot lock " + file.string() + ": " + std::strerror(err));
  }
}

DestinationLock::~DestinationLock() {
  if (m_fd >= 0) ::close(m_fd);
}

} // namespace webox::exporting
