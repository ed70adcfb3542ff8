// The values of a run's inputs: `--var name=value` from the command line
// (`name=@path` reads the file), checked against the declared types, with
// defaults filled in and required ones enforced.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lib/workflow/workflow.hpp"

namespace webox::workflow {

// `vars` are "name=value" strings. Returns {name: value} for the template
// data. Throws webox::UsageError (exit 2): unknown input, missing required
// input, a value of the wrong type, an unreadable @file.
nlohmann::json resolve_inputs(const Workflow &wf, const std::vector<std::string> &vars);

} // namespace webox::workflow
