#include "lib/chat/library_template.hpp"

#include <set>

#include <nlohmann/json.hpp>

#include "lib/core/error.hpp"
#include "lib/core/template.hpp"
#include "lib/core/text_input.hpp"

namespace webox::chat {
namespace {

constexpr const char *kInput = "input";

// Every name the prompt knows: the declared variables and those its
// templates use (a prompt may use one it forgot to declare).
std::set<std::string> known_names(const workflow::LibraryPrompt &p, const Template &body, const Template &system_text) {
  std::set<std::string> names(body.names().begin(), body.names().end());
  names.insert(system_text.names().begin(), system_text.names().end());
  for (const auto &v : p.variables) names.insert(v.first);
  names.insert(kInput);
  return names;
}

std::string joined_names(const std::set<std::string> &names) {
  std::string out;
  for (const auto &n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

nlohmann::json given_vars(const workflow::LibraryPrompt &p, const std::vector<std::string> &vars,
                          const std::set<std::string> &known) {
  nlohmann::json data = nlohmann::json::object();
  for (const auto &v : vars) {
    size_t eq = v.find('=');
    if (eq == std::string::npos || eq == 0) throw UsageError("--var '" + v + "': expected name=value");
    std::string name = v.substr(0, eq);
    if (!known.count(name))
      throw UsageError("--var " + name + ": prompt '" + p.name + "' has no variable '" + name + "' (variables: " +
                       joined_names(known) + ")");
    std::string value = v.substr(eq + 1);
    if (value.size() > 1 && value[0] == '@') {
      value = text::read_file(value.substr(1), text::prompt_limit(), "--var " + name + " file");
      text::require_utf8(value, "--var " + name + ": " + v.substr(eq + 2));
    }
    data[name] = value;
  }
  return data;
}

// The variables of `body` that `data` leaves empty, in order of name.
std::vector<std::string> unset_variables(const Template &body, const nlohmann::json &data) {
  std::set<std::string> missing;
  body.render(data, &missing);
  return {missing.begin(), missing.end()};
}

} // namespace

FilledTemplate fill_template(const workflow::LibraryPrompt &prompt, const std::vector<std::string> &vars,
                             const std::string &input) {
  Template body(prompt.body);
  Template system_text(prompt.system);
  nlohmann::json data = given_vars(prompt, vars, known_names(prompt, body, system_text));
  bool input_placed = body.names().count(kInput) > 0 || system_text.names().count(kInput) > 0;
  if (!data.contains(kInput)) {
    if (input_placed && input.empty())
      throw UsageError("prompt '" + prompt.name + "' needs an input ({{input}}): pipe it on standard input or give it as words");
    data[kInput] = input;
  }
  if (!input_placed && !input.empty()) {
    std::vector<std::string> unset = unset_variables(body, data);
    if (unset.size() == 1) {
      data[unset.front()] = input;
      input_placed = true;
    }
  }

  std::set<std::string> missing;
  FilledTemplate out;
  out.user = body.render(data, &missing);
  out.system = system_text.render(data, &missing);
  out.model = prompt.model;
  if (!missing.empty()) {
    const std::string &first = *missing.begin();
    throw UsageError("prompt '" + prompt.name + "' needs " + (missing.size() > 1 ? "variables " + joined_names(missing) : "variable '" + first + "'") +
                     ": give " + (missing.size() > 1 ? "each" : "it") + " with --var " + first + "=VALUE");
  }
  // A template that has no place for the input still gets it, after its text.
  if (!input_placed && !input.empty()) out.user += "\n\n" + input;
  return out;
}

} // namespace webox::chat
