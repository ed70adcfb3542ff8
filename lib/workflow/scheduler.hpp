// The scheduler of a workflow run. One thread — the caller's — owns all
// state: the template data, the store, the progress callback; a pool of
// `jobs` worker threads only executes tasks. A step goes through five
// phases, each in its own unit:
//
//   ready          its needs are done: it runs, or is skipped (a need failed
//                  or did not run, Ctrl-C, a failure without --keep-going,
//                  `when:` false)                          scheduler.cpp
//   queued         `foreach:` / `compare:` expanded, every template rendered,
//                  one task per item; cache hits are answered here
//                                                          step_render.*
//   budget-checked the step's model calls, with those in flight, against
//                  --max-cost and the config's caps        budget_gate.*
//   running        tasks on the worker threads             worker_pool.*
//   recorded       each result logged, cached, added to the gallery
//                  (run_recorder.*); once all items are back, the step's
//                  output assembled and its files written (step_output.*);
//                  the step recorded and its dependants released.
//
// A failed step fails its dependants. Steps already running finish; no new
// step starts unless `keep_going`. No lock is held around a call, and no
// template or database handle is shared between threads.
#pragma once

#include <functional>
#include <map>
#include <memory>

#include <nlohmann/json.hpp>

#include "lib/core/config.hpp"
#include "lib/workflow/plan.hpp"
#include "lib/workflow/prompt_library.hpp"
#include "lib/workflow/runner.hpp"
#include "lib/workflow/step_render.hpp"
#include "lib/workflow/worker_pool.hpp"

namespace webox::chat {
class PriceTable;
}

namespace webox::workflow {

// Everything a run is made from, validated beforehand (WorkflowRun).
// What a retrieve: step found: its chunks ([{n, path, start_line,
// end_line, score, heading, text}]) and the same, numbered, for a prompt.
struct Retrieved {
  nlohmann::json chunks;
  std::string text;
};
using Retriever = std::function<Retrieved(const Step &s, const std::string &query)>;

struct SchedulerSetup {
  const Workflow &wf;
  const Plan &plan;
  const std::map<size_t, LibraryPrompt> &library; // by step index
  const nlohmann::json &inputs;
  const Config &config; // media defaults, budget caps
  store::Db *db;        // may be null
  const RunSettings &settings;
  int jobs;
  const chat::PriceTable &prices;
  LinkResolver links;   // model spec -> chain
  TaskExecutor execute; // runs on the workers
  const std::map<size_t, std::shared_ptr<const StepTools>> &tools; // steps that act, by index
  Retriever retrieve;   // retrieve: steps (scheduler thread)
  int64_t batch_poll_ms = 30000;  // --batch: how often a waiting batch is asked (batch_settings.hpp)
  int64_t batch_max_requests = 0; // --batch: 0 = the provider's limit
};

using OnStepChange = std::function<void(const RunReport &, size_t step)>;

// Runs every step of the plan. `on_change` is called on this thread
// whenever a step starts or ends. Throws Interrupted after Ctrl-C (the
// report so far is stored).
RunReport run_scheduled(const SchedulerSetup &setup, const OnStepChange &on_change);

} // namespace webox::workflow
