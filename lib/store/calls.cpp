// Conversations and calls in SQLite.
//
// Conversation ids are ULID-like: 48 bits of Unix time in milliseconds then
// 80 random bits, written as 26 Crockford base32 characters, so that sorting
// ids as strings sorts conversations by creation time. Within one process two
// ids made in the same millisecond increment the random part instead of
// drawing a new one, so they still sort in creation order.
//
// "Unknown" is stored as NULL, never as 0 or -1: CallRecord's -1 for tokens
// and time to first token becomes NULL on the way in and -1 on the way out.
#include "lib/store/calls.hpp"

#include <limits>

#include <algorithm>
#include <array>
#include <chrono>
#include <mutex>

#include "lib/store/db.hpp"

#include "lib/core/crypto.hpp"
#include "lib/core/error.hpp"

namespace webox::store {
namespace {

constexpr size_t kNameMaxCodePoints = 60;
constexpr const char *kCrockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

constexpr const char *kCallColumns =
    "id, conversation_id, provider, model, resolved_model, system, prompt, response, "
    "options_json, input_tokens, output_tokens, latency_ms, ttft_ms, status, error, created_at, "
    "cost, group_id, chain";

// --- ids ---------------------------------------------------------------------

using Randomness = std::array<unsigned char, 10>; // 80 bits, big-endian

// Adds one to the 80-bit big-endian number; false when it wrapped around.
bool increment(Randomness &r) {
  for (size_t i = r.size(); i-- > 0;) {
    if (++r[i] != 0) return true;
  }
  return false;
}

Randomness fresh_randomness() {
  std::string bytes = crypto::random_bytes(Randomness{}.size());
  Randomness r{};
  std::copy(bytes.begin(), bytes.end(), r.begin());
  return r;
}

std::string encode_ulid(uint64_t ms, const Randomness &r) {
  std::string id(26, '0');
  for (size_t i = 10; i-- > 0; ms >>= 5) id[i] = kCrockford[ms & 31];
  // 80 bits are exactly 16 groups of 5 bits.
  for (size_t group = 0; group < 16; ++group) {
    unsigned value = 0;
    for (size_t bit = group * 5; bit < group * 5 + 5; ++bit)
      value = value << 1 | ((r[bit / 8] >> (7 - bit % 8)) & 1u);
    id[10 + group] = kCrockford[value];
  }
  return id;
}

uint64_t unix_ms() {
  using namespace std::chrono;
  return static_cast<uint64_t>(
      duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
}

// --- conversation names -------------------------------------------------------

std::string_view trim(std::string_view s) {
  const char *ws = " \t\r\n\f\v";
  size_t b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

std::string_view first_nonblank_line(std::string_view text) {
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = trim(text.substr(0, nl));
    if (!line.empty() || nl == std::string_view::npos) return line;
    text.remove_prefix(nl + 1);
  }
  return {};
}

bool is_utf8_continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// At most `max` code points, cut between code points, "…" marking a cut.
std::string shorten_utf8(std::string_view s, size_t max) {
  size_t count = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (is_utf8_continuation(s[i])) continue;
    if (++count == max) {
      // Does more than one code point remain from here? Then cut here.
      size_t next = i + 1;
      while (next < s.size() && is_utf8_continuation(s[next])) ++next;
      if (next < s.size()) return std::string(s.substr(0, i)) + "\u2026";
      return std::string(s);
    }
  }
  return std::string(s);
}

std::string conversation_name(const std::string &prompt) {
  return shorten_utf8(first_nonblank_line(prompt), kNameMaxCodePoints);
}

// --- rows -------------------------------------------------------------------

void bind_text_or_null(store::Statement &st, int index, const std::string &value) {
  if (value.empty()) st.bind(index);
  else st.bind(index, value);
}

void bind_known_or_null(store::Statement &st, int index, int64_t value) {
  if (value < 0) st.bind(index);
  else st.bind(index, value);
}

std::string text_of(const store::Column &c) { return c.isNull() ? std::string() : c.getString(); }

int64_t int_of(const store::Column &c, int64_t if_null) {
  return c.isNull() ? if_null : c.getInt64();
}

CallRecord call_from_row(store::Statement &st) {
  CallRecord c;
  c.id = st.getColumn(0).getInt64();
  c.conversation_id = text_of(st.getColumn(1));
  c.provider = text_of(st.getColumn(2));
  c.model = text_of(st.getColumn(3));
  c.resolved_model = text_of(st.getColumn(4));
  c.system = text_of(st.getColumn(5));
  c.prompt = text_of(st.getColumn(6));
  c.response = text_of(st.getColumn(7));
  c.options_json = text_of(st.getColumn(8));
  if (c.options_json.empty()) c.options_json = "{}";
  c.input_tokens = int_of(st.getColumn(9), -1);
  c.output_tokens = int_of(st.getColumn(10), -1);
  c.latency_ms = int_of(st.getColumn(11), 0);
  c.ttft_ms = int_of(st.getColumn(12), -1);
  c.status = text_of(st.getColumn(13));
  c.error = text_of(st.getColumn(14));
  c.created_at = text_of(st.getColumn(15));
  if (!st.getColumn(16).isNull()) c.cost = st.getColumn(16).getDouble();
  c.group_id = text_of(st.getColumn(17));
  c.chain = text_of(st.getColumn(18));
  return c;
}

std::vector<CallRecord> all_calls(store::Statement &st) {
  std::vector<CallRecord> out;
  while (st.executeStep()) out.push_back(call_from_row(st));
  return out;
}

Conversation conversation_from_row(store::Statement &st) {
  return Conversation{text_of(st.getColumn(0)), text_of(st.getColumn(1)),
                      text_of(st.getColumn(2)), text_of(st.getColumn(3))};
}

void upsert_conversation(store::Db &sql, const CallRecord &call,
                         const std::string &provider_model, const std::string &created_at) {
  // A new conversation is named after its first prompt; every later call
  // only moves `model` to the one used last (what `chat -c` continues with).
  store::Statement st(sql, "INSERT INTO conversations(id, name, model, created_at) "
                            "VALUES(?, ?, ?, ?) "
                            "ON CONFLICT(id) DO UPDATE SET model = excluded.model");
  st.bind(1, call.conversation_id);
  st.bind(2, conversation_name(call.prompt));
  st.bind(3, provider_model);
  st.bind(4, created_at);
  st.exec();
}

int64_t insert_call(store::Db &sql, const CallRecord &call, const std::string &created_at) {
  store::Statement st(
      sql, "INSERT INTO calls(conversation_id, provider, model, resolved_model, system, prompt, "
           "response, options_json, input_tokens, output_tokens, latency_ms, ttft_ms, status, "
           "error, created_at, cost, group_id, chain) "
           "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
  bind_text_or_null(st, 1, call.conversation_id);
  st.bind(2, call.provider);
  st.bind(3, call.model);
  st.bind(4, call.resolved_model);
  st.bind(5, call.system);
  st.bind(6, call.prompt);
  st.bind(7, call.response);
  st.bind(8, call.options_json.empty() ? std::string("{}") : call.options_json);
  bind_known_or_null(st, 9, call.input_tokens);
  bind_known_or_null(st, 10, call.output_tokens);
  st.bind(11, call.latency_ms);
  bind_known_or_null(st, 12, call.ttft_ms);
  st.bind(13, call.status.empty() ? std::string("ok") : call.status);
  bind_text_or_null(st, 14, call.error);
  st.bind(15, created_at);
  if (call.cost) st.bind(16, *call.cost);
  else st.bind(16);
  bind_text_or_null(st, 17, call.group_id);
  bind_text_or_null(st, 18, call.chain);
  return returned_id(st).value_or(0);
}

} // namespace

std::string Calls::new_conversation_id() {
  static std::mutex mutex;
  static uint64_t last_ms = 0;
  static Randomness last_random{};

  std::lock_guard lock(mutex);
  uint64_t ms = unix_ms();
  if (ms > last_ms) {
    last_ms = ms;
    last_random = fresh_randomness();
  } else if (!increment(last_random)) {
    // Same millisecond (or a clock that stepped back) keeps the time and
    // counts up; only 2^80 ids in one millisecond move on to the next one.
    ++last_ms;
    last_random = fresh_randomness();
  }
  return encode_ulid(last_ms, last_random);
}

int64_t Calls::record(const CallRecord &call, const std::string &provider_model) {
  return guarded(m_db, [&] {
    std::string created_at = call.created_at.empty() ? now_iso8601() : call.created_at;
    WriteTransaction tx(m_db);
    // A call without a conversation (a compare column, a workflow step) is
    // stored with conversation_id NULL.
    if (!call.conversation_id.empty())
      upsert_conversation(m_db, call, provider_model, created_at);
    int64_t id = insert_call(m_db, call, created_at);
    tx.commit();
    return id;
  });
}

std::optional<Conversation> Calls::conversation(const std::string &id) {
  return guarded(m_db, [&]() -> std::optional<Conversation> {
    store::Statement st(m_db,
                         "SELECT id, name, model, created_at FROM conversations WHERE id = ?");
    st.bind(1, id);
    if (!st.executeStep()) return std::nullopt;
    return conversation_from_row(st);
  });
}

std::optional<Conversation> Calls::latest_conversation() {
  return guarded(m_db, [&]() -> std::optional<Conversation> {
    store::Statement st(m_db, "SELECT c.id, c.name, c.model, c.created_at "
                                     "FROM calls k JOIN conversations c ON c.id = k.conversation_id "
                                     "ORDER BY k.id DESC LIMIT 1");
    if (!st.executeStep()) return std::nullopt;
    return conversation_from_row(st);
  });
}

std::vector<CallRecord> Calls::calls_of(const std::string &conversation_id) {
  return guarded(m_db, [&] {
    store::Statement st(m_db, std::string("SELECT ") + kCallColumns +
                                         " FROM calls WHERE conversation_id = ? ORDER BY id");
    st.bind(1, conversation_id);
    return all_calls(st);
  });
}

std::vector<CallRecord> Calls::recent(int limit, const std::string &conversation_id) {
  return guarded(m_db, [&] {
    std::string query = std::string("SELECT ") + kCallColumns + " FROM calls";
    if (!conversation_id.empty()) query += " WHERE conversation_id = ?";
    query += " ORDER BY id DESC LIMIT ?";
    store::Statement st(m_db, query);
    int index = 1;
    if (!conversation_id.empty()) st.bind(index++, conversation_id);
    // No limit: the largest one (LIMIT -1 is SQLite's alone).
    st.bind(index, limit > 0 ? static_cast<int64_t>(limit) : std::numeric_limits<int64_t>::max());
    return all_calls(st);
  });
}

} // namespace webox::store
