// Migration 9: Instagram private replies (lib/leads/dm_private_reply.hpp): the
// comment a ledger row answered, if any. Meta allows one private reply
// per comment, ever, so a comment held by an intent or a sent row is
// unique across campaigns (the index also makes that check cheap).
// dm_spent_comments keeps the comments the platform said were already
// answered (2534025): the failed row that learnt it may be reused later
// for another comment, the fact must outlive it.
#include "lib/store/migrations.hpp"

#include "lib/store/db.hpp"

namespace webox::store {

void migration_09_private_replies(Db &db) {
  db.exec(R"sql(
        ALTER TABLE dm_ledger ADD COLUMN comment_id TEXT;
        CREATE UNIQUE INDEX dm_ledger_comment ON dm_ledger(platform, comment_id)
          WHERE comment_id IS NOT NULL AND state IN ('intent','sent');
        CREATE TABLE dm_spent_comments(
          platform   TEXT NOT NULL,
          comment_id TEXT NOT NULL,
          spent_at   TEXT NOT NULL,
          PRIMARY KEY(platform, comment_id)
        ) WITHOUT ROWID;
      )sql");
}

} // namespace webox::store
