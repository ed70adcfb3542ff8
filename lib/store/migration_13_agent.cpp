#include "lib/store/migrations.hpp"

#include "lib/store/db.hpp"

namespace webox::store {

// agent_steps: one row per model call of an agent turn that answered (its
// call row holds the prompt, text, tokens, cost); `messages_json` is what
// that step added to the conversation (the assistant message with its tool
// calls and the role:tool results, or the final text), so that `chat -c`
// gives the model the same conversation again. tool_calls: one row per call
// the model made (status, time, result size; the result text itself is in
// the step's messages). IF NOT EXISTS: a store whose user_version was set
// back (a test replaying an older migration) runs it again harmlessly.
void migration_13_agent(Db &db) {
  db.exec(R"sql(
    CREATE TABLE IF NOT EXISTS agent_steps(
      call_id       INTEGER PRIMARY KEY REFERENCES calls(id) ON DELETE CASCADE,
      turn_id       TEXT NOT NULL,
      step          INTEGER NOT NULL,
      messages_json TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS agent_steps_turn ON agent_steps(turn_id, step);
    CREATE TABLE IF NOT EXISTS tool_calls(
      id             INTEGER PRIMARY KEY,
      call_id        INTEGER NOT NULL REFERENCES calls(id) ON DELETE CASCADE,
      tool_call_id   TEXT NOT NULL,
      name           TEXT NOT NULL,
      qualified      TEXT,
      arguments_json TEXT NOT NULL,
      status         TEXT NOT NULL,
      result_bytes   INTEGER NOT NULL,
      duration_ms    INTEGER NOT NULL
    );
    CREATE INDEX IF NOT EXISTS tool_calls_call ON tool_calls(call_id);
  )sql");
}

} // namespace webox::store
