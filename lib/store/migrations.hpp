// The steps of the store's schema. Step N takes the schema from
// PRAGMA user_version N-1 to N; lib/store/db.cpp applies the steps a
// database lacks, each in its own transaction, and sets user_version.
//
// One step, one function, one file: lib/store/migration_NN_<what>.cpp.
// A step only changes the schema (or rewrites rows for it); it neither
// opens a transaction nor touches user_version. A shipped step is never
// edited: a change is a new step at the end (CONTRIBUTING.md, "Adding a
// migration").
#pragma once

namespace SQLite {
class Database;
}

namespace webox::store {

struct Migration {
  int version; // the user_version it brings the schema to
  void (*apply)(SQLite::Database &db);
};

void migration_01_calls(SQLite::Database &db);
void migration_02_cooldowns(SQLite::Database &db);
void migration_03_media(SQLite::Database &db);
void migration_04_leads(SQLite::Database &db);
void migration_05_workflow(SQLite::Database &db);
void migration_06_dm_ledger(SQLite::Database &db);
void migration_07_export_state(SQLite::Database &db);
void migration_08_contact_source(SQLite::Database &db);
void migration_09_private_replies(SQLite::Database &db);
void migration_10_export_progress(SQLite::Database &db);
void migration_11_webhook_keys(SQLite::Database &db);
void migration_12_rag(SQLite::Database &db);
void migration_13_agent(SQLite::Database &db);
void migration_14_history(SQLite::Database &db);
// Placeholder of a step another branch of this round brings (see db.cpp).
inline void migration_reserved(SQLite::Database &) {}
void migration_18_leads_lifecycle(SQLite::Database &db);

} // namespace webox::store
