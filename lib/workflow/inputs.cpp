#include "lib/workflow/inputs.hpp"

#include <fstream>
#include <map>
#include <sstream>

#include "lib/core/error.hpp"
#include "lib/core/text_input.hpp"
#include "lib/core/json_limits.hpp"

namespace webox::workflow {
namespace {

using nlohmann::json;

// A file input's text: bounded like a prompt (it becomes one), UTF-8 like
// any text that goes into the template data.
std::string read_file(const std::string &path, const std::string &input) {
  std::string content = text::read_file(path, text::prompt_limit(), "input '" + input + "' file");
  text::require_utf8(content, "input '" + input + "': " + path);
  return content;
}

json typed(const Input &in, const std::string &raw) {
  switch (in.type) {
    case InputType::string: return raw;
    case InputType::file: return read_file(raw, in.name);
    case InputType::number: {
      json n = parse_json_or_discarded(raw);
      if (n.is_discarded() || !n.is_number()) throw UsageError("input '" + in.name + "' is a number, not '" + raw + "'");
      return n;
    }
    case InputType::boolean:
      if (raw == "true" || raw == "yes" || raw == "1") return true;
      if (raw == "false" || raw == "no" || raw == "0") return false;
      throw UsageError("input '" + in.name + "' is true or false, not '" + raw + "'");
    case InputType::list: {
      json l = parse_user_json(raw, "input '" + in.name + "'");
      if (!l.is_discarded() && l.is_array()) return l;
      json items = json::array(); // "a,b,c"
      std::stringstream ss(raw);
      std::string item;
      while (std::getline(ss, item, ','))
        if (!item.empty()) items.push_back(item);
      return items;
    }
  }
  return raw;
}

} // namespace

json resolve_inputs(const Workflow &wf, const std::vector<std::string> &vars) {
  struct Given {
    std::string value;
    bool read_from_file = false; // name=@path: value is the file's text
  };
  std::map<std::string, Given> given;
  for (const auto &v : vars) {
    size_t eq = v.find('=');
    if (eq == std::string::npos || eq == 0) throw UsageError("--var '" + v + "': expected name=value");
    std::string name = v.substr(0, eq);
    bool declared = false;
    for (const auto &in : wf.inputs) declared = declared || in.name == name;
    if (!declared) {
      std::string names;
      for (const auto &in : wf.inputs) names += (names.empty() ? "" : ", ") + in.name;
      throw UsageError("--var " + name + ": the workflow has no input '" + name + "'" +
                       (names.empty() ? " (it declares none)" : " (inputs: " + names + ")"));
    }
    std::string value = v.substr(eq + 1);
    if (value.size() > 1 && value[0] == '@') given[name] = {read_file(value.substr(1), name), true};
    else given[name] = {value, false};
  }
  json out = json::object();
  for (const auto &in : wf.inputs) {
    auto it = given.find(in.name);
    if (it != given.end()) {
      const Given &g = it->second;
      out[in.name] = in.type == InputType::file && g.read_from_file ? json(g.value) : typed(in, g.value);
    } else if (in.default_value) {
      // A file input's default is a path like any value given for it.
      out[in.name] = in.type == InputType::file && in.default_value->is_string()
                         ? typed(in, in.default_value->get<std::string>())
                         : *in.default_value;
    } else if (in.required) {
      throw UsageError("input '" + in.name + "' is required: --var " + in.name + "=..." +
                       (in.description.empty() ? "" : " (" + in.description + ")"));
    } else {
      out[in.name] = "";
    }
  }
  return out;
}

} // namespace webox::workflow
