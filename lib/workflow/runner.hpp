// Running a workflow.
//
// Everything that can be refused is refused before the first call (exit 2):
// the DAG (unknown references, cycles), the inputs, the models of steps whose
// model does not depend on another step's output, library prompts, the MCP
// servers and rag collections steps name; and, when the run starts, the
// permission of every tool a step offers (run() throws UsageError).
//
// Then the scheduler (lib/workflow/scheduler.hpp) runs the steps: one
// thread — the caller's — owns all state (the template data, the store, the
// progress callback) and takes each step through its phases, ready ->
// queued -> budget-checked -> running -> recorded; a pool of `jobs` worker
// threads only makes calls. No lock is held around a network call, and no
// template or database handle is shared between threads.
//
// A failed step fails its dependants. Steps already running finish; no new
// step starts unless `keep_going` (then every step that does not depend on
// a failure still runs). Ctrl-C cancels every call in flight (exit 130).
//
// Budgets (--max-cost and the config's caps, as for chat): a step's prompts
// exist only once the steps it needs are done, so each step is checked when
// it is queued, with the worst case of the calls still in flight; the calls
// that came back count at their real cost. A refused step fails like any
// other and sends nothing; the run then exits 5.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lib/core/config.hpp"
#include "lib/workflow/plan.hpp"
#include "lib/workflow/workflow.hpp"

namespace webox::store {
class Db;
}
namespace webox::plugin {
class Registry;
}

namespace webox::workflow {

// Steps run at once when neither --jobs nor workflow.jobs says.
constexpr int kDefaultJobs = 4;

struct RunSettings {
  std::vector<std::string> vars; // name=value
  int jobs = 0;                  // 0 = default (workflow.jobs in config, else 4)
  bool use_cache = true;
  bool keep_going = false;
  std::string model;             // replaces defaults.model ("" = keep)
  bool log = true;               // store calls, runs and steps
  bool check_inputs = true;      // false for `workflow validate`: no --var needed
  std::optional<double> max_cost; // --max-cost: the whole run's cap (USD)
  bool yes = false;              // --yes: every tool of a step that acts may run
  bool batch = false;            // --batch: model calls go through provider batches (batch_lane.hpp)
  // Inputs already resolved (a run resumed by `webox batch collect`): used
  // as they are instead of `vars`.
  std::optional<nlohmann::json> resolved_inputs;
};

struct StepReport {
  std::string id;
  std::string action;
  std::string status = "pending"; // pending, running, ok, failed, skipped, cancelled
  std::string model;
  std::string output;
  nlohmann::json json;            // parsed answer (format: json), per-model map (compare), or null
  bool cached = false;            // every call of the step came from the cache
  int64_t latency_ms = 0;
  std::optional<int64_t> tokens;
  std::optional<double> cost;
  std::string error;
  size_t items = 0, items_done = 0;
  std::vector<std::string> files; // written by output:, image:, tts:
  nlohmann::json tool_calls = nlohmann::json::array(); // every item's (TaskResult::tool_calls)
  nlohmann::json chunks;          // retrieve: the chunks found
};

struct RunReport {
  std::string run_id;
  std::string workflow;
  std::string status = "running"; // ok, failed, cancelled
  std::vector<StepReport> steps;  // in file order
  nlohmann::json outputs = nlohmann::json::object();
  bool over_budget = false;       // a step was refused by --max-cost or a budget (exit 5)
  // --batch: the provider batches of the run and their requests' results.
  struct BatchTally {
    int64_t batches = 0, ok = 0, failed = 0;
  } batch;
  nlohmann::json to_json() const;
};

// A rendered preview of one step for --dry-run.
struct PlannedStep {
  std::string id, action, model;
  std::vector<std::string> needs;
  std::string when, foreach;
  std::string system, body;       // rendered; other steps' outputs shown as <steps.ID.output>
  std::string output;
};

class WorkflowRun {
public:
  // Validates everything that can be checked without calling a model.
  // Throws InvalidWorkflow / UsageError (exit 2), Error (config, exit 4).
  WorkflowRun(plugin::Registry &registry, const Config &config, store::Db *db, Workflow wf, RunSettings settings);
  ~WorkflowRun();

  std::vector<PlannedStep> dry_run() const;

  // `on_change` is called on this thread whenever a step starts or ends.
  // Throws Interrupted after Ctrl-C (the report so far is stored).
  RunReport run(const std::function<void(const RunReport &, size_t step)> &on_change);

  const Workflow &workflow() const { return m_wf; }
  int jobs() const { return m_jobs; }

private:
  struct Impl;
  Workflow m_wf;
  int m_jobs = 4;
  std::unique_ptr<Impl> m_impl;
};

} // namespace webox::workflow
