// The steps of agent turns and their tool calls (migration 13): what
// `chat -c` replays to the model and `webox logs` shows.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "lib/store/calls.hpp"
#include "lib/store/db.hpp"

namespace webox::store {

struct AgentStep {
  int64_t call_id = 0;       // the model call of this step
  std::string turn_id;       // the steps of one prompt share it
  int step = 0;              // 1, 2, ...
  std::string messages_json; // what the step added to the conversation (a JSON array)
};

// Stores a step and its tool calls in one transaction.
void record_agent_step(Db &db, const AgentStep &step, const std::vector<ToolCallEntry> &calls);

// The steps of one conversation's calls, by call id.
std::map<int64_t, AgentStep> agent_steps_of(Db &db, const std::string &conversation_id);

// Fills each record's tool_calls from the store.
void attach_tool_calls(Db &db, std::vector<CallRecord> &calls);

} // namespace webox::store
