// Migration 11: Webhook keys without credentials. Keys were
// "webhook:URL-without-query#hash"; a URL's userinfo (user:password@)
// stayed in them. It is cut out here (the last '@' of the authority,
// which ends at the first '/' or at the '#' before the hash); the hash
// of the full URL still tells destinations apart.
#include "lib/store/migrations.hpp"

#include "lib/store/db.hpp"

namespace webox::store {

void migration_11_webhook_keys(Db &db) {
  // A rewrite of keys written before it (SQLite's instr and UPDATE OR
  // REPLACE). A PostgreSQL store starts at a later schema: its export_state
  // is empty when this step runs, so the step numbers alike and does nothing.
  if (db.backend().kind() != "sqlite") return;
  db.exec(R"sql(
        CREATE TEMP TABLE webox_key_parts AS
          SELECT destination AS old,
                 substr(destination, 1, instr(destination, '://') + 2) AS head,
                 substr(destination, instr(destination, '://') + 3) AS after
          FROM export_state WHERE destination LIKE 'webhook:%://%';
        CREATE TEMP TABLE webox_key_authority AS
          SELECT old, head, after,
                 substr(after, 1, (CASE WHEN instr(after, '/') > 0 THEN instr(after, '/') ELSE instr(after, '#') END) - 1)
                   AS authority
          FROM webox_key_parts;
        DELETE FROM webox_key_authority WHERE instr(authority, '@') = 0;
        UPDATE OR REPLACE export_state
          SET destination = (SELECT head || substr(after, length(rtrim(authority, replace(authority, '@', ''))) + 1)
                             FROM webox_key_authority WHERE old = export_state.destination)
          WHERE destination IN (SELECT old FROM webox_key_authority);
        DROP TABLE webox_key_parts;
        DROP TABLE webox_key_authority;
      )sql");
}

} // namespace webox::store
