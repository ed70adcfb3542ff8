// Conversations and model calls: what `webox chat` remembers and `webox logs`
// shows.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lib/store/db.hpp"

namespace webox::store {

// One tool call a model asked for in an agent step (lib/store/agent_log.hpp).
struct ToolCallEntry {
  std::string tool_call_id;
  std::string name;           // as offered to the model
  std::string qualified;      // "fs.read_text_file"; built-ins: the bare name
  std::string arguments_json;
  std::string status;         // ok, error, invalid, denied, refused, unknown, not_run, cancelled
  int64_t result_bytes = 0;
  int64_t duration_ms = 0;
};

// One model call as stored. Token counts are -1 when the provider did not
// report them (never 0: "unknown" and "none" are different facts).
struct CallRecord {
  int64_t id = 0;
  std::string conversation_id;
  std::string provider;       // "openai"
  std::string model;          // "gpt-4o-mini" as asked
  std::string resolved_model; // as answered by the provider, may be ""
  std::string system;         // system prompt, may be ""
  std::string prompt;         // the user message of this turn
  std::string response;       // the text answered (a prefix when it failed mid-stream)
  std::string options_json;   // "{}" when none
  int64_t input_tokens = -1;
  int64_t output_tokens = -1;
  int64_t latency_ms = 0;
  int64_t ttft_ms = -1;       // time to first token, -1 when not streamed
  std::string status;         // "ok", "error", "cancelled"
  std::string error;          // the error message when status != "ok"
  std::string created_at;     // ISO 8601 UTC
  std::optional<double> cost; // USD; nullopt when the price is unknown (never 0 for "unknown")
  std::string group_id;       // calls made together: a compare run, a workflow run
  std::string chain;          // fallback chain tried, "a:m1 > b:m2" ("" = no fallback)
  std::vector<ToolCallEntry> tool_calls; // filled by attach_tool_calls (agent_log.hpp)
};

struct Conversation {
  std::string id;
  std::string name;       // the first prompt, shortened
  std::string model;      // provider:model of the last call
  std::string created_at;
};

class Calls {
public:
  explicit Calls(Db &db) : m_db(db) {}

  // A new conversation id: 26 characters, time-sortable (ULID-like, Crockford
  // base32), so ids sort in creation order.
  static std::string new_conversation_id();

  // Stores `call`, creating its conversation when it does not exist yet
  // (named after the prompt) and setting the conversation's model to
  // `provider_model`, in one transaction. A call with an empty
  // conversation_id is stored without a conversation. Returns the call's id.
  int64_t record(const CallRecord &call, const std::string &provider_model);

  std::optional<Conversation> conversation(const std::string &id);
  std::optional<Conversation> latest_conversation();

  // Calls of one conversation, oldest first.
  std::vector<CallRecord> calls_of(const std::string &conversation_id);

  // The `limit` most recent calls, newest first (all of them when `limit` <=
  // 0); only those of `conversation_id` when it is not empty.
  std::vector<CallRecord> recent(int limit, const std::string &conversation_id = "");

private:
  Db &m_db;
};

} // namespace webox::store
