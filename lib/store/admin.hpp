// `webox store`: what a store is (info) and moving a whole store from one
// backend to another (copy). cli/cmd_store.cpp parses and prints only.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "lib/store/db.hpp"
#include "lib/store/open.hpp"
#include "lib/store/workspace.hpp"

namespace webox::store {

struct StoreInfo {
  std::string backend; // sqlite, postgresql
  std::string where;   // the file, or the URL without its password
  int schema_version = 0;
  int latest_version = 0;                            // what this webox migrates to
  int64_t bytes = -1;                                // the file, or the database on the server; -1 when unknown
  std::vector<std::pair<std::string, int64_t>> rows; // per data table, in creation order
};

// What `db` holds, read only: open it with Db::AsItIs so that an old schema
// is reported (schema_version < latest_version: `webox store migrate`), not
// upgraded behind the user's back.
StoreInfo store_info(Db &db);

struct MigrateResult {
  std::string backend;
  std::string where;
  int before = 0; // the schema version found
  int after = 0;  // the version now (this webox's latest)
};

// Creates or upgrades the schema of the database `backend` is connected to.
// Throws webox::Error (a schema newer than this webox: exit 1).
MigrateResult migrate_store(std::unique_ptr<Backend> backend);

struct CopyOptions {
  // Replace what the target holds (its rows are deleted in the same
  // transaction as the copy); without it a target with any row is refused.
  bool force = false;
  // Rows read from a PostgreSQL source per FETCH (memory: one batch).
  int batch_rows = 1000;
  // Called after each table: its name and the rows copied.
  std::function<void(const std::string &, int64_t)> on_table;
};

struct CopyResult {
  std::vector<std::pair<std::string, int64_t>> rows; // per table, as copied and counted on the target
  int64_t total = 0;
};

// Copies every data table of `from` into `to` (both migrated to this
// webox's schema), table by table in creation order (the migrations' order,
// so foreign keys find their rows), rows streamed, in ONE write transaction
// on the target: interrupted or failed, the target is as before. The counts
// of each table are compared at the end, before the commit. Throws
// webox::Error: exit 2 for a target that is not empty (without force) or is
// the source itself; store errors as usual (busy, server gone: 75).
CopyResult copy_store(Db &from, Db &to, const CopyOptions &options);

// One side of `webox store copy`: `value` (a path or a URL, named by
// `option` in messages) in `workspace`, the same on both sides. A source
// (`must_exist`) must be there: a missing file or server workspace (a typo)
// would be created empty and copy nothing (UsageError, exit 2).
Location copy_endpoint(const std::string &value, const char *option, const Workspace &workspace, bool must_exist);

} // namespace webox::store
