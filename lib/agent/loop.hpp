// The agent loop: a model that acts.
//
// One step is one model call and the tools it asked for: the calls are
// checked (the tool exists, the arguments are JSON and fit its schema),
// approved (lib/agent/approval.hpp), run (parallel calls at once, each on
// its own thread), and their results go back to the model as role:tool
// messages. The loop ends when the model answers with text, and stops:
//   - after --max-steps model calls that still ask for tools (exit 3);
//   - at the second call with invalid arguments (the first goes back to the
//     model with the reason) (exit 1);
//   - when the model names a tool that was not offered, or asks for tools
//     when none are enabled (exit 1): never silently;
//   - when a call needs permission and nobody can be asked (exit 2);
//   - on Ctrl-C, between or during steps (exit 130; tools end their work).
// A tool that fails goes back to the model as an error result. Every step
// is handed to `on_step` as soon as it is complete (stored, shown) so that
// a stop loses nothing that was done. The model is reached through
// `ModelCall`, which checks the budget before each step; its exceptions
// (a provider failure, a cap) end the loop as they are.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lib/agent/approval.hpp"
#include "lib/agent/toolbox.hpp"
#include "lib/chat/turn.hpp"
#include "lib/core/error.hpp"

namespace webox::agent {

struct ToolCallRecord {
  std::string id;
  std::string name;        // as the model named it
  std::string qualified;   // "fs.read_text_file"; "" when unknown
  nlohmann::json arguments; // as received (the raw text when not JSON)
  // ok, error (the tool failed), invalid (arguments), denied (the user said
  // no), refused (nobody to ask), unknown (not offered), not_run, cancelled
  std::string status;
  std::string result;      // the text sent back to the model
  size_t result_bytes = 0; // the tool's whole answer, before the cap
  int64_t duration_ms = 0;
};

struct Step {
  int number = 0;
  chat::TurnResult turn;
  int64_t call_id = 0; // the model call's row in the store (0: not logged)
  std::vector<ToolCallRecord> calls;
  // What the step added to the conversation: the assistant message (with
  // its tool calls) and one role:tool message per call.
  nlohmann::json messages = nlohmann::json::array();
};

enum class Ending { answered, max_steps, invalid_arguments, unknown_tool, no_tools, refused, interrupted };

struct LoopResult {
  chat::TurnResult answer; // the last model turn
  int64_t answer_call_id = 0;
  std::vector<Step> steps; // the steps that ran tools (not the final answer)
  Ending ending = Ending::answered;
  std::string message;     // why it stopped, when it did not get an answer
  ExitCode exit_code() const;
};

struct ModelReply {
  chat::TurnResult turn;
  int64_t call_id = 0;
};
// One model call with the conversation so far and the tools' definitions.
using ModelCall = std::function<ModelReply(const nlohmann::json &messages, const nlohmann::json &tools)>;

struct LoopHooks {
  std::function<void(const ToolCallRecord &)> on_tool_start; // before it runs (main thread)
  std::function<void(const ToolCallRecord &)> on_tool_done;  // after it ran (main thread)
  std::function<void(const Step &)> on_step;                 // a complete step
};

struct LoopSettings {
  int max_steps = 10;
  std::chrono::milliseconds tool_timeout{120'000};
  size_t max_result_bytes = 256u << 10; // a result longer than this is cut for the model
};

LoopResult run_loop(nlohmann::json messages, const Toolbox &toolbox, Approval &approval, const ModelCall &model,
                    const LoopSettings &settings, const LoopHooks &hooks = {});

// The text of MCP-style content parts (images and resources described).
std::string content_text(const nlohmann::json &content);

} // namespace webox::agent
