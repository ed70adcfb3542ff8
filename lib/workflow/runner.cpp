#include "lib/workflow/runner.hpp"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <regex>
#include <set>
#include <thread>

#include <spdlog/spdlog.h>

#include "lib/chat/budget.hpp"
#include "lib/chat/call_log.hpp"
#include "lib/chat/model_ref.hpp"
#include "lib/chat/prices.hpp"
#include "lib/core/cancel.hpp"
#include "lib/core/error.hpp"
#include "lib/core/logging.hpp"
#include "lib/core/template.hpp"
#include "lib/media/gallery.hpp"
#include "lib/media/generate.hpp"
#include "lib/core/atomic_file.hpp"
#include "lib/media/output_file.hpp"
#include "lib/workflow/output_path.hpp"
#include "lib/store/calls.hpp"
#include "lib/store/db.hpp"
#include "lib/workflow/condition.hpp"
#include "lib/workflow/inputs.hpp"
#include "lib/workflow/json_answer.hpp"
#include "lib/workflow/loader.hpp"
#include "lib/workflow/prompt_library.hpp"
#include "lib/workflow/run_store.hpp"
#include "lib/workflow/task.hpp"
#include "lib/core/json_limits.hpp"

namespace webox::workflow {
namespace {

using nlohmann::json;

bool calls_a_model(Action a) { return a == Action::prompt || a == Action::use || a == Action::compare; }

// The model a step uses when it names none.
std::string default_model_for(Action a, const std::string &workflow_default, const MediaConfig &configured) {
  switch (a) {
    case Action::tts: return media::default_media_model(media::MediaKind::speech, configured).model;
    case Action::transcribe: return media::default_media_model(media::MediaKind::transcription, configured).model;
    case Action::image: return media::default_media_model(media::MediaKind::image, configured).model;
    default: return workflow_default;
  }
}

bool has_tags(const std::string &text) { return text.find("{{") != std::string::npos; }

// Worker threads that run tasks and hand results back. Joined on
// destruction, even when the scheduler leaves by an exception.
class WorkerPool {
public:
  using Done = std::pair<Task, TaskResult>;

  WorkerPool(int threads, const chat::PriceTable &prices) : m_prices(prices) {
    for (int i = 0; i < threads; ++i) m_threads.emplace_back([this] { work(); });
  }
  ~WorkerPool() {
    {
      std::lock_guard lock(m_mutex);
      m_stopping = true;
    }
    m_work.notify_all();
    for (auto &t : m_threads) t.join();
  }
  WorkerPool(const WorkerPool &) = delete;
  WorkerPool &operator=(const WorkerPool &) = delete;

  void submit(Task task) {
    {
      std::lock_guard lock(m_mutex);
      m_queue.push_back(std::move(task));
    }
    m_work.notify_one();
  }

  // Waits up to `ms` for results; returns those available (maybe none).
  std::vector<Done> collect(int ms) {
    std::unique_lock lock(m_mutex);
    m_done_cv.wait_for(lock, std::chrono::milliseconds(ms), [this] { return !m_done.empty(); });
    std::vector<Done> out(std::make_move_iterator(m_done.begin()), std::make_move_iterator(m_done.end()));
    m_done.clear();
    return out;
  }

private:
  void work() {
    while (true) {
      Task task;
      {
        std::unique_lock lock(m_mutex);
        m_work.wait(lock, [this] { return m_stopping || !m_queue.empty(); });
        if (m_stopping) return; // the scheduler left (an error): queued tasks are dropped
        task = std::move(m_queue.front());
        m_queue.pop_front();
      }
      TaskResult r = execute_task(task, m_prices);
      {
        std::lock_guard lock(m_mutex);
        m_done.emplace_back(std::move(task), std::move(r));
      }
      m_done_cv.notify_one();
    }
  }

  const chat::PriceTable &m_prices;
  std::mutex m_mutex;
  std::condition_variable m_work, m_done_cv;
  std::deque<Task> m_queue;
  std::deque<Done> m_done;
  bool m_stopping = false;
  std::vector<std::thread> m_threads;
};

// Why a step ended, as far as its dependants are concerned.
enum class Outcome { pending, ok, failed, skipped_by_when, not_run, cancelled };

struct StepState {
  Outcome outcome = Outcome::pending;
  size_t waiting = 0;                // needs not finished yet
  size_t pending_tasks = 0;
  std::vector<TaskResult> results;   // per item
  std::vector<std::string> items_text;
  std::vector<std::string> output_paths; // per item, rendered `output:`
  std::string output_root;               // "" or the folder they must stay under (output_path.hpp)
  json items = json::array();        // foreach items / compare models
  int64_t started_ms = 0;
};

} // namespace

struct WorkflowRun::Impl {
  plugin::Registry &registry;
  const Config &config;
  store::Db *db;
  RunSettings settings;
  Plan plan;
  json inputs;
  chat::PriceTable prices;
  std::map<size_t, LibraryPrompt> library; // by step index
  std::map<std::string, std::vector<chat::ChainLink>> links; // by model spec

  Impl(plugin::Registry &r, const Config &c, store::Db *d, RunSettings s)
      : registry(r), config(c), db(d), settings(std::move(s)), prices(chat::PriceTable::for_config(c)) {}

  // Resolves and binds a model spec once (loads plugins: scheduler thread).
  const std::vector<chat::ChainLink> &links_for(const std::string &spec) {
    auto it = links.find(spec);
    if (it != links.end()) return it->second;
    std::vector<chat::ModelRef> chain = chat::resolve_chain(spec, {}, config, registry);
    return links.emplace(spec, chat::bind_chain(chain, config, registry)).first->second;
  }
};

WorkflowRun::WorkflowRun(plugin::Registry &registry, const Config &config, store::Db *db, Workflow wf,
                         RunSettings settings)
    : m_wf(std::move(wf)), m_impl(std::make_unique<Impl>(registry, config, db, std::move(settings))) {
  Impl &im = *m_impl;
  if (!im.settings.model.empty()) m_wf.default_model = im.settings.model;
  if (m_wf.default_model.empty()) m_wf.default_model = config.default_model;
  m_jobs = im.settings.jobs > 0 ? im.settings.jobs : config.workflow_jobs.value_or(kDefaultJobs);
  im.plan = make_plan(m_wf);

  std::vector<Diagnostic> problems;
  for (size_t i = 0; i < m_wf.steps.size(); ++i) {
    const Step &s = m_wf.steps[i];
    if (s.action == Action::use) {
      try {
        LibraryPrompt p = find_library_prompt(s.use);
        for (const auto &[var, description] : p.variables)
          if (!s.with.count(var))
            problems.push_back({m_wf.file, s.pos, "step '" + s.id + "': prompt '" + p.name + "' needs 'with: {" + var +
                                                      ": ...}'" + (description.empty() ? "" : " (" + description + ")")});
        im.library.emplace(i, std::move(p));
      } catch (const UsageError &e) {
        problems.push_back({m_wf.file, s.pos, "step '" + s.id + "': " + e.what()});
      }
    }
    if (s.action == Action::write) continue;
    std::vector<std::pair<std::string, SourcePos>> specs;
    if (s.action == Action::compare)
      for (const auto &m : s.compare_models) specs.emplace_back(m, s.pos);
    else if (!s.model.empty())
      specs.emplace_back(s.model.text, s.model.pos);
    else {
      std::string spec = default_model_for(s.action, m_wf.default_model, config.media);
      if (s.action == Action::use && spec.empty() && im.library.count(i)) spec = im.library.at(i).model;
      if (spec.empty()) {
        problems.push_back({m_wf.file, s.pos, "step '" + s.id + "' has no model: set 'model:', 'defaults: {model: ...}' "
                                                                "or run with -m provider:model"});
        continue;
      }
      specs.emplace_back(spec, s.pos);
    }
    for (const auto &[spec, pos] : specs) {
      if (has_tags(spec)) continue; // known once the steps it names have run
      try {
        im.links_for(spec);
      } catch (const Error &e) {
        problems.push_back({m_wf.file, pos, "step '" + s.id + "': " + e.what()});
      }
    }
  }
  if (!problems.empty()) throw InvalidWorkflow(std::move(problems));
  if (im.settings.check_inputs) im.inputs = resolve_inputs(m_wf, im.settings.vars);
}

WorkflowRun::~WorkflowRun() = default;

namespace {

// The model spec of a step for one item (compare: the item itself).
std::string spec_of(const Step &s, const Workflow &wf, const MediaConfig &configured, const LibraryPrompt *lib,
                    const json &item) {
  if (s.action == Action::compare) return item.get<std::string>();
  if (!s.model.empty()) return s.model.text;
  std::string spec = default_model_for(s.action, wf.default_model, configured);
  if (spec.empty() && lib) spec = lib->model;
  return spec;
}

// Renders, refusing a name that resolves to nothing — a typo in a field
// name must not send a model a prompt with a hole in it. A step that was
// skipped or failed has no output to miss: names under it render empty.
std::string render_strict(const std::string &text, const json &data, const std::string &what) {
  std::set<std::string> missing;
  std::string out = render_template(text, data, &missing);
  for (const auto &name : missing) {
    if (name.rfind("steps.", 0) == 0) {
      std::string id = name.substr(6, name.find('.', 6) - 6);
      const json &steps = data["steps"];
      if (!steps.contains(id) || steps[id].value("status", "") != "ok") continue;
    } else if (!(name.rfind("inputs.", 0) == 0 || name == "item" || name == "index" || name.rfind("item.", 0) == 0)) {
      continue; // a name relative to a section being iterated
    }
    throw UsageError(what + ": {{" + name + "}} has no value");
  }
  return out;
}

// `root`: "" for a literal `output:` (its folders made as given), else the
// folder the rendered path must stay under (the writer makes the folders
// below it, never through a symbolic link).
void write_text_file(const std::string &path, const std::string &text, const std::string &root) {
  std::filesystem::path p(path);
  if (root.empty() && p.has_parent_path()) std::filesystem::create_directories(p.parent_path());
  webox::write_file_atomically(p, text, AtomicFileOptions{0666, root});
}

std::string join_texts(const std::vector<std::string> &texts) {
  std::string out;
  for (const auto &t : texts) out += (out.empty() ? "" : "\n\n") + t;
  return out;
}

} // namespace

std::vector<PlannedStep> WorkflowRun::dry_run() const {
  std::vector<PlannedStep> out;
  json data = {{"inputs", m_impl->inputs}, {"steps", json::object()}};
  data["item"] = "<item>";
  data["index"] = "<index>";
  // Other steps' values are unknown before the run: each {{steps...}}
  // variable is shown as written, in angle brackets.
  static const std::regex step_variable(R"(\{\{\{?\s*&?\s*(steps\.[^}#^/!>\s]+)\s*\}?\}\})");
  auto render = [&](const std::string &t) {
    try {
      return render_template(std::regex_replace(t, step_variable, "<$1>"), data);
    } catch (const TemplateError &e) {
      return std::string(e.what());
    }
  };
  for (size_t i : m_impl->plan.order) {
    const Step &s = m_wf.steps[i];
    PlannedStep p;
    p.id = s.id;
    p.action = action_name(s.action);
    auto lib = m_impl->library.find(i);
    const LibraryPrompt *lp = lib == m_impl->library.end() ? nullptr : &lib->second;
    if (s.action == Action::compare) {
      for (const auto &m : s.compare_models) p.model += (p.model.empty() ? "" : ", ") + m;
    } else if (s.action != Action::write) {
      p.model = render(spec_of(s, m_wf, m_impl->config.media, lp, json()));
    }
    for (size_t n : m_impl->plan.needs[i]) p.needs.push_back(m_wf.steps[n].id);
    p.when = render(s.when.text);
    p.foreach = s.foreach_list ? s.foreach_list->dump() : render(s.foreach.text);
    p.system = render(!s.system.empty() ? s.system.text : m_wf.default_system);
    if (lp) {
      json vars = json::object();
      for (const auto &[k, v] : s.with) vars[k] = render(v.text);
      p.body = render_template(lp->body, vars);
      if (s.system.empty() && !lp->system.empty()) p.system = render_template(lp->system, vars);
    } else {
      p.body = render(s.body.text);
    }
    if (s.json_format) p.body += "\n\n" + json_instruction(s.schema);
    p.output = render(s.output.text);
    out.push_back(std::move(p));
  }
  return out;
}

json RunReport::to_json() const {
  json steps_doc = json::array();
  for (const auto &s : steps) {
    json j = {{"id", s.id},          {"status", s.status},          {"model", s.model},
              {"output", s.output},  {"cached", s.cached},          {"latency_ms", s.latency_ms},
              {"tokens", s.tokens ? json(*s.tokens) : json(nullptr)},
              {"cost", s.cost ? json(*s.cost) : json(nullptr)}};
    if (!s.json.is_null()) j["json"] = s.json;
    if (!s.error.empty()) j["error"] = s.error;
    if (!s.files.empty()) j["files"] = s.files;
    steps_doc.push_back(std::move(j));
  }
  return {{"workflow", workflow}, {"run_id", run_id}, {"status", status}, {"steps", steps_doc}, {"outputs", outputs}};
}

RunReport WorkflowRun::run(const std::function<void(const RunReport &, size_t)> &on_change) {
  Impl &im = *m_impl;
  const size_t n = m_wf.steps.size();
  RunReport report;
  report.run_id = store::Calls::new_conversation_id();
  report.workflow = m_wf.name;
  for (const auto &s : m_wf.steps) {
    StepReport r;
    r.id = s.id;
    r.action = action_name(s.action);
    report.steps.push_back(std::move(r));
  }
  std::optional<RunStore> run_store;
  std::optional<store::Calls> calls;
  if (im.db && im.settings.log) {
    run_store.emplace(*im.db);
    calls.emplace(*im.db);
    run_store->start_run(report.run_id, m_wf.name, m_wf.file.string(), im.inputs);
  }
  std::optional<RunStore> cache;
  if (im.db && im.settings.use_cache) cache.emplace(*im.db);

  json data = {{"inputs", im.inputs}, {"steps", json::object()}};
  std::vector<StepState> state(n);
  for (size_t i = 0; i < n; ++i) state[i].waiting = im.plan.needs[i].size();
  std::vector<size_t> position(n); // index in plan order, to launch ready steps in file-like order
  for (size_t k = 0; k < n; ++k) position[im.plan.order[k]] = k;

  size_t finished = 0;
  bool stop_new = false;       // a step failed and --keep-going is off
  std::string first_failure;
  std::set<size_t, std::function<bool(size_t, size_t)>> ready(
      [&](size_t a, size_t b) { return position[a] < position[b]; });
  WorkerPool pool(m_jobs, im.prices);
  std::vector<WorkerPool::Done> immediate; // cache hits, finished without a worker

  chat::Budget budget(im.config, im.db, im.settings.max_cost);
  std::map<std::pair<size_t, size_t>, chat::CallEstimate> in_flight; // by (step, item), until its result is back
  double spent = 0;                                                   // this run's calls that came back
  // Throws Error (exit 5) when the model calls of `tasks`, with those in
  // flight, could pass a cap; else counts them as in flight.
  auto reserve_budget = [&](const std::vector<Task> &tasks) {
    if (!budget.active()) return;
    std::vector<chat::CallEstimate> all;
    std::vector<std::pair<std::pair<size_t, size_t>, chat::CallEstimate>> mine;
    for (const auto &[key, e] : in_flight) all.push_back(e);
    for (const Task &t : tasks) {
      if (!calls_a_model(t.action)) continue;
      std::vector<chat::ModelRef> chain;
      for (const auto &link : t.links) chain.push_back(link.model);
      mine.push_back({{t.step, t.item}, chat::estimate_chain(im.prices, chain, t.messages, t.options)});
      all.push_back(mine.back().second);
    }
    if (mine.empty()) return;
    budget.check(all, spent);
    for (auto &[key, e] : mine) in_flight.emplace(key, std::move(e));
  };

  auto finish_step = [&](size_t i, Outcome outcome, const std::string &error) {
    StepState &st = state[i];
    StepReport &rep = report.steps[i];
    const Step &s = m_wf.steps[i];
    st.outcome = outcome;
    rep.error = error;
    json step_data = {{"output", rep.output}, {"json", rep.json}, {"outputs", st.items_text}, {"files", rep.files}};
    switch (outcome) {
      case Outcome::ok: rep.status = "ok"; break;
      case Outcome::failed: rep.status = "failed"; break;
      case Outcome::skipped_by_when:
      case Outcome::not_run: rep.status = "skipped"; break;
      case Outcome::cancelled: rep.status = "cancelled"; break;
      case Outcome::pending: break;
    }
    step_data["status"] = rep.status;
    data["steps"][s.id] = std::move(step_data);
    if (outcome == Outcome::failed) {
      if (first_failure.empty()) first_failure = s.id;
      if (!im.settings.keep_going) stop_new = true;
    }
    if (run_store) {
      StepRow row{s.id, rep.status, rep.model, rep.output, rep.cached, rep.latency_ms, rep.tokens, rep.cost, rep.error};
      run_store->record_step(report.run_id, row);
    }
    ++finished;
    for (size_t d : im.plan.dependants[i])
      if (--state[d].waiting == 0) ready.insert(d);
    on_change(report, i);
  };

  // All items of step i are back: assemble its output and write its files.
  auto complete_step = [&](size_t i) {
    StepState &st = state[i];
    StepReport &rep = report.steps[i];
    const Step &s = m_wf.steps[i];
    rep.latency_ms = cancel::monotonic_ms() - st.started_ms;
    bool all_cached = !st.results.empty();
    bool cost_known = true;
    std::string error;
    bool cancelled = false;
    for (size_t k = 0; k < st.results.size(); ++k) {
      const TaskResult &r = st.results[k];
      all_cached = all_cached && r.cached;
      if (r.input_tokens || r.output_tokens) rep.tokens = rep.tokens.value_or(0) + r.input_tokens.value_or(0) + r.output_tokens.value_or(0);
      if (r.cost) rep.cost = rep.cost.value_or(0) + *r.cost;
      if (r.cost_unknown) cost_known = false;
      if (r.status == "cancelled") cancelled = true;
      else if (r.status != "ok" && error.empty())
        error = st.results.size() > 1 ? "item " + std::to_string(k + 1) + ": " + r.error : r.error;
      st.items_text.push_back(r.text);
      for (const auto &m : r.media) rep.files.push_back(m.file_path);
    }
    if (!cost_known) rep.cost.reset();
    rep.cached = all_cached && calls_a_model(s.action);
    if (!st.results.empty() && rep.model.empty()) rep.model = st.results.front().model;
    if (cancelled) return finish_step(i, Outcome::cancelled, "cancelled");
    if (!error.empty()) return finish_step(i, Outcome::failed, error);

    const bool many = s.foreach_list || !s.foreach.empty();
    if (s.action == Action::compare) {
      rep.json = json::object();
      std::string text;
      for (size_t k = 0; k < st.results.size(); ++k) {
        std::string model = st.items[k].get<std::string>();
        rep.json[model] = st.results[k].text;
        text += (text.empty() ? "" : "\n\n") + ("## " + model + "\n\n" + st.results[k].text);
      }
      rep.output = text;
      rep.model = "";
      for (const auto &m : s.compare_models) rep.model += (rep.model.empty() ? "" : ", ") + m;
    } else if (many) {
      rep.output = join_texts(st.items_text);
      rep.json = json::array();
      for (const auto &r : st.results) rep.json.push_back(r.json ? *r.json : json(r.text));
    } else {
      rep.output = st.items_text.empty() ? "" : st.items_text.front();
      rep.json = !st.results.empty() && st.results.front().json ? *st.results.front().json : json();
    }
    // `output:` files. Media steps wrote theirs already; others write text:
    // per item when the path differs per item, else the step's whole output.
    if (!s.output.empty() && s.action != Action::tts && s.action != Action::image) {
      try {
        std::map<std::string, std::vector<std::string>> by_path;
        std::vector<std::string> order;
        for (size_t k = 0; k < st.output_paths.size(); ++k) {
          if (!by_path.count(st.output_paths[k])) order.push_back(st.output_paths[k]);
          by_path[st.output_paths[k]].push_back(s.action == Action::write ? st.items_text[k] : st.results[k].text);
        }
        for (const auto &path : order) {
          const auto &texts = by_path[path];
          std::string text = texts.size() == 1 ? texts.front() : join_texts(texts);
          if (s.action != Action::write && !text.empty() && text.back() != '\n') text += '\n';
          write_text_file(path, text, st.output_root);
          rep.files.push_back(path);
        }
      } catch (const std::exception &e) {
        return finish_step(i, Outcome::failed, std::string("output: ") + e.what());
      }
    }
    finish_step(i, Outcome::ok, "");
  };

  // Step i's needs are done: decide whether it runs, render it, queue it.
  auto launch = [&](size_t i) {
    const Step &s = m_wf.steps[i];
    StepState &st = state[i];
    StepReport &rep = report.steps[i];
    for (size_t need : im.plan.needs[i]) {
      Outcome o = state[need].outcome;
      if (o == Outcome::failed) return finish_step(i, Outcome::failed, "needs step '" + m_wf.steps[need].id + "', which failed");
      if (o == Outcome::not_run || o == Outcome::cancelled)
        return finish_step(i, Outcome::not_run, "not run: step '" + m_wf.steps[need].id + "' did not run");
    }
    if (cancel::requested()) return finish_step(i, Outcome::cancelled, "cancelled");
    if (stop_new) return finish_step(i, Outcome::not_run, "not run: step '" + first_failure + "' failed (use --keep-going to run independent steps)");
    st.started_ms = cancel::monotonic_ms();
    try {
      if (!s.when.empty() && !condition_holds(render_strict(s.when.text, data, "when")))
        return finish_step(i, Outcome::skipped_by_when, "");
      if (s.action == Action::compare) {
        for (const auto &m : s.compare_models) st.items.push_back(m);
      } else if (s.foreach_list) {
        st.items = *s.foreach_list;
      } else if (!s.foreach.empty()) {
        std::string rendered = render_strict(s.foreach.text, data, "foreach");
        json list = parse_json_or_discarded(rendered);
        if (list.is_discarded() || !list.is_array()) {
          list = json::array(); // a plain text list: one item per non-empty line
          size_t start = 0;
          while (start <= rendered.size()) {
            size_t nl = rendered.find('\n', start);
            std::string line = rendered.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
            if (line.find_first_not_of(" \t\r") != std::string::npos) list.push_back(line);
            if (nl == std::string::npos) break;
            start = nl + 1;
          }
        }
        st.items = list;
      } else {
        st.items.push_back(nullptr);
      }
      const bool per_item = s.action == Action::compare || s.foreach_list || !s.foreach.empty();
      auto lib_it = im.library.find(i);
      const LibraryPrompt *lib = lib_it == im.library.end() ? nullptr : &lib_it->second;
      rep.items = st.items.size();
      st.results.resize(st.items.size());
      std::vector<Task> to_queue;
      for (size_t k = 0; k < st.items.size(); ++k) {
        if (per_item) {
          data["item"] = st.items[k];
          data["index"] = k;
        }
        Task t;
        t.step = i;
        t.item = k;
        t.action = s.action;
        t.retries = s.retries;
        t.json_format = s.json_format;
        t.schema = s.schema;
        if (!s.output.empty()) {
          OutputPath out = confine_output(s.output.text, render_strict(s.output.text, data, "output"));
          st.output_paths.push_back(out.path.string());
          st.output_root = out.root.string();
        }
        if (s.action == Action::write) {
          TaskResult r;
          r.text = render_strict(s.body.text, data, "write");
          st.results[k] = std::move(r);
          continue;
        }
        std::string spec = render_strict(spec_of(s, m_wf, im.config.media, lib, st.items[k]), data, "model");
        if (s.action == Action::compare) st.items[k] = spec; // the column's name, rendered
        t.links = im.links_for(spec);
        t.options = m_wf.default_options;
        for (const auto &[key, value] : s.options.items()) {
          if (value.is_string() && has_tags(value.get<std::string>()))
            t.options[key] = render_strict(value.get<std::string>(), data, "options." + key);
          else
            t.options[key] = value;
        }
        if (calls_a_model(s.action)) {
          if (lib) {
            // A library prompt sees only its variables, given by `with:`.
            json vars = json::object();
            for (const auto &[name, value] : s.with) vars[name] = render_strict(value.text, data, "with." + name);
            std::set<std::string> missing;
            t.prompt = render_template(lib->body, vars, &missing);
            if (s.system.empty() && !lib->system.empty()) t.system = render_template(lib->system, vars, &missing);
            if (!missing.empty())
              throw UsageError("prompt '" + lib->name + "' uses {{" + *missing.begin() + "}}, which 'with:' does not give");
          } else {
            t.prompt = render_strict(s.body.text, data, "prompt");
          }
          if (t.system.empty())
            t.system = render_strict(!s.system.empty() ? s.system.text : m_wf.default_system, data, "system");
          std::string user = t.prompt;
          if (s.json_format) user += "\n\n" + json_instruction(s.schema);
          if (!t.system.empty()) t.messages.push_back({{"role", "system"}, {"content", t.system}});
          t.messages.push_back({{"role", "user"}, {"content", user}});
          if (cache && s.cache) {
            const chat::ModelRef &m = t.links.front().model;
            t.cache_key = cache_key(m.provider, m.model, t.messages, t.options);
            if (auto hit = cache->cached(t.cache_key)) {
              TaskResult r;
              r.cached = true;
              r.model = m.text();
              r.text = hit->answer;
              r.input_tokens = hit->input_tokens;
              r.output_tokens = hit->output_tokens;
              if (s.json_format) r.json = parse_json_answer(r.text, s.schema); // it was valid when stored
              immediate.emplace_back(std::move(t), std::move(r));
              continue;
            }
          }
        } else if (s.action == Action::transcribe) {
          t.path = render_strict(s.body.text, data, "transcribe");
          // A file named by a model's answer must not be any file of the
          // user's (sent to a provider): the same confinement as `output:`.
          // Names from inputs are the user's own.
          static const std::regex from_data(R"(\{\{\{?\s*&?\s*(steps\.|item\b))");
          if (std::regex_search(s.body.text, from_data)) confine_output(s.body.text, t.path, "transcribe");
        } else {
          t.text = render_strict(s.body.text, data, action_name(s.action));
          if (!s.output.empty()) {
            t.path = st.output_paths.back();
            t.output_root = st.output_root;
          }
        }
        to_queue.push_back(std::move(t));
      }
      data.erase("item");
      data.erase("index");
      reserve_budget(to_queue);
      st.pending_tasks = to_queue.size() + std::count_if(immediate.begin(), immediate.end(),
                                                         [&](const auto &d) { return d.first.step == i; });
      rep.status = "running";
      on_change(report, i);
      for (auto &t : to_queue) pool.submit(std::move(t));
      if (st.pending_tasks == 0) complete_step(i); // write steps, empty foreach
    } catch (const std::exception &e) {
      data.erase("item");
      data.erase("index");
      if (auto *refusal = dynamic_cast<const Error *>(&e); refusal && refusal->code() == ExitCode::quota)
        report.over_budget = true;
      // Items found in the cache before the failure belong to a step that is over.
      std::erase_if(immediate, [&](const WorkerPool::Done &d) { return d.first.step == i; });
      finish_step(i, Outcome::failed, logging::redact(e.what()));
    }
  };

  auto take_result = [&](Task &task, TaskResult &r) {
    StepState &st = state[task.step];
    in_flight.erase({task.step, task.item});
    if (r.cost) spent += *r.cost;
    if (calls && !r.cached)
      for (const auto &c : r.calls) chat::log_chain(*calls, c, {task.prompt, task.system, task.options, "", report.run_id});
    if (cache && r.status == "ok" && !r.cached && !task.cache_key.empty())
      cache->remember(task.cache_key, task.links.front().model.provider, task.links.front().model.model,
                      {r.text, r.input_tokens, r.output_tokens});
    if (im.db)
      for (auto &m : r.media) {
        try {
          media::Gallery(*im.db).add(m);
        } catch (const Error &e) {
          spdlog::warn("{} was written but not recorded in the gallery: {}", m.file_path, e.what());
        }
      }
    r.calls.clear();
    st.results[task.item] = std::move(r);
    report.steps[task.step].items_done++;
    if (--st.pending_tasks == 0) complete_step(task.step);
  };

  for (size_t i = 0; i < n; ++i)
    if (state[i].waiting == 0) ready.insert(i);
  std::vector<WorkerPool::Done> arrived;
  while (finished < n) {
    {
      // One transaction per round of bookkeeping (calls, cache, steps):
      // a thousand one-row commits cost more than the steps themselves.
      // Never held while waiting for workers.
      std::optional<store::WriteTransaction> round;
      if (im.db && (calls || cache)) round.emplace(*im.db);
      for (auto &[task, r] : arrived) take_result(task, r);
      arrived.clear();
      while (!ready.empty() || !immediate.empty()) {
        if (!immediate.empty()) {
          std::vector<WorkerPool::Done> now;
          now.swap(immediate);
          for (auto &[task, r] : now) take_result(task, r);
          continue;
        }
        size_t next = *ready.begin();
        ready.erase(ready.begin());
        launch(next);
      }
      if (round) round->commit();
    }
    if (finished >= n) break;
    arrived = pool.collect(100);
  }

  std::set<std::string> missing;
  for (const auto &[name, t] : m_wf.outputs) {
    try {
      report.outputs[name] = render_template(t.text, data, &missing);
    } catch (const TemplateError &e) {
      report.outputs[name] = nullptr;
    }
  }
  bool failed = false, cancelled = cancel::requested();
  for (const auto &s : report.steps) {
    failed = failed || s.status == "failed";
    cancelled = cancelled || s.status == "cancelled";
  }
  report.status = cancelled ? "cancelled" : failed ? "failed" : "ok";
  if (run_store) run_store->finish_run(report.run_id, report.status, report.outputs);
  if (cancelled) throw Interrupted();
  return report;
}

} // namespace webox::workflow
