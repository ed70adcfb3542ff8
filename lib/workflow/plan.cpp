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
  std::vector<const Text *> out = {&s.body, &s.model, &s.system, &s.foreach, &s.when, &s.output};
  for (const auto &kv : s.with) out.push_back(&kv.second);
  return out;
}

std::string second_part(const std::string &name, const std::string &prefix) {
  if (name.rfind(prefix, 0) != 0) return "";
  std::string rest = name.substr(prefix.size());
  return rest.substr(0, rest.find('.'));
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
  std::vector<Diagnostic> problems;
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < wf.steps.size(); ++i) index[wf.steps[i].id] = i;
  std::set<std::string> inputs;
  for (const auto &in : wf.inputs) inputs.insert(in.name);

  Plan plan;
  plan.needs.resize(wf.steps.size());
  plan.dependants.resize(wf.steps.size());
  auto add_edge = [&](size_t step, const std::string &id, SourcePos pos) {
    auto it = index.find(id);
    if (it == index.end()) {
      problems.push_back({wf.file, pos, "step '" + wf.steps[step].id + "' refers to an unknown step '" + id + "'"});
      return;
    }
    if (it->second == step) {
      problems.push_back({wf.file, pos, "step '" + id + "' cannot depend on itself"});
      return;
    }
    auto &n = plan.needs[step];
    if (std::find(n.begin(), n.end(), it->second) == n.end()) {
      n.push_back(it->second);
      plan.dependants[it->second].push_back(step);
    }
  };
  for (size_t i = 0; i < wf.steps.size(); ++i) {
    const Step &s = wf.steps[i];
    for (size_t k = 0; k < s.needs.size(); ++k) add_edge(i, s.needs[k], s.needs_pos[k]);
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
        if (!input.empty() && !inputs.count(input))
          problems.push_back({wf.file, t->pos, "step '" + s.id + "' uses an undeclared input '" + input + "'"});
      }
    }
  }
  for (const auto &[name, t] : wf.outputs) {
    const Template parsed(t.text);
    for (const auto &ref : parsed.names()) {
      std::string step = second_part(ref, "steps.");
      if (!step.empty() && !index.count(step))
        problems.push_back({wf.file, t.pos, "output '" + name + "' refers to an unknown step '" + step + "'"});
    }
  }
  if (!problems.empty()) throw InvalidWorkflow(std::move(problems));

  // Kahn's algorithm, taking ready steps in file order so the plan reads
  // like the file.
  std::vector<size_t> waiting(wf.steps.size());
  for (size_t i = 0; i < wf.steps.size(); ++i) waiting[i] = plan.needs[i].size();
  std::set<size_t> ready;
  for (size_t i = 0; i < wf.steps.size(); ++i)
    if (!waiting[i]) ready.insert(i);
  while (!ready.empty()) {
    size_t s = *ready.begin();
    ready.erase(ready.begin());
    plan.order.push_back(s);
    for (size_t d : plan.dependants[s])
      if (--waiting[d] == 0) ready.insert(d);
  }
  if (plan.order.size() != wf.steps.size()) {
    // Name one cycle: walk from a blocked step through blocked needs until a
    // step repeats.
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
        throw InvalidWorkflow({{wf.file, wf.steps[next].pos, "steps need each other in a cycle (each needs the next): " + cycle}});
      }
      path.push_back(next);
    }
  }
  return plan;
}

} // namespace webox::workflow
