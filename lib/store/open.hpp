// Opening the store the user chose: WEBOX_DB, else `store.url` in the
// config file, else the default file. A path is a SQLite file; a
// postgresql:// or postgres:// URL a PostgreSQL database reached through
// webox-pg.so, loaded only then (the core binary never links libpq).
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "lib/store/db.hpp"

namespace webox::store {

// Where the store is and which setting said so ("WEBOX_DB", "store.url in
// FILE", "default"), for messages.
struct Location {
  std::string value;
  std::string setting;
  bool is_server() const;
  // `value` with its password (and any secret parameter) hidden.
  std::string shown() const;
};

// True for a URL that asks for PostgreSQL.
bool is_postgresql_url(std::string_view location);

// WEBOX_DB, else `store: {url: ...}` of `config_file`, else the default file.
// A `store` section that is not a mapping, or a url that is not a string,
// throws webox::Error (exit 4).
Location store_location(const std::filesystem::path &config_file);

// Opens and migrates. Throws webox::Error naming the setting: exit 4 for a
// malformed URL, an unknown scheme, a refused role or password, a missing
// webox-pg.so; 75 for a server that is down or unreachable. Messages never
// hold the URL's password nor PGPASSWORD.
std::unique_ptr<Db> open(const Location &location);

// The backend alone, not migrated (`webox store info` reads a database
// without changing it). Same errors as open().
std::unique_ptr<Backend> connect(const Location &location);

} // namespace webox::store
