#include "lib/media/gallery.hpp"

#include "lib/store/db.hpp"

namespace webox::media {
namespace {

constexpr const char *kColumns =
    "id, kind, provider, model, prompt, options_json, file_path, media_type, sha256, bytes, cost, created_at";

MediaRecord from_row(store::Statement &st) {
  auto text = [&](int i) { return st.getColumn(i).isNull() ? std::string() : st.getColumn(i).getString(); };
  MediaRecord r;
  r.id = st.getColumn(0).getInt64();
  r.kind = text(1);
  r.provider = text(2);
  r.model = text(3);
  r.prompt = text(4);
  r.options_json = text(5);
  r.file_path = text(6);
  r.media_type = text(7);
  r.sha256 = text(8);
  r.bytes = st.getColumn(9).getInt64();
  r.cost = st.getColumn(10).isNull() ? -1 : st.getColumn(10).getDouble();
  r.created_at = text(11);
  return r;
}

} // namespace

int64_t Gallery::add(MediaRecord r) {
  try {
    store::WriteTransaction tx(m_db);
    store::Statement st(m_db,
                         "INSERT INTO media(kind, provider, model, prompt, options_json, file_path, media_type, "
                         "sha256, bytes, cost, created_at) VALUES(?,?,?,?,?,?,?,?,?,?,?) RETURNING id");
    st.bind(1, r.kind);
    st.bind(2, r.provider);
    st.bind(3, r.model);
    st.bind(4, r.prompt);
    st.bind(5, r.options_json.empty() ? std::string("{}") : r.options_json);
    st.bind(6, r.file_path);
    st.bind(7, r.media_type);
    st.bind(8, r.sha256);
    st.bind(9, r.bytes);
    if (r.cost < 0) st.bind(10);
    else st.bind(10, r.cost);
    st.bind(11, r.created_at.empty() ? store::now_iso8601() : r.created_at);
    int64_t id = store::returned_id(st).value_or(0);
    tx.commit();
    return id;
  } catch (const store::SqlError &) {
    store::rethrow_sql_error(m_db);
  }
}

std::vector<MediaRecord> Gallery::list(const std::string &kind, int64_t limit) {
  try {
    std::string sql = std::string("SELECT ") + kColumns + " FROM media";
    if (!kind.empty()) sql += " WHERE kind = ?";
    sql += " ORDER BY id DESC";
    if (limit > 0) sql += " LIMIT " + std::to_string(limit);
    store::Statement st(m_db, sql);
    if (!kind.empty()) st.bind(1, kind);
    std::vector<MediaRecord> rows;
    while (st.executeStep()) rows.push_back(from_row(st));
    return rows;
  } catch (const store::SqlError &) {
    store::rethrow_sql_error(m_db);
  }
}

std::optional<MediaRecord> Gallery::get(int64_t id) {
  try {
    store::Statement st(m_db, std::string("SELECT ") + kColumns + " FROM media WHERE id = ?");
    st.bind(1, id);
    if (!st.executeStep()) return std::nullopt;
    return from_row(st);
  } catch (const store::SqlError &) {
    store::rethrow_sql_error(m_db);
  }
}

} // namespace webox::media
