// The history of conversations: `webox logs list` and `webox logs search`.
//
// Listing groups the calls of `calls` by conversation; searching asks the
// FTS5 index of migration 14 (calls_fts), which triggers keep current.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/store/db.hpp"

namespace webox::store {

// What both listing and searching may be narrowed to. Empty = no filter.
struct HistoryFilter {
  std::string model;  // "gpt-4o-mini", "openai:gpt-4o-mini" or a provider "openai"
  std::string since;  // ISO 8601 UTC lower bound (stats.hpp since_bound), compared as text
  std::string status; // ok, error or cancelled
  int limit = 20;     // <= 0: no limit
};

struct ConversationSummary {
  std::string id;
  std::string title;      // the first prompt, shortened when the conversation began
  std::string model;      // provider:model of the last call
  std::string created_at; // first call
  std::string last_at;    // last call
  int64_t turns = 0;      // calls
  std::optional<double> cost; // USD of the priced calls; nullopt when none was priced
  bool cost_complete = true;  // false when some call had no known price
};

struct SearchHit {
  int64_t call_id = 0;
  std::string conversation_id; // "" for a call made outside a conversation (compare, workflow)
  std::string title;
  std::string model; // provider:model
  std::string status;
  std::string created_at;
  // The best-matching passage, on one line; each match is wrapped in
  // kMatchStart ... kMatchEnd (control characters that never survive
  // sanitising, so the caller chooses how to show them).
  std::string snippet;
};

inline constexpr char kMatchStart = '\x02';
inline constexpr char kMatchEnd = '\x03';

// Limits of a search query: a person types a few words, not a document.
inline constexpr size_t kMaxQueryBytes = 1000;
inline constexpr size_t kMaxQueryTerms = 32;

// The FTS5 query for the words a person typed: each whitespace-separated word
// becomes a quoted string (inner quotes doubled), so `"`, `*`, `-`, `:`,
// `(`, NEAR, AND, OR, NOT are searched as text, never parsed as syntax; the
// words must all match (implicit AND). Throws UsageError when the query is
// empty, longer than kMaxQueryBytes or has more than kMaxQueryTerms words.
std::string quote_fts_terms(std::string_view query);

// What `logs search` asks FTS5: the typed words quoted (quote_fts_terms), or
// with `raw_fts` (--fts) the user's own FTS5 syntax, held to kMaxQueryBytes.
std::string search_query(std::string_view typed, bool raw_fts);

// Checks --status (ok, error, cancelled); throws UsageError otherwise.
void check_call_status(const std::string &status);

// Conversations, the most recently active first. A conversation matches
// --model/--status when any of its calls does and --since when its last
// call is that recent; turns and cost count all its calls.
std::vector<ConversationSummary> list_conversations(Db &db, const HistoryFilter &filter);

// Calls whose prompt, system prompt or answer match `fts_query` (an FTS5
// query: quote_fts_terms for words, or the user's own with --fts), newest
// first. A malformed FTS5 query throws UsageError.
std::vector<SearchHit> search_calls(Db &db, const std::string &fts_query, const HistoryFilter &filter);

} // namespace webox::store
