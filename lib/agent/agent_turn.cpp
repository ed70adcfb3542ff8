#include "lib/agent/agent_turn.hpp"

#include "lib/store/agent_log.hpp"
#include "lib/store/calls.hpp"

namespace webox::agent {

std::vector<store::ToolCallEntry> tool_call_entries(const Step &step) {
  std::vector<store::ToolCallEntry> out;
  for (const auto &c : step.calls)
    out.push_back({c.id, c.name, c.qualified, c.arguments.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                   c.status, static_cast<int64_t>(c.result_bytes), c.duration_ms});
  return out;
}

nlohmann::json tool_call_json(const ToolCallRecord &c) {
  return {{"id", c.id},         {"name", c.name},
          {"tool", c.qualified}, {"arguments", c.arguments},
          {"status", c.status},  {"result_bytes", c.result_bytes},
          {"duration_ms", c.duration_ms}};
}

nlohmann::json steps_json(const LoopResult &r) {
  nlohmann::json steps = nlohmann::json::array();
  for (const auto &s : r.steps) {
    nlohmann::json calls = nlohmann::json::array();
    for (const auto &c : s.calls) calls.push_back(tool_call_json(c));
    steps.push_back({{"step", s.number}, {"text", s.turn.text}, {"latency_ms", s.turn.latency_ms}, {"tool_calls", calls}});
  }
  return steps;
}

LoopResult run_agent_turn(chat::ChatSession &session, const std::string &prompt, const Toolbox &toolbox,
                          Approval &approval, const LoopSettings &settings, const chat::DeltaSink &on_delta,
                          const chat::FallbackNote &on_fallback, LoopHooks hooks) {
  const std::string turn_id = store::Calls::new_conversation_id();
  nlohmann::json added = nlohmann::json::array();
  double spent = 0;
  ModelCall model = [&](const nlohmann::json &messages, const nlohmann::json &tools) {
    chat::ChatSession::StepReply r = session.send_step(prompt, messages, tools, spent, on_delta, on_fallback);
    spent += r.turn.cost.value_or(0);
    return ModelReply{r.turn, r.call_id};
  };
  auto store_step = [&](int64_t call_id, int number, const nlohmann::json &messages,
                        const std::vector<store::ToolCallEntry> &calls) {
    if (store::Db *db = session.log_store(); db && call_id)
      store::record_agent_step(*db, {call_id, turn_id, number, messages.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)},
                               calls);
  };
  auto user_on_step = std::move(hooks.on_step);
  hooks.on_step = [&](const Step &step) {
    store_step(step.call_id, step.number, step.messages, tool_call_entries(step));
    for (const auto &m : step.messages) added.push_back(m);
    if (user_on_step) user_on_step(step);
  };
  LoopResult result;
  try {
    result = run_loop(session.messages_for(prompt), toolbox, approval, model, settings, hooks);
  } catch (...) {
    if (!added.empty()) session.remember(prompt, added);
    throw;
  }
  if (result.ending == Ending::answered) {
    nlohmann::json final_message = nlohmann::json::array({{{"role", "assistant"}, {"content", result.answer.text}}});
    // A plain answer needs no step row: its call row is the whole turn.
    if (!result.steps.empty())
      store_step(result.answer_call_id, static_cast<int>(result.steps.size()) + 1, final_message, {});
    added.push_back(final_message[0]);
  }
  session.remember(prompt, added);
  return result;
}

} // namespace webox::agent
