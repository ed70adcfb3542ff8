#include "lib/leads/optout/optouts.hpp"

#include <algorithm>

#include "lib/store/db.hpp"

#include "lib/core/error.hpp"
#include "lib/leads/collect/record.hpp"

namespace webox::leads {

std::string optout_covering_sql(const std::string &person_id) {
  return "(SELECT min(o.id) FROM optouts o WHERE o.person_id = " + person_id +
         " OR o.person_id IN (SELECT c2.person_id FROM contacts c1 JOIN contacts c2 ON c2.kind = c1.kind AND "
         "c2.value = c1.value WHERE c1.person_id = " + person_id + "))";
}

std::optional<Optout> covering_optout(store::Db &db, int64_t person_id) {
  return store::guarded(db, [&]() -> std::optional<Optout> {
    store::Statement q(db, "SELECT o.person_id, p.platform, coalesce(p.username, ''), p.platform_user_id, o.reason, o.source, "
                                  "o.created_at FROM optouts o JOIN people p ON p.id = o.person_id WHERE o.id = " +
                                      optout_covering_sql("?1"));
    q.bind(1, person_id);
    if (!q.executeStep()) return std::nullopt;
    Optout o;
    o.person_id = q.getColumn(0).getInt64();
    o.platform = q.getColumn(1).getString();
    std::string username = q.getColumn(2).getString();
    o.handle = username.empty() ? q.getColumn(3).getString() : "@" + username;
    o.reason = q.getColumn(4).getString();
    o.source = q.getColumn(5).getString();
    o.created_at = q.getColumn(6).getString();
    return o;
  });
}

int64_t resolve_person(store::Db &db, const std::string &ref, const std::string &platform) {
  return store::guarded(db, [&] {
    const bool numeric = !ref.empty() && ref.size() < 18 && std::all_of(ref.begin(), ref.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (numeric) {
      store::Statement q(db, "SELECT person_id FROM leads WHERE id = ?");
      q.bind(1, static_cast<int64_t>(std::stoll(ref)));
      if (q.executeStep()) return q.getColumn(0).getInt64();
    }
    const std::string name = ref.starts_with("@") ? ref.substr(1) : ref;
    store::Statement q(db, "SELECT id, platform FROM people WHERE (username = ?1 OR platform_user_id = ?2 OR platform_user_id = ?3) "
                                  "AND (?4 = '' OR platform = ?4) ORDER BY id LIMIT 10");
    q.bind(1, name);
    q.bind(2, ref);
    q.bind(3, "@" + name);
    q.bind(4, platform);
    std::vector<std::pair<int64_t, std::string>> found;
    while (q.executeStep()) found.emplace_back(q.getColumn(0).getInt64(), q.getColumn(1).getString());
    if (found.empty())
      throw UsageError("nobody known as " + ref + (platform.empty() ? "" : " on " + platform) + " (see webox leads search)");
    if (found.size() > 1) {
      std::string where;
      for (const auto &[id, p] : found) where += (where.empty() ? "" : ", ") + p;
      throw UsageError("'" + ref + "' names several people (" + where + "); add --platform");
    }
    return found.front().first;
  });
}

bool record_optout(store::Db &db, int64_t person_id, const std::string &reason, const std::string &source, int64_t interaction_id) {
  return store::guarded(db, [&] {
    store::Statement q(db, "INSERT INTO optouts(person_id, reason, source, interaction_id, created_at) VALUES(?, ?, ?, ?, ?) "
                                  "ON CONFLICT(person_id) DO NOTHING");
    q.bind(1, person_id);
    q.bind(2, reason);
    q.bind(3, source);
    if (interaction_id) q.bind(4, interaction_id);
    else q.bind(4);
    q.bind(5, iso8601_utc(unix_now())); // WEBOX_NOW pins it (tests over simulated days)
    return q.exec() > 0;
  });
}

bool remove_optout(store::Db &db, int64_t person_id) {
  return store::guarded(db, [&] {
    store::Statement q(db, "DELETE FROM optouts WHERE person_id = ?");
    q.bind(1, person_id);
    return q.exec() > 0;
  });
}

} // namespace webox::leads
