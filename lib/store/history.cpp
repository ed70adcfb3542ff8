// Listing and searching the history of calls.
//
// Search order is newest first, not best (bm25) first: people look for a
// conversation they remember having, usually a recent one, and the words
// they type are mostly in every call of it; FTS5 walks its index by rowid in
// either direction, so "the 20 newest matches" costs the same with 100 or
// 100 000 calls, where ranking by bm25 would score every match first.
#include "lib/store/history.hpp"

#include <cctype>
#include <limits>
#include <optional>
#include <vector>

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
  // No limit: the largest one (LIMIT -1 is SQLite's alone).
  st.bind(":limit", f.limit > 0 ? static_cast<int64_t>(f.limit) : std::numeric_limits<int64_t>::max());
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
  // (The derived table lets WHERE name last_id on PostgreSQL too; SQLite
  // flattens it into the same plan.)
  std::string inner =
      "SELECT c.id AS id, c.name AS name, c.model AS model, c.last_id AS last_id FROM "
      "(SELECT c1.id AS id, c1.name AS name, c1.model AS model, "
      "(SELECT MAX(k.id) FROM calls k WHERE k.conversation_id = c1.id) AS last_id FROM conversations c1) c "
      "WHERE c.last_id IS NOT NULL";
  if (!f.since.empty()) inner += " AND (SELECT created_at FROM calls WHERE id = c.last_id) >= :since";
  if (!f.model.empty())
    inner += std::string(" AND EXISTS (SELECT 1 FROM calls k WHERE k.conversation_id = c.id AND ") + kModelMatch + ")";
  if (!f.status.empty())
    inner += " AND EXISTS (SELECT 1 FROM calls k WHERE k.conversation_id = c.id AND k.status = :status)";
  inner += " ORDER BY last_id DESC LIMIT :limit";
  const std::string sql =
      "SELECT s.id, s.name, s.model, MIN(k.created_at), MAX(k.created_at), COUNT(*), SUM(k.cost), COUNT(k.cost) "
      "FROM (" + inner + ") s JOIN calls k ON k.conversation_id = s.id "
      "GROUP BY s.id, s.name, s.model, s.last_id ORDER BY s.last_id DESC";
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

namespace {

// The words of a query quote_fts_terms made ("a" "b""c" -> a, b"c), or
// nullopt for a query typed with --fts (FTS5's own syntax).
std::optional<std::vector<std::string>> history_unquote_terms(std::string_view fts) {
  std::vector<std::string> terms;
  size_t i = 0;
  while (i < fts.size()) {
    if (fts[i] == ' ' && !terms.empty()) ++i;
    if (i >= fts.size() || fts[i] != '"') return std::nullopt;
    std::string term;
    for (++i;; ++i) {
      if (i >= fts.size()) return std::nullopt;
      if (fts[i] == '"') {
        if (i + 1 < fts.size() && fts[i + 1] == '"') {
          term += '"';
          ++i;
          continue;
        }
        ++i;
        break;
      }
      term += fts[i];
    }
    terms.push_back(std::move(term));
  }
  if (terms.empty()) return std::nullopt;
  return terms;
}

// A LIKE pattern matching `term` anywhere, its wildcards escaped.
std::string history_like_pattern(std::string_view term) {
  std::string p = "%";
  for (char c : term) {
    if (c == '%' || c == '_' || c == '\\') p += '\\';
    p += c;
  }
  return p + "%";
}

// About 16 words around the first term found in `text` (ASCII case
// ignored, as ILIKE), the term between the match markers; "" when absent.
std::string history_snippet(const std::string &text, const std::vector<std::string> &terms) {
  auto lower = [](std::string s) {
    for (char &c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  const std::string haystack = lower(text);
  for (const std::string &term : terms) {
    const size_t at = haystack.find(lower(term));
    if (at == std::string::npos || term.empty()) continue;
    size_t start = at, words = 0;
    while (start > 0 && words < 8) if (text[--start] == ' ') ++words;
    size_t end = at + term.size();
    words = 0;
    while (end < text.size() && words < 8) if (text[end++] == ' ') ++words;
    // Whole UTF-8 characters only.
    while (start > 0 && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
    while (end < text.size() && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) ++end;
    std::string out = start > 0 ? "\u2026" : "";
    out += text.substr(start, at - start);
    out += kMatchStart;
    out += text.substr(at, term.size());
    out += kMatchEnd;
    out += text.substr(at + term.size(), end - at - term.size());
    if (end < text.size()) out += "\u2026";
    return out;
  }
  return {};
}

// One row of either search (id, conversation, model, status, time, the
// matched text, title) with the snippet the backend's search made of it.
SearchHit search_hit_of(store::Statement &st, const std::string &snippet) {
  SearchHit h;
  h.call_id = st.getColumn(0).getInt64();
  h.conversation_id = history_text(st.getColumn(1));
  h.model = history_text(st.getColumn(2));
  h.status = history_text(st.getColumn(3));
  h.created_at = history_text(st.getColumn(4));
  h.snippet = one_line(snippet);
  h.title = one_line(history_text(st.getColumn(6)));
  return h;
}

// PostgreSQL has no FTS5: every word must appear in the prompt, the system
// prompt or the response (ILIKE, a scan of the calls; newest first, like
// the SQLite search). FTS5's own syntax (--fts) is refused as bad input.
std::vector<SearchHit> search_calls_by_words(Db &db, const std::string &fts_query, const HistoryFilter &f) {
  const auto terms = history_unquote_terms(fts_query);
  if (!terms) throw UsageError("search --fts: FTS5 queries need the SQLite store; on PostgreSQL give plain words");
  std::string sql =
      "SELECT k.id, k.conversation_id, k.provider || ':' || k.model, k.status, k.created_at, "
      "coalesce(k.prompt, '') || ' ' || coalesce(k.system, '') || ' ' || coalesce(k.response, ''), c.name "
      "FROM calls k LEFT JOIN conversations c ON c.id = k.conversation_id WHERE 1 = 1";
  for (size_t i = 0; i < terms->size(); ++i)
    sql += " AND (coalesce(k.prompt, '') || ' ' || coalesce(k.system, '') || ' ' || coalesce(k.response, '')) "
           "ILIKE :t" + std::to_string(i) + " ESCAPE '\\'";
  if (!f.since.empty()) sql += " AND k.created_at >= :since";
  if (!f.model.empty()) sql += std::string(" AND ") + kModelMatch;
  if (!f.status.empty()) sql += " AND k.status = :status";
  sql += " ORDER BY k.id DESC LIMIT :limit";
  return guarded(db, [&] {
    store::Statement st(db, sql);
    for (size_t i = 0; i < terms->size(); ++i)
      st.bind((":t" + std::to_string(i)).c_str(), history_like_pattern((*terms)[i]));
    bind_filter(st, f);
    std::vector<SearchHit> out;
    while (st.executeStep()) out.push_back(search_hit_of(st, history_snippet(history_text(st.getColumn(5)), *terms)));
    return out;
  });
}

} // namespace

std::vector<SearchHit> search_calls(Db &db, const std::string &fts_query, const HistoryFilter &f) {
  if (db.backend().kind() != "sqlite") return search_calls_by_words(db, fts_query, f);
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
      while (st.executeStep()) out.push_back(search_hit_of(st, history_text(st.getColumn(5))));
      return out;
    } catch (const store::SqlError &e) {
      // Only a query given with --fts can be malformed; say so as bad input.
      if (is_fts_syntax_error(e)) throw UsageError(std::string("search: not a valid FTS5 query: ") + e.what());
      throw;
    }
  });
}

} // namespace webox::store
