#include "lib/workflow/scheduler.hpp"

#include <algorithm>
#include <set>

#include "lib/core/cancel.hpp"
#include "lib/core/error.hpp"
#include "lib/core/logging.hpp"
#include "lib/core/template.hpp"
#include "lib/store/calls.hpp"
#include "lib/workflow/batch_lane.hpp"
#include "lib/workflow/budget_gate.hpp"
#include "lib/workflow/condition.hpp"
#include "lib/workflow/loader.hpp"
#include "lib/workflow/run_recorder.hpp"
#include "lib/workflow/step_output.hpp"

namespace webox::workflow {
namespace {

using nlohmann::json;

// Why a step ended, as far as its dependants are concerned.
enum class Outcome { pending, ok, failed, skipped_by_when, not_run, cancelled };

const char *status_of(Outcome o) {
  switch (o) {
    case Outcome::ok: return "ok";
    case Outcome::failed: return "failed";
    case Outcome::skipped_by_when:
    case Outcome::not_run: return "skipped";
    case Outcome::cancelled: return "cancelled";
    case Outcome::pending: break;
  }
  return "pending";
}

struct StepState {
  Outcome outcome = Outcome::pending;
  size_t waiting = 0; // needs not finished yet
  size_t pending_tasks = 0;
  std::vector<TaskResult> results; // per item
  std::vector<std::string> items_text;
  std::vector<std::string> output_paths; // per item, rendered `output:`
  std::string output_root;               // "" or the folder they must stay under (output_path.hpp)
  json items = json::array();            // foreach items / compare models
  int64_t started_ms = 0;
};

// A step that does not run, and why.
struct Skip {
  Outcome outcome;
  std::string error;
};

RunReport empty_report(const Workflow &wf) {
  RunReport report;
  report.run_id = store::Calls::new_conversation_id();
  report.workflow = wf.name;
  for (const auto &s : wf.steps) {
    StepReport r;
    r.id = s.id;
    r.action = action_name(s.action);
    report.steps.push_back(std::move(r));
  }
  return report;
}

class Scheduler {
public:
  Scheduler(const SchedulerSetup &setup, const OnStepChange &on_change);
  RunReport run();

private:
  // ready
  void release_ready();
  std::optional<Skip> blocked(size_t i) const;
  void start(size_t i);
  // queued, budget-checked, running
  void queue(size_t i);
  std::vector<Task> render_items(size_t i);
  void submit(size_t i, std::vector<Task> tasks);
  // recorded
  void take_result(Task &task, TaskResult &r);
  void complete(size_t i);
  void finish(size_t i, Outcome outcome, const std::string &error);
  void finish_run();

  const SchedulerSetup &m_setup;
  const Workflow &m_wf;
  const OnStepChange &m_on_change;
  RunReport m_report;
  RunRecorder m_recorder;
  chat::PriceTable m_batch_prices; // --batch: the providers' batch prices
  BudgetGate m_budget;
  json m_data;
  std::vector<StepState> m_state;
  std::vector<size_t> m_position; // index in plan order, to start ready steps in file-like order
  std::set<size_t, std::function<bool(size_t, size_t)>> m_ready;
  size_t m_finished = 0;
  bool m_stop_new = false; // a step failed and --keep-going is off
  std::string m_first_failure;
  std::vector<WorkerPool::Done> m_immediate; // cache hits, finished without a worker
  std::optional<BatchLane> m_lane;           // --batch
  WorkerPool m_pool;                         // last: its threads stop before the rest goes
};

Scheduler::Scheduler(const SchedulerSetup &setup, const OnStepChange &on_change)
    : m_setup(setup), m_wf(setup.wf), m_on_change(on_change), m_report(empty_report(setup.wf)),
      m_recorder(setup.db, setup.settings.log, setup.settings.use_cache), m_batch_prices(setup.prices.for_batch()),
      m_budget(setup.config, setup.db, setup.settings.max_cost, setup.prices, m_batch_prices),
      m_data({{"inputs", setup.inputs}, {"steps", json::object()}}), m_state(setup.wf.steps.size()),
      m_position(setup.wf.steps.size()), m_ready([this](size_t a, size_t b) { return m_position[a] < m_position[b]; }),
      m_pool(setup.jobs, setup.execute) {
  for (size_t i = 0; i < m_state.size(); ++i) m_state[i].waiting = setup.plan.needs[i].size();
  for (size_t k = 0; k < setup.plan.order.size(); ++k) m_position[setup.plan.order[k]] = k;
  if (setup.settings.batch && setup.db)
    m_lane.emplace(BatchLaneSetup{*setup.db, m_wf, m_batch_prices, m_report.run_id, setup.inputs,
                                  setup.batch_poll_ms, setup.batch_max_requests});
}

RunReport Scheduler::run() {
  const size_t n = m_wf.steps.size();
  m_recorder.start_run(m_report, m_wf, m_setup.inputs);
  for (size_t i = 0; i < n; ++i)
    if (m_state[i].waiting == 0) m_ready.insert(i);
  std::vector<WorkerPool::Done> arrived;
  while (m_finished < n) {
    {
      // Never held while waiting for workers.
      std::optional<store::WriteTransaction> round;
      m_recorder.begin_round(round);
      for (auto &[task, r] : arrived) take_result(task, r);
      arrived.clear();
      release_ready();
      if (round) round->commit();
    }
    if (m_finished >= n) break;
    if (m_lane) {
      // The round's model calls leave as batches; a failed submission's
      // tasks come back at once.
      arrived = m_lane->flush();
      if (!arrived.empty()) continue;
    }
    arrived = m_pool.collect(100);
    if (m_lane) {
      for (auto &d : cancel::requested() ? m_lane->abandon() : m_lane->poll()) arrived.push_back(std::move(d));
      m_report.batch = m_lane->tally();
    }
  }
  finish_run();
  return m_report;
}

// Cache hits first (they may release steps), then ready steps in plan order.
void Scheduler::release_ready() {
  while (!m_ready.empty() || !m_immediate.empty()) {
    if (!m_immediate.empty()) {
      std::vector<WorkerPool::Done> now;
      now.swap(m_immediate);
      for (auto &[task, r] : now) take_result(task, r);
      continue;
    }
    size_t next = *m_ready.begin();
    m_ready.erase(m_ready.begin());
    start(next);
  }
}

std::optional<Skip> Scheduler::blocked(size_t i) const {
  for (size_t need : m_setup.plan.needs[i]) {
    Outcome o = m_state[need].outcome;
    if (o == Outcome::failed) return Skip{Outcome::failed, "needs step '" + m_wf.steps[need].id + "', which failed"};
    if (o == Outcome::not_run || o == Outcome::cancelled)
      return Skip{Outcome::not_run, "not run: step '" + m_wf.steps[need].id + "' did not run"};
  }
  if (cancel::requested()) return Skip{Outcome::cancelled, "cancelled"};
  if (m_stop_new)
    return Skip{Outcome::not_run,
                "not run: step '" + m_first_failure + "' failed (use --keep-going to run independent steps)"};
  return std::nullopt;
}

// Phase "ready": step i's needs are done; it runs or is skipped.
void Scheduler::start(size_t i) {
  if (auto skip = blocked(i)) return finish(i, skip->outcome, skip->error);
  m_state[i].started_ms = cancel::monotonic_ms();
  try {
    const Step &s = m_wf.steps[i];
    if (!s.when.empty() && !condition_holds(render_strict(s.when.text, m_data, "when")))
      return finish(i, Outcome::skipped_by_when, "");
    queue(i);
  } catch (const std::exception &e) {
    if (auto *refusal = dynamic_cast<const Error *>(&e); refusal && refusal->code() == ExitCode::quota)
      m_report.over_budget = true;
    // Items found in the cache before the failure belong to a step that is over.
    std::erase_if(m_immediate, [&](const WorkerPool::Done &d) { return d.first.step == i; });
    finish(i, Outcome::failed, logging::redact(e.what()));
  }
}

// Phase "queued": the step's items, rendered into tasks.
void Scheduler::queue(size_t i) {
  StepState &st = m_state[i];
  st.items = expand_items(m_wf.steps[i], m_data);
  m_report.steps[i].items = st.items.size();
  st.results.resize(st.items.size());
  submit(i, render_items(i));
}

// Renders every item of step i. `write:` items and cache hits are answered
// at once; the rest are returned, to run.
std::vector<Task> Scheduler::render_items(size_t i) {
  const Step &s = m_wf.steps[i];
  StepState &st = m_state[i];
  auto lib_it = m_setup.library.find(i);
  const StepSource src{
      m_wf, s, i, lib_it == m_setup.library.end() ? nullptr : &lib_it->second, m_setup.config.media, m_setup.links};
  const bool per_item = s.action == Action::compare || s.foreach_list || !s.foreach.empty();
  std::vector<Task> to_run;
  for (size_t k = 0; k < st.items.size(); ++k) {
    ItemScope scope(m_data, per_item, st.items[k], k);
    ItemOutput out = render_item_output(s, m_data);
    if (!s.output.empty()) {
      st.output_paths.push_back(out.path);
      st.output_root = out.root;
    }
    if (s.action == Action::write) {
      st.results[k].text = render_strict(s.body.text, m_data, "write");
      continue;
    }
    if (s.action == Action::retrieve) {
      Retrieved found = m_setup.retrieve(s, render_strict(s.retrieve.query.text, m_data, "retrieve.query"));
      st.results[k].text = std::move(found.text);
      st.results[k].json = std::move(found.chunks);
      continue;
    }
    Task t = render_task(src, m_data, k, st.items[k], out);
    if (auto tools = m_setup.tools.find(i); tools != m_setup.tools.end()) t.tools = tools->second;
    if (calls_a_model(s.action))
      if (auto hit = m_recorder.cached(t, s)) {
        m_immediate.emplace_back(std::move(t), std::move(*hit));
        continue;
      }
    to_run.push_back(std::move(t));
  }
  return to_run;
}

// Phases "budget-checked" and "running".
void Scheduler::submit(size_t i, std::vector<Task> tasks) {
  if (m_lane)
    for (auto &t : tasks) t.batch = m_lane->takes(t);
  m_budget.reserve(tasks);
  StepState &st = m_state[i];
  st.pending_tasks = tasks.size() + std::count_if(m_immediate.begin(), m_immediate.end(),
                                                  [&](const auto &d) { return d.first.step == i; });
  m_report.steps[i].status = "running";
  m_on_change(m_report, i);
  for (auto &t : tasks) {
    if (t.batch) m_lane->add(std::move(t));
    else m_pool.submit(std::move(t));
  }
  if (st.pending_tasks == 0) complete(i); // write steps, empty foreach
}

// Phase "recorded", per item.
void Scheduler::take_result(Task &task, TaskResult &r) {
  StepState &st = m_state[task.step];
  m_budget.returned(task, r.cost);
  m_recorder.record_result(task, r, m_report.run_id);
  st.results[task.item] = std::move(r);
  m_report.steps[task.step].items_done++;
  if (--st.pending_tasks == 0) complete(task.step);
}

// All items of step i are back: assemble its output and write its files.
void Scheduler::complete(size_t i) {
  StepState &st = m_state[i];
  StepReport &rep = m_report.steps[i];
  const Step &s = m_wf.steps[i];
  rep.latency_ms = cancel::monotonic_ms() - st.started_ms;
  StepItems items{st.items, st.results, st.items_text, st.output_paths, st.output_root};
  ItemsOutcome outcome = tally_items(s, items, rep);
  if (outcome.cancelled) return finish(i, Outcome::cancelled, "cancelled");
  if (!outcome.error.empty()) return finish(i, Outcome::failed, outcome.error);
  assemble_output(s, items, rep);
  try {
    write_step_files(s, items, rep);
  } catch (const std::exception &e) {
    return finish(i, Outcome::failed, std::string("output: ") + e.what());
  }
  finish(i, Outcome::ok, "");
}

// Phase "recorded", per step: the step is over; record it, release its
// dependants.
void Scheduler::finish(size_t i, Outcome outcome, const std::string &error) {
  StepState &st = m_state[i];
  StepReport &rep = m_report.steps[i];
  const Step &s = m_wf.steps[i];
  st.outcome = outcome;
  rep.error = error;
  if (outcome != Outcome::pending) rep.status = status_of(outcome);
  m_data["steps"][s.id] = {{"output", rep.output},
                           {"text", rep.output},
                           {"chunks", rep.chunks.is_null() ? json::array() : rep.chunks},
                           {"json", rep.json},
                           {"outputs", st.items_text},
                           {"files", rep.files},
                           {"status", rep.status}};
  if (outcome == Outcome::failed) {
    if (m_first_failure.empty()) m_first_failure = s.id;
    if (!m_setup.settings.keep_going) m_stop_new = true;
  }
  m_recorder.record_step(m_report.run_id, rep);
  ++m_finished;
  for (size_t d : m_setup.plan.dependants[i])
    if (--m_state[d].waiting == 0) m_ready.insert(d);
  m_on_change(m_report, i);
}

// The workflow's outputs and status; Interrupted after Ctrl-C.
void Scheduler::finish_run() {
  std::set<std::string> missing;
  for (const auto &[name, t] : m_wf.outputs) {
    try {
      m_report.outputs[name] = render_template(t.text, m_data, &missing);
    } catch (const TemplateError &) {
      m_report.outputs[name] = nullptr;
    }
  }
  bool failed = false, cancelled = cancel::requested();
  for (const auto &s : m_report.steps) {
    failed = failed || s.status == "failed";
    cancelled = cancelled || s.status == "cancelled";
  }
  m_report.status = cancelled ? "cancelled" : failed ? "failed" : "ok";
  m_recorder.finish_run(m_report);
  if (cancelled) throw Interrupted();
}

} // namespace

RunReport run_scheduled(const SchedulerSetup &setup, const OnStepChange &on_change) {
  return Scheduler(setup, on_change).run();
}

} // namespace webox::workflow
