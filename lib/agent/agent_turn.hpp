// One prompt of `webox chat` with tools: the agent loop over a ChatSession,
// each step recorded (migration 13) and remembered for the next prompt.
#pragma once

#include <string>

#include "lib/agent/loop.hpp"
#include "lib/chat/session.hpp"
#include "lib/store/calls.hpp"

namespace webox::agent {

// A step's tool calls as the store keeps them (migration 13).
std::vector<store::ToolCallEntry> tool_call_entries(const Step &step);

// One tool call as --json shows it (chat's steps, a workflow step's calls).
nlohmann::json tool_call_json(const ToolCallRecord &call);
// The loop's steps as `chat --json` shows them: text, latency, tool calls.
nlohmann::json steps_json(const LoopResult &result);

// Runs the loop for `prompt`. Steps are stored as they complete (when the
// session logs) and the conversation's memory gets every complete step,
// whatever the ending; the caller reports the ending (LoopResult::message,
// exit_code). Exceptions of a model call (a failure, a budget cap, Ctrl-C
// while the model answers) propagate after what was done is stored.
LoopResult run_agent_turn(chat::ChatSession &session, const std::string &prompt, const Toolbox &toolbox,
                          Approval &approval, const LoopSettings &settings, const chat::DeltaSink &on_delta,
                          const chat::FallbackNote &on_fallback, LoopHooks hooks = {});

} // namespace webox::agent
