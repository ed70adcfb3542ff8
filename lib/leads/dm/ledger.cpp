#include "lib/leads/dm/ledger.hpp"

#include <ctime>

#include "lib/store/db.hpp"
#include <nlohmann/json.hpp>

#include "lib/leads/collect/record.hpp"
#include "lib/leads/optout/optouts.hpp"

namespace webox::leads {
namespace {

constexpr const char *kColumns =
    "id, campaign, platform, account, person_id, coalesce(lead_id, 0), state, text, coalesce(message_id, ''), "
    "coalesce(error_code, ''), coalesce(error, ''), day, updated_at, coalesce(comment_id, '') FROM dm_ledger ";

LedgerRow row_of(store::Statement &q) {
  LedgerRow r;
  r.id = q.getColumn(0).getInt64();
  r.campaign = q.getColumn(1).getString();
  r.platform = q.getColumn(2).getString();
  r.account = q.getColumn(3).getString();
  r.person_id = q.getColumn(4).getInt64();
  r.lead_id = q.getColumn(5).getInt64();
  r.state = q.getColumn(6).getString();
  r.text = q.getColumn(7).getString();
  r.message_id = q.getColumn(8).getString();
  r.error_code = q.getColumn(9).getString();
  r.error = q.getColumn(10).getString();
  r.day = q.getColumn(11).getString();
  r.updated_at = q.getColumn(12).getString();
  r.comment_id = q.getColumn(13).getString();
  return r;
}

// The time of an intent and of a send: the clock the quota's day is read
// from (WEBOX_NOW pins both), so a sequence's delays can be tested over
// simulated days (lib/leads/sequence/).
std::string ledger_now() { return iso8601_utc(unix_now()); }

} // namespace

std::string utc_day(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

std::optional<LedgerRow> DmLedger::find(const std::string &campaign, const std::string &platform, int64_t person_id) {
  return store::guarded(m_db, [&]() -> std::optional<LedgerRow> {
    store::Statement q(m_db, std::string("SELECT ") + kColumns + "WHERE campaign = ? AND platform = ? AND person_id = ?");
    q.bind(1, campaign);
    q.bind(2, platform);
    q.bind(3, person_id);
    if (!q.executeStep()) return std::nullopt;
    return row_of(q);
  });
}

int64_t DmLedger::used_on(const std::string &platform, const std::string &account, const std::string &day) {
  return store::guarded(m_db, [&] {
    store::Statement q(m_db, "SELECT count(*) FROM dm_ledger WHERE platform = ? AND account = ? AND day = ? "
                                    "AND state IN ('intent', 'sent')");
    q.bind(1, platform);
    q.bind(2, account);
    q.bind(3, day);
    q.executeStep();
    return q.getColumn(0).getInt64();
  });
}

std::optional<int64_t> DmLedger::record_intent(const LedgerRow &r, int64_t daily_quota, bool *quota_spent) {
  if (quota_spent) *quota_spent = false;
  return store::guarded(m_db, [&]() -> std::optional<int64_t> {
    store::WriteTransaction tx(m_db);
    // Counted after the write lock is taken: every intent another process
    // committed before is seen, none can commit until this one does.
    if (used_on(r.platform, r.account, r.day) >= daily_quota) {
      if (quota_spent) *quota_spent = true;
      return std::nullopt;
    }
    // Checked under the write lock: an opt-out committed by collection
    // before this claim is always seen (lib/leads/optout/optouts.hpp).
    store::Statement opted(m_db, "SELECT " + optout_covering_sql("?1") + " IS NOT NULL");
    opted.bind(1, r.person_id);
    if (opted.executeStep() && opted.getColumn(0).getInt() != 0) return std::nullopt;
    std::string now = ledger_now();
    // A failed attempt may be tried again; an intent or a sent row never.
    store::Statement up(m_db,
                         "INSERT INTO dm_ledger(campaign, platform, account, person_id, lead_id, state, text, day, created_at, updated_at, "
                         "comment_id) VALUES(?, ?, ?, ?, ?, 'intent', ?, ?, ?, ?, ?) "
                         "ON CONFLICT(campaign, platform, person_id) DO UPDATE SET state = 'intent', text = excluded.text, "
                         "account = excluded.account, day = excluded.day, error_code = NULL, error = NULL, "
                         "comment_id = excluded.comment_id, updated_at = excluded.updated_at WHERE dm_ledger.state = 'failed'");
    up.bind(1, r.campaign);
    up.bind(2, r.platform);
    up.bind(3, r.account);
    up.bind(4, r.person_id);
    if (r.lead_id) up.bind(5, r.lead_id);
    else up.bind(5);
    up.bind(6, r.text);
    up.bind(7, r.day);
    up.bind(8, now);
    up.bind(9, now);
    if (r.comment_id.empty()) up.bind(10);
    else up.bind(10, r.comment_id);
    try {
      // The refusal below is an answer: the transaction must go on after it.
      store::Savepoint point(m_db);
      const int claimed = up.exec();
      point.release();
      if (claimed == 0) return std::nullopt;
    } catch (const store::SqlError &e) {
      // dm_ledger_comment: another row (another campaign, another run) holds
      // this comment. Nothing was written; the caller reports it.
      if (e.is_unique_violation() && !r.comment_id.empty()) return std::nullopt;
      throw;
    }
    store::Statement id(m_db, "SELECT id FROM dm_ledger WHERE campaign = ? AND platform = ? AND person_id = ?");
    id.bind(1, r.campaign);
    id.bind(2, r.platform);
    id.bind(3, r.person_id);
    id.executeStep();
    int64_t row = id.getColumn(0).getInt64();
    tx.commit();
    return row;
  });
}

void DmLedger::mark_sent(int64_t id, const std::string &message_id) {
  store::guarded(m_db, [&] {
    store::WriteTransaction tx(m_db);
    std::string now = ledger_now();
    store::Statement up(m_db, "UPDATE dm_ledger SET state = 'sent', message_id = ?, updated_at = ? WHERE id = ?");
    up.bind(1, message_id);
    up.bind(2, now);
    up.bind(3, id);
    up.exec();
    store::Statement q(m_db, "SELECT d.lead_id, d.campaign, d.platform, l.status FROM dm_ledger d "
                                    "JOIN leads l ON l.id = d.lead_id WHERE d.id = ?");
    q.bind(1, id);
    if (q.executeStep()) {
      int64_t lead = q.getColumn(0).getInt64();
      std::string campaign = q.getColumn(1).getString(), platform = q.getColumn(2).getString(), status = q.getColumn(3).getString();
      store::Statement ev(m_db, "INSERT INTO lead_events(lead_id, kind, detail, created_at) VALUES(?, ?, ?, ?)");
      ev.bind(1, lead);
      ev.bind(2, "dm");
      ev.bind(3, nlohmann::json{{"campaign", campaign}, {"platform", platform}, {"message_id", message_id}}.dump());
      ev.bind(4, now);
      ev.exec();
      // Only a new lead becomes contacted: one already in progress,
      // converted or refused keeps its status.
      if (status == "new") {
        store::Statement st(m_db, "UPDATE leads SET status = 'contacted', updated_at = ? WHERE id = ?");
        st.bind(1, now);
        st.bind(2, lead);
        st.exec();
        ev.reset();
        ev.bind(1, lead);
        ev.bind(2, "status");
        ev.bind(3, nlohmann::json{{"from", "new"}, {"to", "contacted"}, {"note", "dm campaign " + campaign}}.dump());
        ev.bind(4, now);
        ev.exec();
      }
    }
    tx.commit();
  });
}

void DmLedger::mark_failed(int64_t id, const std::string &code, const std::string &error) {
  store::guarded(m_db, [&] {
    store::WriteTransaction tx(m_db);
    store::Statement up(m_db, "UPDATE dm_ledger SET state = 'failed', error_code = ?, error = ?, updated_at = ? WHERE id = ?");
    up.bind(1, code);
    up.bind(2, error);
    up.bind(3, store::now_iso8601());
    up.bind(4, id);
    up.exec();
    if (code == "comment_used" || code == "comment_gone") {
      store::Statement spend(m_db, "INSERT INTO dm_spent_comments(platform, comment_id, spent_at) "
                                   "SELECT platform, comment_id, ? FROM dm_ledger WHERE id = ? AND comment_id IS NOT NULL "
                                   "ON CONFLICT(platform, comment_id) DO NOTHING");
      spend.bind(1, store::now_iso8601());
      spend.bind(2, id);
      spend.exec();
    }
    tx.commit();
  });
}

std::set<std::string> DmLedger::used_comments(const std::string &platform, const std::vector<std::string> &candidates) {
  return store::guarded(m_db, [&] {
    std::set<std::string> used;
    if (candidates.empty()) return used;
    // Same condition as the partial index dm_ledger_comment, so it is used.
    store::Statement q(m_db, "SELECT EXISTS(SELECT 1 FROM dm_ledger WHERE platform = ?1 AND comment_id = ?2 "
                                    "AND comment_id IS NOT NULL AND state IN ('intent','sent')) "
                                    "OR EXISTS(SELECT 1 FROM dm_spent_comments WHERE platform = ?1 AND comment_id = ?2)");
    for (const auto &c : candidates) {
      q.reset();
      q.bind(1, platform);
      q.bind(2, c);
      q.executeStep();
      if (q.getColumn(0).getInt()) used.insert(c);
    }
    return used;
  });
}

std::vector<LedgerRow> DmLedger::uncertain(const std::string &campaign) {
  return store::guarded(m_db, [&] {
    store::Statement q(m_db, std::string("SELECT ") + kColumns + "WHERE state = 'intent' AND (? = '' OR campaign = ?) ORDER BY id");
    q.bind(1, campaign);
    q.bind(2, campaign);
    std::vector<LedgerRow> out;
    while (q.executeStep()) out.push_back(row_of(q));
    return out;
  });
}

void DmLedger::resolve(int64_t id, bool was_sent) {
  if (was_sent) return mark_sent(id, "");
  store::guarded(m_db, [&] {
    store::WriteTransaction tx(m_db);
    store::Statement del(m_db, "DELETE FROM dm_ledger WHERE id = ? AND state = 'intent'");
    del.bind(1, id);
    del.exec();
    tx.commit();
  });
}

} // namespace webox::leads
