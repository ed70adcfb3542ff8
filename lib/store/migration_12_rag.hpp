// Migration 12: retrieval collections (`webox rag`). Registered in db.cpp's
// list of migrations; see migration_12_rag.cpp for the schema.
#pragma once

namespace webox::store {

// The SQL script taking the schema from version 11 to 12.
const char *migration_12_rag();

} // namespace webox::store
