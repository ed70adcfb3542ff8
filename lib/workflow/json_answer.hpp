// `format: json` steps: finding the JSON in a model's answer and checking it
// has the fields the step's schema asks for. Models wrap JSON in prose or
// ``` fences more often than not; the first complete JSON value is taken.
#pragma once

#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "lib/workflow/workflow.hpp"

namespace webox::workflow {

// The JSON value in `answer`; throws std::runtime_error saying what is wrong
// (no JSON, a missing field, a field of the wrong type) in words that can be
// sent back to the model for its one repair attempt.
nlohmann::json parse_json_answer(const std::string &answer, const Schema &schema);

// The message asking the model to repair its answer.
std::string repair_message(const std::string &problem, const Schema &schema);

} // namespace webox::workflow
