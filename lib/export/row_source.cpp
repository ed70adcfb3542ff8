#include "lib/export/row_source.hpp"

#include <variant>

#include "lib/store/db.hpp"

namespace webox::exporting {

struct RowSource::Impl {
  Impl(store::Db &d, int page, int max_rows) : db(d), page_size(page > 0 ? page : 2000), limit(max_rows) {}
  store::Db &db;
  // Prepared once, run once a page; cells borrow the statement's buffers
  // (Column::getText), no copy per value.
  std::unique_ptr<store::Statement> query;
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
    store::Statement w(db, "SELECT max(updated_at) FROM leads");
    if (w.executeStep() && !w.getColumn(0).isNull()) m_watermark = w.getColumn(0).getString();

    // The same filters as `leads list` (lib/leads/leads_store.cpp), plus the
    // incremental window; column 0 is always the lead id (the paging key).
    std::string sql = "SELECT l.id";
    for (const Field *field : m_fields)
      sql += ", " + std::string(field->expression(db.backend().kind(), lists_joined));
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
    m->query = std::make_unique<store::Statement>(db, sql);
  });
  m->cells.resize(m_fields.size());
}

RowSource::~RowSource() = default;

size_t RowSource::next_page(const RowFn &row, size_t max_rows) {
  int64_t n = max_rows ? static_cast<int64_t>(max_rows) : m->page_size;
  if (m->limit > 0) n = std::min<int64_t>(n, m->limit - m_rows);
  if (n <= 0) return 0;
  return store::guarded(m->db, [&]() -> size_t {
    store::Statement &q = *m->query;
    q.reset();
    int i = 1;
    q.bind(i++, m->last_id);
    for (const auto &b : m->binds) {
      if (std::holds_alternative<int64_t>(b)) q.bind(i++, std::get<int64_t>(b));
      else q.bindNoCopy(i++, std::get<std::string>(b)); // binds outlive the statement's use
    }
    q.bind(i, n);
    size_t count = 0;
    const int columns = static_cast<int>(m_fields.size());
    // Reset however the page ends, so that no read stays open between pages.
    struct ResetAtEnd {
      store::Statement &q;
      ~ResetAtEnd() { q.reset(); }
    } reset_at_end{q};
    while (q.executeStep()) {
      for (int c = 0; c < columns; ++c) {
        store::Column cell = q.getColumn(c + 1);
        if (cell.isNull()) m->cells[static_cast<size_t>(c)] = Cell{{}, true};
        else m->cells[static_cast<size_t>(c)] = Cell{{cell.getText(), static_cast<size_t>(cell.getBytes())}, false};
      }
      m->last_id = q.getColumn(0).getInt64();
      row(m->last_id, m->cells);
      ++count;
    }
    m_rows += static_cast<int64_t>(count);
    return count;
  });
}

} // namespace webox::exporting
