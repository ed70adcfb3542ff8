// Which comment, if any, a DM may answer as an Instagram *private reply*.
//
// WHY. A business cannot start an Instagram conversation: a direct message
// needs the person to have written within 24 hours (social-apis.md §1.9).
// The one policy-compliant way to write to someone who only commented is a
// private reply: `{"recipient":{"comment_id": C}}`, one per comment, within
// 7 days of the comment. So a campaign answers the newest comment that is
// recent enough and was never used for a private reply (by any campaign),
// and only without one falls back to the 24-hour-window message.
//
// The choice is pure (comments, the comments already used, now) so its
// boundary is tested on its own (tests/unit/test_leads_dm_private_reply.cpp);
// the ledger says which comments are used (dm_ledger.hpp).
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace webox::leads {

// One comment or reply the person wrote under our media.
struct DmComment {
  std::string id;    // the platform's comment id (interactions.platform_id)
  int64_t at = 0;    // Unix seconds
};

// Meta: "within 7 days of the creation time of the comment".
constexpr int64_t kPrivateReplyMaxAgeSeconds = 7 * 86400;

// The newest comment younger than `max_age` seconds at `now` (strictly: a
// comment exactly 7 days old is too old) and not in `used`; nullopt when
// there is none. A comment dated slightly in the future (clocks differ) counts
// as fresh.
std::optional<DmComment> choose_private_reply(const std::vector<DmComment> &comments, const std::set<std::string> &used,
                                              int64_t now, int64_t max_age = kPrivateReplyMaxAgeSeconds);

} // namespace webox::leads
