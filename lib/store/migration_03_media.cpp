// Migration 3: The media gallery: every generated image and audio file.
#include "lib/store/migrations.hpp"

#include "lib/store/db.hpp"

namespace webox::store {

void migration_03_media(Db &db) {
  db.exec(R"sql(
        CREATE TABLE media(
          id           INTEGER PRIMARY KEY,
          kind         TEXT NOT NULL,     -- 'image' or 'audio'
          provider     TEXT NOT NULL,
          model        TEXT NOT NULL,
          prompt       TEXT,              -- the prompt, or the spoken text
          options_json TEXT,
          file_path    TEXT NOT NULL,     -- absolute, or '-' for stdout
          media_type   TEXT,
          sha256       TEXT,
          bytes        INTEGER NOT NULL,
          cost         REAL,              -- NULL when unknown
          created_at   TEXT NOT NULL
        );
        CREATE INDEX media_by_kind ON media(kind, id);
      )sql");
}

} // namespace webox::store
