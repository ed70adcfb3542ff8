// The end of the "recorded" phase of a workflow step: all its items are
// back; fold them into the step's report (tokens, cost, errors, output,
// JSON) and write its `output:` files.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lib/workflow/runner.hpp"
#include "lib/workflow/task.hpp"
#include "lib/workflow/workflow.hpp"

namespace webox::workflow {

// What a step's items produced, per item.
struct StepItems {
  const nlohmann::json &items; // foreach items / compare models
  const std::vector<TaskResult> &results;
  std::vector<std::string> &texts;              // filled by tally_items
  const std::vector<std::string> &output_paths; // per item, rendered `output:`
  const std::string &output_root;               // "" or the folder they must stay under
};

// How the items ended, as far as the step is concerned.
struct ItemsOutcome {
  bool cancelled = false;
  std::string error; // the first failure, "" when none
};

// Adds up tokens, cost, cache use, files and texts of the items into `rep`.
ItemsOutcome tally_items(const Step &s, StepItems in, StepReport &rep);

// The step's output and JSON from its items' (compare: one section and one
// key per model; foreach: joined, and an array).
void assemble_output(const Step &s, StepItems in, StepReport &rep);

// Writes `output:` for steps that produce text (media steps wrote their own
// files): per item when the path differs per item, else the whole output.
// Throws what the writer throws.
void write_step_files(const Step &s, StepItems in, StepReport &rep);

} // namespace webox::workflow
