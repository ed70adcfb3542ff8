#include "lib/leads/dm/private_reply.hpp"

namespace webox::leads {

std::optional<DmComment> choose_private_reply(const std::vector<DmComment> &comments, const std::set<std::string> &used,
                                              int64_t now, int64_t max_age) {
  std::optional<DmComment> best;
  for (const auto &c : comments) {
    if (c.id.empty() || now - c.at >= max_age || used.count(c.id)) continue;
    // Ties on time: the larger id, so the choice does not depend on row order.
    if (!best || c.at > best->at || (c.at == best->at && c.id > best->id)) best = c;
  }
  return best;
}

} // namespace webox::leads
