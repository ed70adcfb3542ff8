#include "lib/store/agent_log.hpp"

#include "lib/store/db.hpp"

namespace webox::store {

void record_agent_step(Db &db, const AgentStep &step, const std::vector<ToolCallEntry> &calls) {
  WriteTransaction tx(db);
  store::Statement put(db, "INSERT INTO agent_steps(call_id, turn_id, step, messages_json) VALUES(?, ?, ?, ?) "
                           "ON CONFLICT(call_id) DO UPDATE SET turn_id = excluded.turn_id, step = excluded.step, "
                           "messages_json = excluded.messages_json");
  put.bind(1, step.call_id);
  put.bind(2, step.turn_id);
  put.bind(3, step.step);
  put.bind(4, step.messages_json);
  put.exec();
  for (const auto &c : calls) {
    store::Statement tc(db, "INSERT INTO tool_calls(call_id, tool_call_id, name, qualified, arguments_json, "
                                   "status, result_bytes, duration_ms) VALUES(?, ?, ?, ?, ?, ?, ?, ?)");
    tc.bind(1, step.call_id);
    tc.bind(2, c.tool_call_id);
    tc.bind(3, c.name);
    tc.bind(4, c.qualified);
    tc.bind(5, c.arguments_json);
    tc.bind(6, c.status);
    tc.bind(7, c.result_bytes);
    tc.bind(8, c.duration_ms);
    tc.exec();
  }
  tx.commit();
}

std::map<int64_t, AgentStep> agent_steps_of(Db &db, const std::string &conversation_id) {
  std::map<int64_t, AgentStep> out;
  store::Statement st(db, "SELECT s.call_id, s.turn_id, s.step, s.messages_json FROM agent_steps s "
                                 "JOIN calls c ON c.id = s.call_id WHERE c.conversation_id = ?");
  st.bind(1, conversation_id);
  while (st.executeStep()) {
    AgentStep s;
    s.call_id = st.getColumn(0).getInt64();
    s.turn_id = st.getColumn(1).getString();
    s.step = st.getColumn(2).getInt();
    s.messages_json = st.getColumn(3).getString();
    out.emplace(s.call_id, std::move(s));
  }
  return out;
}

void attach_tool_calls(Db &db, std::vector<CallRecord> &calls) {
  store::Statement st(db, "SELECT tool_call_id, name, qualified, arguments_json, status, result_bytes, "
                                 "duration_ms FROM tool_calls WHERE call_id = ? ORDER BY id");
  for (auto &c : calls) {
    st.reset();
    st.bind(1, c.id);
    c.tool_calls.clear();
    while (st.executeStep()) {
      ToolCallEntry e;
      e.tool_call_id = st.getColumn(0).getString();
      e.name = st.getColumn(1).getString();
      e.qualified = st.getColumn(2).getString();
      e.arguments_json = st.getColumn(3).getString();
      e.status = st.getColumn(4).getString();
      e.result_bytes = st.getColumn(5).getInt64();
      e.duration_ms = st.getColumn(6).getInt64();
      c.tool_calls.push_back(std::move(e));
    }
  }
}

} // namespace webox::store
