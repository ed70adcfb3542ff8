// The order steps may run in: a DAG whose edges come from `needs:` and from
// every `{{steps.<id>…}}` a step's templates mention, so that a user never
// has to repeat in `needs:` what the template already says.
#pragma once

#include <string>
#include <vector>

#include "lib/workflow/workflow.hpp"

namespace webox::workflow {

struct Plan {
  std::vector<std::vector<size_t>> needs;      // per step: the steps it waits for
  std::vector<std::vector<size_t>> dependants; // per step: the steps waiting for it
  std::vector<size_t> order;                   // a topological order (file order among equals)
};

// Every step id a template mentions as steps.<id>.
std::vector<std::string> step_references(const std::string &template_text);

// Builds the plan. Throws InvalidWorkflow for an unknown step or input
// reference, a step that needs itself, or a cycle (named step by step).
Plan make_plan(const Workflow &wf);

} // namespace webox::workflow
