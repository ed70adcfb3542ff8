// Opening the store the user chose: WEBOX_DB, else `store.url` in the
// config file, else the default file. A path is a SQLite file; a
// postgresql:// or postgres:// URL a PostgreSQL database reached through
// webox-pg.so, loaded only then (the core binary never links libpq).
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "lib/store/db.hpp"
#include "lib/store/workspace.hpp"

namespace webox::store {

// Where the store is and which setting said so ("WEBOX_DB", "store.url in
// FILE", "default"), for messages; and the workspace in it
// (lib/store/workspace.hpp).
struct Location {
  Location() = default;
  // In the default workspace.
  Location(std::string where, std::string named_by) : value(std::move(where)), setting(std::move(named_by)) {}

  // SQLite: the workspace's file; PostgreSQL: the URL (every workspace's).
  std::string value;
  std::string setting;
  Workspace workspace;
  // SQLite: the default workspace's file, when `value` is another's.
  std::string base_file;
  std::string default_file() const { return base_file.empty() ? value : base_file; }
  bool is_server() const;
  // `value` with its password (and any secret parameter) hidden.
  std::string shown() const;
};

// True for a URL that asks for PostgreSQL.
bool is_postgresql_url(std::string_view location);

// WEBOX_DB, else `store: {url: ...}` of `config_file`, else the default file;
// in the workspace select_workspace(workspace_flag, config_file) chooses.
// A `store` section that is not a mapping, or a url that is not a string,
// throws webox::Error (exit 4); a bad workspace name exits 2 (4 from the
// config file).
Location store_location(const std::filesystem::path &config_file, const std::string &workspace_flag = {});

// `where` (in its default workspace) moved to `workspace`: on SQLite
// another file, on PostgreSQL another schema of the same database.
Location in_workspace(Location where, Workspace workspace);

// Opens and migrates. Throws webox::Error naming the setting: exit 4 for a
// malformed URL, an unknown scheme, a refused role or password, a missing
// webox-pg.so; 75 for a server that is down or unreachable. Messages never
// hold the URL's password nor PGPASSWORD.
std::unique_ptr<Db> open(const Location &location);

// The backend alone, not migrated (`webox store info` reads a database
// without changing it). Same errors as open().
std::unique_ptr<Backend> connect(const Location &location);

} // namespace webox::store
