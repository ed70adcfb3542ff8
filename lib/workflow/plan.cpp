#include "lib/workflow/plan.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "lib/core/template.hpp"
#include "lib/workflow/loader.hpp"

namespace webox::workflow {
namespace {

// The templates of a step, with where each was written.
std::vector<const Text *> templates_of(const Step &s) {
  std::vector<const Text *> out = {&s.body, &s.model, &s.system, &s.foreach, &s.when, &s.output, &s.retrieve.query};
  for (const auto &kv : s.with) out.push_back(&kv.second);
  return out;
}

std::string second_part(const std::string &name, const std::string &prefix) {
  if (name.rfind(prefix, 0) != 0) return "";
  std::string rest = name.substr(prefix.size());
  return rest.substr(0, rest.find('.'));
}

// The edges of the DAG, and every reference that names nothing.
class PlanBuilder {
public:
  explicit PlanBuilder(const Workflow &wf) : m_wf(wf) {
    for (size_t i = 0; i < wf.steps.size(); ++i) m_index[wf.steps[i].id] = i;
    for (const auto &in : wf.inputs) m_inputs.insert(in.name);
    m_plan.needs.resize(wf.steps.size());
    m_plan.dependants.resize(wf.steps.size());
  }

  // Throws InvalidWorkflow with every problem found.
  Plan edges() {
    for (size_t i = 0; i < m_wf.steps.size(); ++i) {
      const Step &s = m_wf.steps[i];
      for (size_t k = 0; k < s.needs.size(); ++k) add_edge(i, s.needs[k], s.needs_pos[k]);
      add_template_edges(i);
    }
    check_outputs();
    if (!m_problems.empty()) throw InvalidWorkflow(std::move(m_problems));
    return std::move(m_plan);
  }

private:
  void add_edge(size_t step, const std::string &id, SourcePos pos) {
    auto it = m_index.find(id);
    if (it == m_index.end()) {
      m_problems.push_back(
          {m_wf.file, pos, "step '" + m_wf.steps[step].id + "' refers to an unknown step '" + id + "'"});
      return;
    }
    if (it->second == step) {
      m_problems.push_back({m_wf.file, pos, "step '" + id + "' cannot depend on itself"});
      return;
    }
    auto &n = m_plan.needs[step];
    if (std::find(n.begin(), n.end(), it->second) == n.end()) {
      n.push_back(it->second);
      m_plan.dependants[it->second].push_back(step);
    }
  }

  // Every {{steps.<id>...}} of step i is an edge; every {{inputs.<name>}}
  // must be declared.
  void add_template_edges(size_t i) {
    const Step &s = m_wf.steps[i];
    std::vector<Text> option_templates; // option values may be templates too
    for (const auto &[key, value] : s.options.items())
      if (value.is_string()) option_templates.push_back({value.get<std::string>(), s.pos});
    std::vector<const Text *> texts = templates_of(s);
    for (const auto &t : option_templates) texts.push_back(&t);
    for (const Text *t : texts) {
      if (t->empty()) continue;
      const Template parsed(t->text);
      for (const auto &name : parsed.names()) {
        std::string step = second_part(name, "steps.");
        if (!step.empty()) add_edge(i, step, t->pos);
        std::string input = second_part(name, "inputs.");
        if (!input.empty() && !m_inputs.count(input))
          m_problems.push_back({m_wf.file, t->pos, "step '" + s.id + "' uses an undeclared input '" + input + "'"});
      }
    }
  }

  void check_outputs() {
    for (const auto &[name, t] : m_wf.outputs) {
      const Template parsed(t.text);
      for (const auto &ref : parsed.names()) {
        std::string step = second_part(ref, "steps.");
        if (!step.empty() && !m_index.count(step))
          m_problems.push_back({m_wf.file, t.pos, "output '" + name + "' refers to an unknown step '" + step + "'"});
      }
    }
  }

  const Workflow &m_wf;
  std::map<std::string, size_t> m_index;
  std::set<std::string> m_inputs;
  Plan m_plan;
  std::vector<Diagnostic> m_problems;
};

// Kahn's algorithm, taking ready steps in file order so the plan reads like
// the file. `waiting` is left with the needs of the steps it could not order.
std::vector<size_t> topological_order(const Plan &plan, std::vector<size_t> &waiting) {
  const size_t n = plan.needs.size();
  waiting.assign(n, 0);
  for (size_t i = 0; i < n; ++i) waiting[i] = plan.needs[i].size();
  std::set<size_t> ready;
  for (size_t i = 0; i < n; ++i)
    if (!waiting[i]) ready.insert(i);
  std::vector<size_t> order;
  while (!ready.empty()) {
    size_t s = *ready.begin();
    ready.erase(ready.begin());
    order.push_back(s);
    for (size_t d : plan.dependants[s])
      if (--waiting[d] == 0) ready.insert(d);
  }
  return order;
}

// Names one cycle: walks from a blocked step through blocked needs until a
// step repeats.
[[noreturn]] void throw_cycle(const Workflow &wf, const Plan &plan, const std::vector<size_t> &waiting) {
  size_t start = 0;
  while (waiting[start] == 0) ++start;
  std::vector<size_t> path = {start};
  while (true) {
    size_t next = *std::find_if(plan.needs[path.back()].begin(), plan.needs[path.back()].end(),
                                [&](size_t n) { return waiting[n] > 0; });
    auto seen = std::find(path.begin(), path.end(), next);
    if (seen != path.end()) {
      std::string cycle;
      for (auto it = seen; it != path.end(); ++it) cycle += wf.steps[*it].id + " -> ";
      cycle += wf.steps[next].id;
      throw InvalidWorkflow(
          {{wf.file, wf.steps[next].pos, "steps need each other in a cycle (each needs the next): " + cycle}});
    }
    path.push_back(next);
  }
}

} // namespace

std::vector<std::string> step_references(const std::string &template_text) {
  std::vector<std::string> ids;
  const Template parsed(template_text);
  for (const auto &name : parsed.names()) {
    std::string id = second_part(name, "steps.");
    if (!id.empty() && std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
  }
  return ids;
}

Plan make_plan(const Workflow &wf) {
  Plan plan = PlanBuilder(wf).edges();
  std::vector<size_t> waiting;
  plan.order = topological_order(plan, waiting);
  if (plan.order.size() != wf.steps.size()) throw_cycle(wf, plan, waiting);
  return plan;
}

} // namespace webox::workflow
