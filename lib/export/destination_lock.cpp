#include "lib/export/destination_lock.hpp"

#include "lib/core/crypto.hpp"
#include "lib/core/error.hpp"
#include "lib/core/paths.hpp"

namespace webox::exporting {

// Hashed in the file name: a destination may be a URL or a path, neither
// file-name safe.
DestinationLock::DestinationLock(store::Db &db, const std::string &state_key)
    : m_lock(db, "export:" + state_key,
             paths::state_dir() / "locks" /
                 ("export-" + crypto::hex_encode(crypto::sha256(state_key)).substr(0, 24) + ".lock")) {
  if (!m_lock.held()) throw Error("another webox leads export to this destination is running", ExitCode::temporary);
}

} // namespace webox::exporting
