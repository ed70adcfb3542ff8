// The store's leads side as one run sees it: accounts, their resume
// cursors, the run's counts and caches. Writing a page is
// lib/leads/collect/page_writer.cpp, scoring lib/leads/score/, the phone
// fallback lib/leads/contacts/phone_asking.cpp, reading lib/leads/query/.
#include "lib/leads/leads_store.hpp"

#include "lib/store/db.hpp"
#include "lib/leads/privacy/privacy.hpp"

#include "lib/leads/collect/person_index.hpp"
#include "lib/leads/collect/record.hpp"
#include "lib/leads/contacts/phone_fallback.hpp"

namespace webox::leads {

bool LeadsStore::suppressed(const std::string &platform, const std::string &id, const std::string &username) {
  if (!m_suppression_salt) {
    m_suppression_salt = suppression_salt(m_db, false);
  }
  return is_suppressed(m_db, *m_suppression_salt, platform, id, username);
}

LeadsStore::LeadsStore(store::Db &db, LeadsSettings settings, int64_t now)
    : m_db(db), m_settings(std::move(settings)), m_phones(m_settings.phone_regions), m_optout_words(m_settings.optout_words), m_now(now) {
  ensure_person_index(m_db);
}

LeadsStore::~LeadsStore() = default;

int64_t LeadsStore::now() const { return m_now ? m_now : unix_now(); }

int64_t LeadsStore::account(const std::string &platform, const std::string &platform_account_id) {
  return store::guarded(m_db, [&] {
    store::WriteTransaction tx(m_db);
    store::Statement ins(m_db, "INSERT INTO accounts(platform, platform_account_id, created_at) VALUES(?, ?, ?) "
                                      "ON CONFLICT(platform, platform_account_id) DO NOTHING");
    ins.bind(1, platform);
    ins.bind(2, platform_account_id);
    ins.bind(3, store::now_iso8601());
    ins.exec();
    store::Statement q(m_db, "SELECT id FROM accounts WHERE platform = ? AND platform_account_id = ?");
    q.bind(1, platform);
    q.bind(2, platform_account_id);
    q.executeStep();
    int64_t id = q.getColumn(0).getInt64();
    tx.commit();
    return id;
  });
}

std::map<std::string, std::string> LeadsStore::cursors(int64_t account_id) {
  return store::guarded(m_db, [&] {
    std::map<std::string, std::string> out;
    store::Statement q(m_db, "SELECT edge, cursor FROM sync_cursors WHERE account_id = ?");
    q.bind(1, account_id);
    while (q.executeStep()) out[q.getColumn(0).getString()] = q.getColumn(1).getString();
    return out;
  });
}


} // namespace webox::leads
