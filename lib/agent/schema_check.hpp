// Checking a model's tool arguments against the tool's input schema.
//
// Models get arguments wrong: a missing field, a number as a string, a value
// outside an enum. The loop checks each call before it runs and hands the
// reason back to the model (once), rather than letting a tool act on
// half-valid input. The subset of JSON Schema checked is the part tool
// schemas use: "type" (a name or a list of names, "integer" being a number
// without a fraction), "enum", "required", "properties" (recursively),
// "additionalProperties": false, and "items" for arrays. Anything else
// ($ref, oneOf, patterns, bounds) is not checked: the tool itself still
// refuses what it cannot use.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace webox::agent {

// Why `value` does not fit `schema` ("path.to.field: expected string"), or
// nullopt when it fits. Nesting deeper than 32 levels is refused as such.
std::optional<std::string> schema_problem(const nlohmann::json &schema, const nlohmann::json &value);

} // namespace webox::agent
