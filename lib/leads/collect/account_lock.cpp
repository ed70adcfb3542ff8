#include "lib/leads/collect/account_lock.hpp"

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

AccountLock::AccountLock(store::Db &db, const std::string &platform, const std::string &account)
    : m_lock(db, "collect:" + platform + ":" + account,
             paths::state_dir() / "locks" / (file_safe(platform) + "-" + file_safe(account) + ".lock")) {
  if (!m_lock.held())
    throw Error("another scrape-interactions run holds the lock for " + platform + " account " + account + " (" +
                    m_lock.where() + "); try again when it has finished",
                ExitCode::temporary);
}

} // namespace webox::leads
