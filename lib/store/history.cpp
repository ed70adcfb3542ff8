// Listing and searching the history of calls.
//
// Search order is newest first, not best (bm25) first: people look for a
// conversation they remember having, usually a recent one, and the words
// they type are mostly in every call of it; FTS5 walks its index by rowid in
// either direction, so "the 20 newest matches" costs the same with 100 or
// 100 000 calls, where ranking by bm25 would score every match first.
#include "lib/store/history.hpp"

#include "lib/store/db.hpp"

#include "lib/core/error.hpp"

namespace webox::store {
namespace {

std::string history_text(const store::Column &c) { return c.isNull() ? std::string() : c.getString(); }

bool is_query_blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

// One line: every control character (a newline, an escape sequence an answer
// carried) becomes a space, runs of spaces one space; the match markers stay.
std::string one_line(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    auto u = static_cast<unsigned char>(ch);
    bool marker = ch == kMatchStart || ch == kMatchEnd;
    char c = (!marker && (u < 0x20 || u == 0x7f)) ? ' ' : ch;
    if (c == ' ' && (out.empty() || out.back() == ' ')) continue;
    out += c;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

// The SQL of a filter on one call `k`, with named parameters bound by
// bind_filter.
constexpr const char *kModelMatch =
    "(k.model = :model OR k.provider || ':' || k.model = :model OR k.provider = :model)";

void bind_filter(store::Statement &st, const HistoryFilter &f) {
  if (!f.model.empty()) st.bind(":model", f.model);
  if (!f.since.empty()) st.bind(":since", f.since);
  if (!f.status.empty()) st.bind(":status", f.status);
  st.bind(":limit", f.limit > 0 ? f.limit : -1);
}

bool is_fts_syntax_error(const store::SqlError &e) {
  std::string_view what = e.what();
  return what.find("fts5") != std::string_view::npos || what.find("syntax error") != std::string_view::npos ||
         what.find("no such column") != std::string_view::npos ||
         what.find("unterminated string") != std::string_view::npos;
}

} // namespace

namespace {

void check_query_size(std::string_view query) {
  if (query.size() > kMaxQueryBytes)
    throw UsageError("search: the query is longer than " + std::to_string(kMaxQueryBytes) + " bytes");
}

} // namespace

std::string quote_fts_terms(std::string_view query) {
  check_query_size(query);
  std::string fts;
  size_t terms = 0;
  size_t i = 0;
  while (i < query.size()) {
    while (i < query.size() && is_query_blank(query[i])) ++i;
    size_t start = i;
    while (i < query.size() && !is_query_blank(query[i])) ++i;
    if (start == i) break;
    if (++terms > kMaxQueryTerms)
      throw UsageError("search: more than " + std::to_string(kMaxQueryTerms) + " words");
    if (!fts.empty()) fts += ' ';
    fts += '"';
    for (char c : query.substr(start, i - start)) {
      if (c == '"') fts += '"';
      fts += c;
    }
    fts += '"';
  }
  if (fts.empty()) throw UsageError("search: give at least one word to look for");
  return fts;
}

std::string search_query(std::string_view typed, bool raw_fts) {
  if (!raw_fts) return quote_fts_terms(typed);
  check_query_size(typed);
  return std::string(typed);
}

void check_call_status(const std::string &status) {
  if (status.empty() || status == "ok" || status == "error" || status == "cancelled") return;
  throw UsageError("--status: '" + status + "' is not one of ok, error, cancelled");
}

std::vector<ConversationSummary> list_conversations(Db &db, const HistoryFilter &f) {
  // The inner query finds the conversations to show from each one's last
  // call id (one probe of calls_by_conversation each) and the filters; only
  // the N kept are then counted and summed, so a listing does not aggregate
  // the whole history (100k calls: one pass over 10k index entries).
  std::string inner =
      "SELECT c.id AS id, c.name AS name, c.model AS model, "
      "(SELECT MAX(k.id) FROM calls k WHERE k.conversation_id = c.id) AS last_id "
      "FROM conversations c WHERE last_id IS NOT NULL";
  if (!f.since.empty()) inner += " AND (SELECT created_at FROM calls WHERE id = last_id) >= :since";
  if (!f.model.empty())
    inner += std::string(" AND EXISTS (SELECT 1 FROM calls k WHERE k.conversation_id = c.id AND ") + kModelMatch + ")";
  if (!f.status.empty())
    inner += " AND EXISTS (SELECT 1 FROM calls k WHERE k.conversation_id = c.id AND k.status = :status)";
  inner += " ORDER BY last_id DESC LIMIT :limit";
  const std::string sql =
      "SELECT s.id, s.name, s.model, MIN(k.created_at), MAX(k.created_at), COUNT(*), SUM(k.cost), COUNT(k.cost) "
      "FROM (" + inner + ") s JOIN calls k ON k.conversation_id = s.id "
      "GROUP BY s.id ORDER BY s.last_id DESC";
  return guarded(db, [&] {
    store::Statement st(db, sql);
    bind_filter(st, f);
    std::vector<ConversationSummary> out;
    while (st.executeStep()) {
      ConversationSummary s;
      s.id = history_text(st.getColumn(0));
      s.title = one_line(history_text(st.getColumn(1)));
      s.model = history_text(st.getColumn(2));
      s.created_at = history_text(st.getColumn(3));
      s.last_at = history_text(st.getColumn(4));
      s.turns = st.getColumn(5).getInt64();
      int64_t priced = st.getColumn(7).getInt64();
      if (priced > 0) s.cost = st.getColumn(6).getDouble();
      s.cost_complete = priced == s.turns;
      out.push_back(std::move(s));
    }
    return out;
  });
}

std::vector<SearchHit> search_calls(Db &db, const std::string &fts_query, const HistoryFilter &f) {
  std::string sql =
      "SELECT k.id, k.conversation_id, k.provider || ':' || k.model, k.status, k.created_at, "
      "snippet(calls_fts, -1, char(2), char(3), '\u2026', 16), c.name "
      "FROM calls_fts JOIN calls k ON k.id = calls_fts.rowid "
      "LEFT JOIN conversations c ON c.id = k.conversation_id "
      "WHERE calls_fts MATCH :query";
  if (!f.since.empty()) sql += " AND k.created_at >= :since";
  if (!f.model.empty()) sql += std::string(" AND ") + kModelMatch;
  if (!f.status.empty()) sql += " AND k.status = :status";
  sql += " ORDER BY calls_fts.rowid DESC LIMIT :limit";
  return guarded(db, [&] {
    try {
      store::Statement st(db, sql);
      st.bind(":query", fts_query);
      bind_filter(st, f);
      std::vector<SearchHit> out;
      while (st.executeStep()) {
        SearchHit h;
        h.call_id = st.getColumn(0).getInt64();
        h.conversation_id = history_text(st.getColumn(1));
        h.model = history_text(st.getColumn(2));
        h.status = history_text(st.getColumn(3));
        h.created_at = history_text(st.getColumn(4));
        h.snippet = one_line(history_text(st.getColumn(5)));
        h.title = one_line(history_text(st.getColumn(6)));
        out.push_back(std::move(h));
      }
      return out;
    } catch (const store::SqlError &e) {
      // Only a query given with --fts can be malformed; say so as bad input.
      if (is_fts_syntax_error(e)) throw UsageError(std::string("search: not a valid FTS5 query: ") + e.what());
      throw;
    }
  });
}

} // namespace webox::store
