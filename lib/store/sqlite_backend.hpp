// The built-in store backend: one SQLite file (or a database in memory).
#pragma once

#include <filesystem>
#include <memory>

#include "lib/store/backend.hpp"

namespace webox::store {

// Opens (creating parent directories with mode 0700 and the file with mode
// 0600), in WAL mode with a busy timeout and foreign keys on. Throws SqlError.
std::unique_ptr<Backend> open_sqlite(const std::filesystem::path &file);

} // namespace webox::store
