#include "lib/export/export_state.hpp"

#include "lib/store/db.hpp"

namespace webox::exporting {
std::optional<ExportState> load_state(store::Db &db, const std::string &destination) {
  return store::guarded(db, [&]() -> std::optional<ExportState> {
    store::Statement q(db, "SELECT watermark, rows, updated_at FROM export_state WHERE destination = ?");
    q.bind(1, destination);
    if (!q.executeStep()) return std::nullopt;
    return ExportState{q.getColumn(0).getString(), q.getColumn(1).getInt64(), q.getColumn(2).getString()};
  });
}

void save_state(store::Db &db, const std::string &destination, const std::string &watermark, int64_t rows) {
  store::guarded(db, [&] {
    store::WriteTransaction tx(db);
    store::Statement q(db, "INSERT INTO export_state(destination, watermark, rows, updated_at) VALUES(?, ?, ?, ?) "
                                  "ON CONFLICT(destination) DO UPDATE SET watermark = excluded.watermark, "
                                  "rows = excluded.rows, updated_at = excluded.updated_at");
    q.bind(1, destination);
    q.bind(2, watermark);
    q.bind(3, rows);
    q.bind(4, store::now_iso8601());
    q.exec();
    store::Statement done(db, "DELETE FROM export_progress WHERE destination = ?");
    done.bind(1, destination);
    done.exec();
    tx.commit();
  });
}

std::optional<ExportProgress> load_progress(store::Db &db, const std::string &destination) {
  return store::guarded(db, [&]() -> std::optional<ExportProgress> {
    store::Statement q(db, "SELECT scope, since, watermark, after_id, rows FROM export_progress WHERE destination = ?");
    q.bind(1, destination);
    if (!q.executeStep()) return std::nullopt;
    ExportProgress p;
    p.scope = q.getColumn(0).getString();
    if (!q.getColumn(1).isNull()) p.since = q.getColumn(1).getString();
    p.watermark = q.getColumn(2).getString();
    p.after_id = q.getColumn(3).getInt64();
    p.rows = q.getColumn(4).getInt64();
    return p;
  });
}

Checkpoint::Checkpoint(store::Db &db, std::string destination, ExportProgress run, std::optional<ExportProgress> resumed)
    : m_db(db), m_destination(std::move(destination)), m_run(std::move(run)),
      m_floor(resumed ? resumed->after_id : 0) {}

void Checkpoint::acknowledged(int64_t last_id, int64_t rows) {
  if (m_frozen || last_id < m_floor) return;
  m_run.after_id = last_id;
  m_run.rows = rows;
  store::guarded(m_db, [&] {
    store::Statement q(m_db,
                        "INSERT INTO export_progress(destination, scope, since, watermark, after_id, rows, updated_at) "
                        "VALUES(?, ?, ?, ?, ?, ?, ?) ON CONFLICT(destination) DO UPDATE SET scope = excluded.scope, "
                        "since = excluded.since, watermark = excluded.watermark, after_id = excluded.after_id, "
                        "rows = excluded.rows, updated_at = excluded.updated_at");
    q.bind(1, m_destination);
    q.bind(2, m_run.scope);
    if (m_run.since) q.bind(3, *m_run.since);
    else q.bind(3);
    q.bind(4, m_run.watermark);
    q.bind(5, m_run.after_id);
    q.bind(6, m_run.rows);
    q.bind(7, store::now_iso8601());
    q.exec();
  });
}

std::optional<std::string> remote_id(store::Db &db, const std::string &destination, int64_t lead_id) {
  return store::guarded(db, [&]() -> std::optional<std::string> {
    store::Statement q(db, "SELECT remote_id FROM export_remote_ids WHERE destination = ? AND lead_id = ?");
    q.bind(1, destination);
    q.bind(2, lead_id);
    if (!q.executeStep()) return std::nullopt;
    return q.getColumn(0).getString();
  });
}

void save_remote_id(store::Db &db, const std::string &destination, int64_t lead_id, const std::string &id) {
  store::guarded(db, [&] {
    store::Statement q(db, "INSERT INTO export_remote_ids(destination, lead_id, remote_id, updated_at) VALUES(?, ?, ?, ?) "
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
