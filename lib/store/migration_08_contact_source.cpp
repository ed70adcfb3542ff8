// Migration 8: Where a contact detail comes from: 'matcher' (libphonenumber, the
// e-mail scanner) or 'model:<provider:model>' (the LLM phone fallback,
// lib/leads/phone_fallback.hpp).
#include "lib/store/migrations.hpp"

#include "lib/store/db.hpp"

namespace webox::store {

void migration_08_contact_source(Db &db) {
  db.exec(R"sql(
        ALTER TABLE contacts ADD COLUMN detected_by TEXT NOT NULL DEFAULT 'matcher';
      )sql");
}

} // namespace webox::store
