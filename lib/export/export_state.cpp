#include "lib/export/export_state.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

namespace webox::exporting {
std::optional<ExportState> load_state(store::Db &db, const std::string &destination) {
  return store::guarded(db, [&]() -> std::optional<ExportState> {
    SQLite::Statement q(db.sql(), "SELECT watermark, rows, updated_at FROM export_state WHERE destination = ?");
    q.bind(1, destination);
    if (!q.executeStep()) return std::nullopt;
    return ExportState{q.getColumn(0).getString(), q.getColumn(1).getInt64(), q.getColumn(2).getString()};
  });
}

void save_state(store::Db &db, const std::string &destination, const std::string &watermark, int64_t rows) {
  store::guarded(db, [&] {
    store::WriteTransaction tx(db);
    SQLite::Statement q(db.sql(), "INSERT INTO export_state(destination, watermark, rows, updated_at) VALUES(?, ?, ?, ?) "
                                  "ON CONFLICT(destination) DO UPDATE SET watermark = excluded.watermark, "
                                  "rows = excluded.rows, updated_at = excluded.updated_at");
    q.bind(1, destination);
    q.bind(2, watermark);
    q.bind(3, rows);
    q.bind(4, store::now_iso8601());
    q.exec();
    tx.commit();
  });
}

std::optional<std::string> remote_id(store::Db &db, const std::string &destination, int64_t lead_id) {
  return store::guarded(db, [&]() -> std::optional<std::string> {
    SQLite::Statement q(db.sql(), "SELECT remote_id FROM export_remote_ids WHERE destination = ? AND lead_id = ?");
    q.bind(1, destination);
    q.bind(2, lead_id);
    if (!q.executeStep()) return std::nullopt;
    return q.getColumn(0).getString();
  });
}

void save_remote_id(store::Db &db, const std::string &destination, int64_t lead_id, const std::string &id) {
  store::guarded(db, [&] {
    SQLite::Statement q(db.sql(), "INSERT INTO export_remote_ids(destination, lead_id, remote_id, updated_at) VALUES(?, ?, ?, ?) "
                                  "ON CONFLICT(destination, lead_id) DO UPDATE SET remote_id = excluded.remote_id, "
                                  "updated_at = excluded.updated_at");
    q.bind(1, destination);
    q.bind(2, lead_id);
    q.bind(3, id);
    q.bind(4, store::now_iso8601());
    q.exec();
  });
}

} // namespace webox::exporting
