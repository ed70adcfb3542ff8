// Storing what a fallback chain did: one call row per model tried (skipped
// ones sent nothing and are left out). Shared by chat, compare and
// workflows so that `webox logs` reads every call the same way.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "lib/chat/fallback.hpp"

namespace webox::store {
class Calls;
}

namespace webox::chat {

struct CallContext {
  std::string prompt;          // the user message
  std::string system;
  nlohmann::json options = nlohmann::json::object();
  std::string conversation_id; // chat
  std::string group_id;        // compare run, workflow run
};

// Returns the id of the last call stored (the answer, when there is one), 0 for none.
int64_t log_chain(store::Calls &calls, const ChainResult &result, const CallContext &context);

} // namespace webox::chat
