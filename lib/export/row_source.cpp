#include "lib/export/row_source.hpp"

#include <variant>

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

namespace webox::exporting {

struct RowSource::Impl {
  Impl(store::Db &d, int page, int max_rows) : db(d), page_size(page > 0 ? page : 2000), limit(max_rows) {}
  store::Db &db;
  // Raw SQLite for the hot loop: cells borrow sqlite3_column_text buffers
  // (SQLiteCpp hides the statement handle and would copy each value).
  std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)> query{nullptr, sqlite3_finalize};
  std::vector<std::variant<int64_t, std::string>> binds;
  int64_t last_id = 0;
  int page_size;
  int limit; // 0 = all
  std::vector<Cell> cells;
};

RowSource::RowSource(store::Db &db, const leads::LeadFilter &f, std::vector<const Field *> fields, bool lists_joined,
                     std::optional<std::string> changed_after, int page_size, std::optional<Delivered> delivered)
    : m(std::make_unique<Impl>(db, page_size, f.limit)),
      m_fields(std::move(fields)) {
  store::guarded(db, [&] {
    SQLite::Statement w(db.sql(), "SELECT max(updated_at) FROM leads");
    if (w.executeStep() && !w.getColumn(0).isNull()) m_watermark = w.getColumn(0).getString();

    // The same filters as `leads list` (lib/leads/leads_store.cpp), plus the
    // incremental window; column 0 is always the lead id (the paging key).
    std::string sql = "SELECT l.id";
    for (const Field *field : m_fields)
      sql += ", " + std::string(lists_joined && !field->sql_joined.empty() ? field->sql_joined : field->sql);
    sql += " FROM leads l JOIN people p ON p.id = l.person_id WHERE l.id > ?";
    if (!f.platform.empty()) sql += " AND p.platform = ?", m->binds.emplace_back(f.platform);
    if (!f.status.empty()) sql += " AND l.status = ?", m->binds.emplace_back(f.status);
    if (f.min_score) sql += " AND l.score >= ?", m->binds.emplace_back(int64_t{*f.min_score});
    if (f.has_phone) sql += " AND l.phones <> '[]'";
    if (f.since) sql += " AND p.last_interaction_at >= ?", m->binds.emplace_back(*f.since);
    if (changed_after) sql += " AND l.updated_at > ?", m->binds.emplace_back(*changed_after);
    sql += " AND l.updated_at <= ?";
    m->binds.emplace_back(m_watermark);
    if (delivered) {
      sql += " AND NOT (l.id <= ? AND l.updated_at <= ?)";
      m->binds.emplace_back(delivered->through_id);
      m->binds.emplace_back(delivered->watermark);
    }
    sql += " ORDER BY l.id LIMIT ?";
    sqlite3_stmt *stmt = nullptr;
    sqlite3 *handle = db.sql().getHandle();
    int rc = sqlite3_prepare_v2(handle, sql.c_str(), static_cast<int>(sql.size()), &stmt, nullptr);
    m->query.reset(stmt);
    if (rc != SQLITE_OK) throw SQLite::Exception(handle, rc);
  });
  m->cells.resize(m_fields.size());
}

RowSource::~RowSource() = default;

size_t RowSource::next_page(const RowFn &row, size_t max_rows) {
  int64_t n = max_rows ? static_cast<int64_t>(max_rows) : m->page_size;
  if (m->limit > 0) n = std::min<int64_t>(n, m->limit - m_rows);
  if (n <= 0) return 0;
  return store::guarded(m->db, [&]() -> size_t {
    sqlite3_stmt *raw = m->query.get();
    sqlite3 *handle = m->db.sql().getHandle();
    sqlite3_reset(raw);
    int i = 1;
    sqlite3_bind_int64(raw, i++, m->last_id);
    for (const auto &b : m->binds) {
      if (std::holds_alternative<int64_t>(b)) {
        sqlite3_bind_int64(raw, i++, std::get<int64_t>(b));
      } else {
        const std::string &text = std::get<std::string>(b);
        sqlite3_bind_text(raw, i++, text.data(), static_cast<int>(text.size()), SQLITE_STATIC); // binds outlive the statement's use
      }
    }
    sqlite3_bind_int64(raw, i, n);
    size_t count = 0;
    const int columns = static_cast<int>(m_fields.size());
    int rc;
    while ((rc = sqlite3_step(raw)) == SQLITE_ROW) {
      // Cells borrow SQLite's buffers: no copy per value.
      for (int c = 0; c < columns; ++c) {
        const unsigned char *text = sqlite3_column_text(raw, c + 1);
        if (!text) {
          m->cells[static_cast<size_t>(c)] = Cell{{}, true};
        } else {
          size_t size = static_cast<size_t>(sqlite3_column_bytes(raw, c + 1));
          m->cells[static_cast<size_t>(c)] = Cell{{reinterpret_cast<const char *>(text), size}, false};
        }
      }
      m->last_id = sqlite3_column_int64(raw, 0);
      row(m->last_id, m->cells);
      ++count;
    }
    if (rc != SQLITE_DONE) {
      SQLite::Exception e(handle, rc);
      sqlite3_reset(raw);
      throw e;
    }
    sqlite3_reset(raw);
    m_rows += static_cast<int64_t>(count);
    return count;
  });
}

} // namespace webox::exporting
