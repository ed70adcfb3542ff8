// The DM ledger: what each campaign sent to whom, and the daily quota.
//
// WHY AN INTENT FIRST. A platform gives direct messages no idempotency key
// (social-apis.md §1.9), so "did it leave?" cannot be asked afterwards. The
// ledger row is therefore committed as an `intent` BEFORE the message is
// handed to the platform, and completed (`sent`, or `failed` when the
// platform said for sure it was not delivered) after. A process killed
// between the two leaves an intent: the next run of that campaign reports
// the person as uncertain instead of writing again. Nobody gets two
// messages from one campaign, at the price of a few people the user has to
// check by hand (`webox leads dm --uncertain`).
//
// A `failed` row is not a contact: the next run may try that person again
// (the 24-hour window may have opened meanwhile). Intents and sent rows
// count against the account's daily quota (UTC day); failed ones do not.
//
// PRIVATE REPLIES (private_reply.hpp). A row may name the comment it
// answers (`comment_id`). An intent or a sent row holds its comment for good,
// across campaigns (a unique index: two runs cannot both take it); a comment
// the platform said was already answered (code `comment_used`) or no longer
// takes a private reply (`comment_gone`: deleted or hidden) is kept in
// dm_spent_comments, so the row may later be retried with another comment.
// Tables: migrations 6 and 9 in lib/store/db.cpp.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "lib/store/db.hpp"

namespace webox::leads {

struct LedgerRow {
  int64_t id = 0;
  std::string campaign, platform, account;
  int64_t person_id = 0;
  int64_t lead_id = 0;
  std::string state; // intent, sent, failed
  std::string text, message_id, error_code, error, day, updated_at;
  std::string comment_id; // the comment answered by a private reply, "" for a direct message
};

// record_intent without a quota (tests, tools).
inline constexpr int64_t kNoDailyQuota = INT64_MAX;

class DmLedger {
public:
  explicit DmLedger(store::Db &db) : m_db(db) {}

  std::optional<LedgerRow> find(const std::string &campaign, const std::string &platform, int64_t person_id);
  // Intents and sent messages of (platform, account) on `day` (YYYY-MM-DD).
  int64_t used_on(const std::string &platform, const std::string &account, const std::string &day);
  // Commits an intent (a new row, or a failed row tried again) and returns
  // its id; nullopt when the row is already an intent or sent, when its
  // comment_id is already held by another row, when the person is opted
  // out (lib/leads/optout/optouts.hpp), or when the account's intents and
  // sent messages of row.day already reach `daily_quota` (*quota_spent is
  // then true); nothing is written then. The quota is counted under the
  // write lock, in the transaction that writes the intent: N processes (N
  // hosts on PostgreSQL) running one campaign never pass it together.
  std::optional<int64_t> record_intent(const LedgerRow &row, int64_t daily_quota = kNoDailyQuota,
                                      bool *quota_spent = nullptr);
  // The message left: the row becomes `sent` and, in the same transaction,
  // the lead moves from `new` to `contacted` with a history event.
  void mark_sent(int64_t id, const std::string &message_id);
  // The platform said for sure the message was not delivered. With code
  // `comment_used` or `comment_gone` the row's comment is recorded as spent.
  void mark_failed(int64_t id, const std::string &code, const std::string &error);
  // Those of `candidates` (comment ids on `platform`) that may not be used
  // for a private reply any more: held by an intent or a sent row, or spent.
  std::set<std::string> used_comments(const std::string &platform, const std::vector<std::string> &candidates);
  // Intents never completed (uncertain), of one campaign or all ("").
  std::vector<LedgerRow> uncertain(const std::string &campaign);
  // The user checked an uncertain one by hand: it was sent, or it was not
  // (the row is removed and the next run may send).
  void resolve(int64_t id, bool was_sent);

private:
  store::Db &m_db;
};

// Today's date in UTC, YYYY-MM-DD (the quota's day).
std::string utc_day(int64_t unix_seconds);

} // namespace webox::leads
