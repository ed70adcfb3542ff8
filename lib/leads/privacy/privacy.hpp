// Personal-data rights (GDPR articles 15 and 17): everything stored about a
// person as one JSON document (`webox leads export-person`), and its erasure
// (`webox leads forget`), leaving only a salted hash in the suppression list
// so that a later collection does not bring the person back.
//
// THE SALT. 32 random bytes, hex, created on the first forget. A SQLite
// store keeps it in `webox-suppression.salt` next to the database (mode
// 0600); a server store, which hosts share without sharing a folder, in its
// table suppression_salt (migration 19), so that a person forgotten on one
// host is not collected again by another. Without it the hashes cannot be
// matched to anyone, not even by webox: losing it means forgotten people may
// be collected again.
//
// All SQL of this feature is in privacy.cpp (portable SQL, store::guarded),
// but for reclaim_space(), which is each backend's own.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "lib/store/db.hpp"

namespace webox::leads {

// The salt of `db` (see THE SALT; created when `create`): "" when nobody was
// ever forgotten and `create` is false, and always for a SQLite database in
// memory. Collection and forget both ask here.
std::string suppression_salt(store::Db &db, bool create);

// After `webox store copy` moved the suppression list from `from` to `to`:
// gives `to` the salt of `from` (its file, or its table row), replacing
// any, so the copied hashes still match. Nothing when `from` has none.
void carry_suppression_salt(store::Db &from, store::Db &to);

// The suppression hash of (platform, platform user id or "@username").
std::string suppression_hash(const std::string &salt, const std::string &platform, const std::string &id);

// True when (platform, id) or (platform, "@" + username) was forgotten.
bool is_suppressed(store::Db &db, const std::string &salt, const std::string &platform, const std::string &id,
                   const std::string &username);

// Everything stored about person `person_id`.
nlohmann::json export_person(store::Db &db, int64_t person_id);

struct ForgetCounts {
  int64_t interactions = 0, contacts = 0, ledger = 0, events = 0, calls = 0;
};
// Erases the person from every table (and so from the FTS index of the
// logged calls, through its triggers) in one transaction, adds their hashes
// to the suppression list, then reclaims the space.
ForgetCounts forget_person(store::Db &db, int64_t person_id, const std::string &salt);

// SQLite: VACUUM, then a WAL checkpoint that truncates the -wal file: the
// erased bytes are left neither in the database file nor in its WAL.
// PostgreSQL: VACUUM of the tables that hold personal data, so that the
// erased row versions are removed and their space reused; it cannot promise
// more. The bytes may stay in the server's files until overwritten, in its
// WAL until recycled, and in replicas and backups: those are the database
// operator's (VACUUM FULL takes an exclusive lock on the shared tables, which
// would stop every host; webox-leads(1) says so).
void reclaim_space(store::Db &db);

// Deletes the interactions older than `days` days before `now` (the
// contacts found in them stay); returns how many. leads.retention_days.
int64_t purge_interactions(store::Db &db, int days, int64_t now);

} // namespace webox::leads
