#include "lib/workflow/runner.hpp"

#include <regex>

#include "lib/agent/approval.hpp"
#include "lib/agent/builtin_tools.hpp"
#include "lib/agent/tool_settings.hpp"
#include "lib/chat/model_ref.hpp"
#include "lib/chat/prices.hpp"
#include "lib/core/error.hpp"
#include "lib/core/template.hpp"
#include "lib/mcp/client.hpp"
#include "lib/mcp/server_config.hpp"
#include "lib/rag/ask.hpp"
#include "lib/rag/retrieve.hpp"
#include "lib/workflow/batch_settings.hpp"
#include "lib/workflow/inputs.hpp"
#include "lib/workflow/loader.hpp"
#include "lib/workflow/prompt_library.hpp"
#include "lib/workflow/scheduler.hpp"
#include "lib/workflow/step_render.hpp"
#include "lib/workflow/task.hpp"

namespace webox::workflow {

using nlohmann::json;

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
  std::map<size_t, std::shared_ptr<const StepTools>> tools;  // by step index, for steps that act

  Impl(plugin::Registry &r, const Config &c, store::Db *d, RunSettings s)
      : registry(r), config(c), db(d), settings(std::move(s)), prices(chat::PriceTable::for_config(c)) {}

  // Resolves and binds a model spec once (loads plugins: scheduler thread).
  const std::vector<chat::ChainLink> &links_for(const std::string &spec) {
    auto it = links.find(spec);
    if (it != links.end()) return it->second;
    std::vector<chat::ModelRef> chain = chat::resolve_chain(spec, {}, config, registry);
    return links.emplace(spec, chat::bind_chain(chain, config, registry)).first->second;
  }

  void load_library_prompt(const Workflow &wf, size_t i, std::vector<Diagnostic> &problems);
  std::vector<std::pair<std::string, SourcePos>> model_specs(const Workflow &wf, size_t i,
                                                             std::vector<Diagnostic> &problems) const;
  void check_models(const Workflow &wf, size_t i, std::vector<Diagnostic> &problems);
  void check_mcp_servers(const Workflow &wf, size_t i, std::vector<Diagnostic> &problems) const;
  void check_collection(const Workflow &wf, size_t i, std::vector<Diagnostic> &problems) const;
  void prepare_tools(const Workflow &wf);
  Retrieved retrieve(const Step &s, const std::string &query);
};

// Every server a step names must be in the config's mcp_servers: (a name
// only: nothing starts before the run).
void WorkflowRun::Impl::check_mcp_servers(const Workflow &wf, size_t i, std::vector<Diagnostic> &problems) const {
  const Step &s = wf.steps[i];
  for (const auto &server : s.mcp) {
    try {
      mcp::find_server(config.source, server.name);
    } catch (const UsageError &e) {
      problems.push_back({wf.file, server.pos, "step '" + s.id + "': mcp: " + e.what()});
    }
  }
}

// A retrieve: step's collection must exist (when there is a store to look in).
void WorkflowRun::Impl::check_collection(const Workflow &wf, size_t i, std::vector<Diagnostic> &problems) const {
  const Step &s = wf.steps[i];
  if (!db) return;
  try {
    rag::require_collection(*db, s.retrieve.collection);
  } catch (const UsageError &e) {
    problems.push_back({wf.file, s.retrieve.collection_pos, "step '" + s.id + "': retrieve: " + e.what()});
  }
}

// The tools of every step that acts, before any step runs: servers started,
// tools listed, and each tool allowed by --yes or the config's tools.allow
// (a workflow asks nobody), else the run is refused (exit 2).
void WorkflowRun::Impl::prepare_tools(const Workflow &wf) {
  const agent::ToolSettings ts = agent::load_tool_settings(config.source);
  std::map<std::string, std::shared_ptr<agent::ToolSource>> servers; // one connection per server, shared
  for (size_t i = 0; i < wf.steps.size(); ++i) {
    const Step &s = wf.steps[i];
    if (!s.acts()) continue;
    std::vector<std::shared_ptr<agent::ToolSource>> sources;
    if (!s.tools.empty()) {
      agent::BuiltinSettings bs;
      for (const auto &t : s.tools) bs.enabled.push_back(t.name);
      bs.shell_timeout = ts.shell_timeout;
      sources.push_back(std::make_shared<agent::BuiltinTools>(bs));
    }
    for (const auto &server : s.mcp) {
      auto &source = servers[server.name];
      if (!source) source = mcp::open_server(config, server.name);
      sources.push_back(source);
    }
    auto step_tools = std::make_shared<StepTools>();
    step_tools->toolbox = agent::Toolbox(std::move(sources));
    step_tools->allow = ts.allow;
    step_tools->yes = settings.yes;
    step_tools->loop.max_steps = s.max_steps;
    step_tools->loop.tool_timeout = ts.tool_timeout;
    const agent::Approval approval(ts.allow, settings.yes, {});
    for (const auto &tool : step_tools->toolbox.tools()) {
      const bool read_only = tool.source->name() == "builtin" && agent::is_read_only_builtin(tool.spec.name);
      if (!approval.allowed_without_asking(tool.qualified, read_only))
        throw UsageError("step '" + s.id + "' offers the tool " + tool.qualified +
                         ", which needs permission, and a workflow asks nobody: allow it with 'workflow run --yes' "
                         "or 'tools: {allow: [" + tool.qualified + "]}' in the config; nothing was run");
    }
    tools[i] = std::move(step_tools);
  }
}

// A retrieve: step's chunks (lib/rag: BM25, hybrid when the collection has
// embeddings) and the same, numbered, ready for a prompt.
Retrieved WorkflowRun::Impl::retrieve(const Step &s, const std::string &query) {
  if (!db) throw Error("retrieve: no store to read the collection from");
  rag::RetrieveOptions ro;
  ro.k = static_cast<size_t>(s.retrieve.k);
  ro.max_cost_usd = settings.max_cost;
  rag::Retrieval found = rag::retrieve(config, registry, *db, s.retrieve.collection, query, ro);
  Retrieved out;
  std::vector<rag::Hit> kept;
  out.text = rag::numbered_sources(found.hits, rag::kDefaultContextTokens, kept);
  out.chunks = json::array();
  for (size_t n = 0; n < kept.size(); ++n) {
    const rag::Hit &h = kept[n];
    out.chunks.push_back({{"n", n + 1},
                          {"path", h.path},
                          {"start_line", h.line_start},
                          {"end_line", h.line_end},
                          {"score", h.score},
                          {"heading", h.heading},
                          {"text", h.text}});
  }
  return out;
}

// A `use:` step's prompt, which must be found and given every variable.
void WorkflowRun::Impl::load_library_prompt(const Workflow &wf, size_t i, std::vector<Diagnostic> &problems) {
  const Step &s = wf.steps[i];
  try {
    LibraryPrompt p = find_library_prompt(s.use);
    for (const auto &[var, description] : p.variables)
      if (!s.with.count(var))
        problems.push_back({wf.file, s.pos,
                            "step '" + s.id + "': prompt '" + p.name + "' needs 'with: {" + var + ": ...}'" +
                                (description.empty() ? "" : " (" + description + ")")});
    library.emplace(i, std::move(p));
  } catch (const UsageError &e) {
    problems.push_back({wf.file, s.pos, "step '" + s.id + "': " + e.what()});
  }
}

// The model specs step i names, with where each was written; none (and a
// problem) when it has no model at all.
std::vector<std::pair<std::string, SourcePos>> WorkflowRun::Impl::model_specs(const Workflow &wf, size_t i,
                                                                              std::vector<Diagnostic> &problems) const {
  const Step &s = wf.steps[i];
  std::vector<std::pair<std::string, SourcePos>> specs;
  if (s.action == Action::compare) {
    for (const auto &m : s.compare_models) specs.emplace_back(m, s.pos);
    return specs;
  }
  if (!s.model.empty()) {
    specs.emplace_back(s.model.text, s.model.pos);
    return specs;
  }
  std::string spec = default_model_for(s.action, wf.default_model, config.media);
  if (s.action == Action::use && spec.empty() && library.count(i)) spec = library.at(i).model;
  if (spec.empty())
    problems.push_back({wf.file, s.pos,
                        "step '" + s.id +
                            "' has no model: set 'model:', 'defaults: {model: ...}' "
                            "or run with -m provider:model"});
  else specs.emplace_back(spec, s.pos);
  return specs;
}

// Every model a step names up front must resolve (loads its plugin).
void WorkflowRun::Impl::check_models(const Workflow &wf, size_t i, std::vector<Diagnostic> &problems) {
  for (const auto &[spec, pos] : model_specs(wf, i, problems)) {
    if (has_tags(spec)) continue; // known once the steps it names have run
    try {
      links_for(spec);
    } catch (const Error &e) {
      problems.push_back({wf.file, pos, "step '" + wf.steps[i].id + "': " + e.what()});
    }
  }
}

WorkflowRun::WorkflowRun(plugin::Registry &registry, const Config &config, store::Db *db, Workflow wf,
                         RunSettings settings)
    : m_wf(std::move(wf)), m_impl(std::make_unique<Impl>(registry, config, db, std::move(settings))) {
  Impl &im = *m_impl;
  if (im.settings.batch && !im.settings.log)
    throw UsageError("--batch stores its batches and their calls (so a run cut short can be collected): "
                     "it cannot be used with --no-log");
  if (!im.settings.model.empty()) m_wf.default_model = im.settings.model;
  if (m_wf.default_model.empty()) m_wf.default_model = config.default_model;
  m_jobs = im.settings.jobs > 0 ? im.settings.jobs : config.workflow_jobs.value_or(kDefaultJobs);
  im.plan = make_plan(m_wf);

  std::vector<Diagnostic> problems;
  for (size_t i = 0; i < m_wf.steps.size(); ++i) {
    if (m_wf.steps[i].action == Action::use) im.load_library_prompt(m_wf, i, problems);
    if (m_wf.steps[i].action == Action::retrieve) im.check_collection(m_wf, i, problems);
    else if (m_wf.steps[i].action != Action::write) im.check_models(m_wf, i, problems);
    im.check_mcp_servers(m_wf, i, problems);
  }
  if (!problems.empty()) throw InvalidWorkflow(std::move(problems));
  if (im.settings.resolved_inputs) im.inputs = *im.settings.resolved_inputs;
  else if (im.settings.check_inputs) im.inputs = resolve_inputs(m_wf, im.settings.vars);
}

WorkflowRun::~WorkflowRun() = default;

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
    } else if (s.action != Action::write && s.action != Action::retrieve) {
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
    } else if (s.action == Action::retrieve) {
      p.body = "collection " + s.retrieve.collection + ", k " + std::to_string(s.retrieve.k) + ": " +
               render(s.retrieve.query.text);
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
    if (!s.tool_calls.empty()) j["tool_calls"] = s.tool_calls;
    if (!s.chunks.is_null()) j["chunks"] = s.chunks;
    steps_doc.push_back(std::move(j));
  }
  json doc = {{"workflow", workflow}, {"run_id", run_id}, {"status", status}, {"steps", steps_doc}, {"outputs", outputs}};
  if (batch.batches > 0) doc["batch"] = {{"batches", batch.batches}, {"ok", batch.ok}, {"failed", batch.failed}};
  return doc;
}

RunReport WorkflowRun::run(const std::function<void(const RunReport &, size_t)> &on_change) {
  Impl &im = *m_impl;
  im.prepare_tools(m_wf);
  const BatchSettings batch = im.settings.batch ? load_batch_settings(im.config.source) : BatchSettings{};
  SchedulerSetup setup{
      m_wf,
      im.plan,
      im.library,
      im.inputs,
      im.config,
      im.db,
      im.settings,
      m_jobs,
      im.prices,
      [&im](const std::string &spec) -> const std::vector<chat::ChainLink> & { return im.links_for(spec); },
      [&im](const Task &t) { return execute_task(t, im.prices); },
      im.tools,
      [&im](const Step &s, const std::string &query) { return im.retrieve(s, query); },
      batch.poll_ms,
      batch.max_requests};
  return run_scheduled(setup, on_change);
}

} // namespace webox::workflow
