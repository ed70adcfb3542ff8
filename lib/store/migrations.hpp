// The steps of the store's schema. Step N takes the schema from
// version N-1 to N (SQLite: PRAGMA user_version); lib/store/db.cpp applies the steps a
// database lacks, each in its own transaction, and sets user_version.
//
// One step, one function, one file: lib/store/migration_NN_<what>.cpp.
// A step only changes the schema (or rewrites rows for it); it neither
// opens a transaction nor touches user_version. A shipped step is never
// edited: a change is a new step at the end (CONTRIBUTING.md, "Adding a
// migration").
#pragma once

namespace webox::store {

class Db;

struct Migration {
  int version; // the user_version it brings the schema to
  void (*apply)(Db &db);
};

void migration_01_calls(Db &db);
void migration_02_cooldowns(Db &db);
void migration_03_media(Db &db);
void migration_04_leads(Db &db);
void migration_05_workflow(Db &db);
void migration_06_dm_ledger(Db &db);
void migration_07_export_state(Db &db);
void migration_08_contact_source(Db &db);
void migration_09_private_replies(Db &db);
void migration_10_export_progress(Db &db);
void migration_11_webhook_keys(Db &db);
void migration_12_rag(Db &db);
void migration_13_agent(Db &db);
void migration_14_history(Db &db);
void migration_15_webhook_deliveries(Db &db);
void migration_16_batches(Db &db);
void migration_17_interview(Db &db);
void migration_18_leads_lifecycle(Db &db);
void migration_19_suppression_salt(Db &db);

} // namespace webox::store
