// What a workflow run writes to the store, in one place (scheduler thread):
// the run and its steps (when logging), the calls it made (logged like chat
// calls, grouped by the run id), the step cache, and the media gallery.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "lib/store/calls.hpp"
#include "lib/store/db.hpp"
#include "lib/workflow/run_store.hpp"
#include "lib/workflow/runner.hpp"
#include "lib/workflow/task.hpp"

namespace webox::workflow {

class RunRecorder {
public:
  // `db` may be null (nothing is stored); `log`: runs, steps and calls;
  // `use_cache`: the step cache.
  RunRecorder(store::Db *db, bool log, bool use_cache);

  void start_run(const RunReport &report, const Workflow &wf, const nlohmann::json &inputs);

  // One transaction per round of bookkeeping (calls, cache, steps): a
  // thousand one-row commits cost more than the steps themselves. Left
  // empty when nothing is written but the gallery.
  void begin_round(std::optional<store::WriteTransaction> &round);

  // The cache's answer to a model call of a cached step, if any; sets the
  // task's cache key so that its answer is remembered when it comes back.
  // A step that acts (tools:, mcp:) is never cached: its answer stands for
  // what its tools did, which a cached answer would skip.
  std::optional<TaskResult> cached(Task &t, const Step &s);

  // A task came back: log its calls, remember its answer, add its media to
  // the gallery. Its calls are dropped from `r` afterwards.
  void record_result(const Task &t, TaskResult &r, const std::string &run_id);

  void record_step(const std::string &run_id, const StepReport &rep);
  void finish_run(const RunReport &report);

private:
  void record_agent_steps(const TaskResult &r, const std::vector<int64_t> &call_ids);

  store::Db *m_db;
  std::optional<RunStore> m_runs;
  std::optional<store::Calls> m_calls;
  std::optional<RunStore> m_cache;
};

} // namespace webox::workflow
