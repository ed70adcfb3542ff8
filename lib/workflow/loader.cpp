#include "lib/workflow/loader.hpp"

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "lib/agent/builtin_tools.hpp"
#include "lib/core/template.hpp"
#include "lib/core/text_input.hpp"
#include "lib/core/json_limits.hpp"
#include "lib/core/yaml_load.hpp"

namespace webox::workflow {
namespace {

namespace fs = std::filesystem;

// A workflow is a page or two of YAML with its prompts; inputs bring the
// large texts (--var name=@file).
constexpr size_t kMaxWorkflowBytes = size_t{4} << 20;
// A step's loop and retrieval stay within what chat and rag allow.
constexpr int64_t kMaxAgentSteps = 100;
constexpr int64_t kMaxRetrieveK = 100;
using nlohmann::json;

SourcePos pos_of(const YAML::Node &node) {
  YAML::Mark m = node.Mark();
  if (m.line < 0) return {};
  return {m.line + 1, m.column + 1};
}

std::string join_lines(const std::vector<Diagnostic> &diagnostics) {
  std::string out;
  for (const auto &d : diagnostics) out += (out.empty() ? "" : "\n") + d.text();
  return out;
}

// YAML scalars and structures as JSON (options, defaults, inline lists).
json to_json(const YAML::Node &node) {
  switch (node.Type()) {
    case YAML::NodeType::Sequence: {
      json a = json::array();
      for (const auto &item : node) a.push_back(to_json(item));
      return a;
    }
    case YAML::NodeType::Map: {
      json o = json::object();
      for (const auto &kv : node) o[kv.first.as<std::string>()] = to_json(kv.second);
      return o;
    }
    case YAML::NodeType::Scalar: {
      const std::string &s = node.Scalar();
      if (node.Tag() == "!") return s; // quoted: always a string
      if (s == "true" || s == "True" || s == "yes") return true;
      if (s == "false" || s == "False" || s == "no") return false;
      if (s == "null" || s == "~") return nullptr;
      json number = parse_json_or_discarded(s);
      if (!number.is_discarded() && number.is_number()) return number;
      return s;
    }
    default: return nullptr;
  }
}

class Loader {
public:
  explicit Loader(fs::path file) : m_file(std::move(file)) {}

  Workflow load(const std::string &yaml) {
    Workflow wf;
    wf.file = m_file;
    YAML::Node root;
    try {
      root = load_yaml(yaml);
    } catch (const YAML::ParserException &e) {
      fail({e.mark.line + 1, e.mark.column + 1}, e.msg);
      throw InvalidWorkflow(std::move(m_diagnostics));
    }
    if (!root.IsMap()) {
      fail(pos_of(root), "a workflow is a YAML mapping with 'steps:' (see webox-workflow(5))");
      throw InvalidWorkflow(std::move(m_diagnostics));
    }
    static const std::set<std::string> known = {"name", "description", "inputs", "defaults", "steps", "outputs"};
    for (const auto &kv : root) {
      std::string key = kv.first.as<std::string>();
      if (!known.count(key))
        fail(pos_of(kv.first), "unknown key '" + key + "' (expected name, description, inputs, defaults, steps, outputs)");
    }
    wf.name = scalar(root["name"], "name");
    if (wf.name.empty()) wf.name = m_file.stem().string();
    wf.description = scalar(root["description"], "description");
    if (root["inputs"]) read_inputs(root["inputs"], wf);
    if (root["defaults"]) read_defaults(root["defaults"], wf);
    if (!root["steps"] || !root["steps"].IsSequence() || root["steps"].size() == 0)
      fail(root["steps"] ? pos_of(root["steps"]) : SourcePos{1, 1}, "'steps:' must be a list of at least one step");
    else
      for (const auto &node : root["steps"]) read_step(node, wf);
    if (root["outputs"]) {
      if (!root["outputs"].IsMap()) fail(pos_of(root["outputs"]), "'outputs:' must map names to templates");
      else
        for (const auto &kv : root["outputs"]) wf.outputs.emplace_back(kv.first.as<std::string>(), text(kv.second, "output"));
    }
    if (!m_diagnostics.empty()) throw InvalidWorkflow(std::move(m_diagnostics));
    return wf;
  }

private:
  void fail(SourcePos pos, std::string message) { m_diagnostics.push_back({m_file, pos, std::move(message)}); }

  std::string scalar(const YAML::Node &node, const std::string &what) {
    if (!node) return "";
    if (!node.IsScalar()) {
      fail(pos_of(node), "'" + what + "' must be a single value");
      return "";
    }
    return node.Scalar();
  }

  // A template: checked for Mustache syntax here, where its position is known.
  Text text(const YAML::Node &node, const std::string &what) {
    Text t{scalar(node, what), pos_of(node)};
    try {
      Template check(t.text);
    } catch (const TemplateError &e) {
      fail(t.pos, what + ": " + e.what());
    }
    return t;
  }

  void read_inputs(const YAML::Node &node, Workflow &wf) {
    if (!node.IsMap()) return fail(pos_of(node), "'inputs:' must map input names to their declaration");
    for (const auto &kv : node) {
      Input in;
      in.name = kv.first.as<std::string>();
      in.pos = pos_of(kv.first);
      const YAML::Node &decl = kv.second;
      if (decl.IsMap()) {
        static const std::set<std::string> keys = {"type", "required", "default", "description"};
        for (const auto &d : decl)
          if (!keys.count(d.first.as<std::string>()))
            fail(pos_of(d.first), "input '" + in.name + "': unknown key '" + d.first.as<std::string>() +
                                      "' (type, required, default, description)");
        std::string type = scalar(decl["type"], "type");
        if (type.empty() || type == "string") in.type = InputType::string;
        else if (type == "number") in.type = InputType::number;
        else if (type == "boolean") in.type = InputType::boolean;
        else if (type == "list") in.type = InputType::list;
        else if (type == "file") in.type = InputType::file;
        else fail(pos_of(decl["type"]), "input '" + in.name + "': type '" + type + "' is not one of string, number, boolean, list, file");
        in.required = decl["required"] && to_json(decl["required"]) == json(true);
        if (decl["default"]) in.default_value = to_json(decl["default"]);
        in.description = scalar(decl["description"], "description");
      } else if (decl.IsScalar() || decl.IsSequence()) {
        in.default_value = to_json(decl); // `topic: "hiking"` is a string input with that default
        if (decl.IsSequence()) in.type = InputType::list;
      } else {
        in.required = true; // `topic:` alone
      }
      wf.inputs.push_back(std::move(in));
    }
  }

  void read_defaults(const YAML::Node &node, Workflow &wf) {
    if (!node.IsMap()) return fail(pos_of(node), "'defaults:' must be a mapping (model, system, options)");
    for (const auto &kv : node) {
      std::string key = kv.first.as<std::string>();
      if (key == "model") wf.default_model = scalar(kv.second, "model");
      else if (key == "system") wf.default_system = scalar(kv.second, "system");
      else if (key == "options") {
        if (!kv.second.IsMap()) fail(pos_of(kv.second), "'options:' must be a mapping");
        else wf.default_options = to_json(kv.second);
      } else fail(pos_of(kv.first), "defaults: unknown key '" + key + "' (model, system, options)");
    }
  }

  // A step: its id, its one action, then its settings, in the order the
  // diagnostics are reported.
  void read_step(const YAML::Node &node, Workflow &wf) {
    if (!node.IsMap()) return fail(pos_of(node), "a step is a mapping with an 'id' and one action");
    Step s;
    s.pos = pos_of(node);
    read_step_id(node, wf, s);
    read_action(node, s);
    check_step_keys(node, s);
    if (node["model"]) s.model = text(node["model"], "model");
    if (node["system"]) s.system = text(node["system"], "system");
    if (node["options"]) {
      if (!node["options"].IsMap()) fail(pos_of(node["options"]), "'options:' must be a mapping");
      else s.options = to_json(node["options"]);
    }
    read_needs(node, s);
    if (const YAML::Node &fe = node["foreach"]) {
      if (fe.IsSequence()) s.foreach_list = to_json(fe);
      else s.foreach = text(fe, "foreach");
    }
    if (node["when"]) s.when = text(node["when"], "when");
    read_format(node, s);
    read_retries(node, s);
    if (node["output"]) s.output = text(node["output"], "output");
    if (node["cache"]) s.cache = to_json(node["cache"]) != json(false);
    read_tools(node, s);
    check_step_combination(s);
    wf.steps.push_back(std::move(s));
  }

  void read_step_id(const YAML::Node &node, const Workflow &wf, Step &s) {
    s.id = scalar(node["id"], "id");
    static const std::regex id_shape("[A-Za-z_][A-Za-z0-9_]*");
    if (s.id.empty()) fail(s.pos, "a step needs an 'id'");
    else if (!std::regex_match(s.id, id_shape))
      fail(pos_of(node["id"]), "step id '" + s.id + "' must be letters, digits and '_' (it is used as {{steps." + s.id + ".output}})");
    else if (wf.find(s.id))
      fail(pos_of(node["id"]), "step id '" + s.id + "' is used twice");
  }

  // Exactly one of prompt, use, compare (with a prompt), image, tts,
  // transcribe, write; and its body (or the library prompt and its `with:`).
  void read_action(const YAML::Node &node, Step &s) {
    static const std::vector<std::pair<std::string, Action>> actions = {
        {"prompt", Action::prompt}, {"use", Action::use},     {"image", Action::image},
        {"tts", Action::tts},       {"transcribe", Action::transcribe}, {"write", Action::write}};
    std::vector<std::string> found;
    for (const auto &[key, action] : actions)
      if (node[key]) {
        found.push_back(key);
        s.action = action;
      }
    if (node["retrieve"]) {
      found.push_back("retrieve");
      s.action = Action::retrieve;
    }
    if (node["compare"]) read_compare(node["compare"], found, s);
    else if (found.size() != 1)
      fail(s.pos, "step '" + s.id +
                      "' needs exactly one action: prompt, use, compare, image, tts, transcribe, write or retrieve" +
                      (found.empty() ? std::string() : " (found " + std::to_string(found.size()) + ")"));
    if (s.action == Action::use) read_use(node, s);
    else if (s.action == Action::retrieve) read_retrieve(node["retrieve"], s);
    else if (!found.empty()) s.body = text(node[found.front()], found.front());
  }

  void read_compare(const YAML::Node &compare, const std::vector<std::string> &found, Step &s) {
    if (!compare.IsSequence() || compare.size() < 2)
      fail(pos_of(compare), "step '" + s.id + "': 'compare:' lists two models or more");
    else
      for (const auto &m : compare) s.compare_models.push_back(m.as<std::string>());
    if (found != std::vector<std::string>{"prompt"})
      fail(pos_of(compare), "step '" + s.id + "': 'compare:' goes with a 'prompt:' to send to every model");
    s.action = Action::compare;
  }

  void read_use(const YAML::Node &node, Step &s) {
    s.use = scalar(node["use"], "use");
    if (!node["with"]) return;
    if (!node["with"].IsMap()) return fail(pos_of(node["with"]), "'with:' maps the prompt's variables to values");
    for (const auto &kv : node["with"])
      s.with[kv.first.as<std::string>()] = text(kv.second, "with." + kv.first.as<std::string>());
  }

  // `retrieve: {collection: NAME, query: "{{...}}", k: 5}`: the collection
  // is a plain name (checked against the store before the run), the query a
  // template.
  void read_retrieve(const YAML::Node &node, Step &s) {
    if (!node.IsMap())
      return fail(pos_of(node), "step '" + s.id + "': 'retrieve:' is a mapping {collection: NAME, query: \"...\", k: 5}");
    for (const auto &kv : node) {
      std::string key = kv.first.as<std::string>();
      if (key != "collection" && key != "query" && key != "k")
        fail(pos_of(kv.first), "step '" + s.id + "': retrieve: unknown key '" + key + "' (collection, query, k)");
    }
    s.retrieve.collection = scalar(node["collection"], "collection");
    s.retrieve.collection_pos = node["collection"] ? pos_of(node["collection"]) : pos_of(node);
    if (s.retrieve.collection.empty()) fail(pos_of(node), "step '" + s.id + "': retrieve: needs 'collection: NAME'");
    else if (s.retrieve.collection.find("{{") != std::string::npos)
      fail(s.retrieve.collection_pos, "step '" + s.id + "': retrieve: the collection is a name, not a template");
    if (node["query"]) s.retrieve.query = text(node["query"], "query");
    if (s.retrieve.query.empty()) fail(pos_of(node), "step '" + s.id + "': retrieve: needs 'query: \"...\"'");
    if (node["k"]) {
      json k = to_json(node["k"]);
      if (!k.is_number_integer() || k.get<int64_t>() < 1 || k.get<int64_t>() > kMaxRetrieveK)
        fail(pos_of(node["k"]), "step '" + s.id + "': retrieve: 'k:' is a whole number from 1 to " +
                                    std::to_string(kMaxRetrieveK));
      else s.retrieve.k = k.get<int>();
    }
  }

  // `tools:` (built-in tool names, as chat --tool), `mcp:` (servers of the
  // config's mcp_servers:, checked against it before the run) and
  // `max_steps:`.
  void read_tools(const YAML::Node &node, Step &s) {
    read_names(node["tools"], "tools", s.tools, s);
    for (const auto &t : s.tools)
      if (!agent::is_builtin_tool(t.name)) {
        std::string known;
        for (const auto &n : agent::builtin_tool_names()) known += (known.empty() ? "" : ", ") + n;
        fail(t.pos, "step '" + s.id + "': unknown tool '" + t.name + "' (built-in tools: " + known +
                        "; an MCP server's tools come with 'mcp: [SERVER]')");
      }
    read_names(node["mcp"], "mcp", s.mcp, s);
    if (!node["max_steps"]) return;
    json m = to_json(node["max_steps"]);
    if (!m.is_number_integer() || m.get<int64_t>() < 1 || m.get<int64_t>() > kMaxAgentSteps)
      fail(pos_of(node["max_steps"]), "step '" + s.id + "': 'max_steps:' is a whole number from 1 to " +
                                          std::to_string(kMaxAgentSteps));
    else s.max_steps = m.get<int>();
    if (!s.acts()) fail(pos_of(node["max_steps"]), "step '" + s.id + "': 'max_steps:' needs 'tools:' or 'mcp:'");
  }

  // A name or a list of names, each with its position; each name once.
  void read_names(const YAML::Node &node, const std::string &key, std::vector<Named> &out, const Step &s) {
    if (!node) return;
    auto add = [&](const YAML::Node &n) {
      if (!n.IsScalar() || n.Scalar().empty())
        return fail(pos_of(n), "step '" + s.id + "': '" + key + ":' lists names");
      for (const auto &seen : out)
        if (seen.name == n.Scalar()) return fail(pos_of(n), "step '" + s.id + "': '" + n.Scalar() + "' is listed twice");
      out.push_back({n.Scalar(), pos_of(n)});
    };
    if (node.IsScalar()) add(node);
    else if (node.IsSequence())
      for (const auto &n : node) add(n);
    else fail(pos_of(node), "step '" + s.id + "': '" + key + ":' is a name or a list of names");
  }

  void check_step_keys(const YAML::Node &node, const Step &s) {
    static const std::set<std::string> keys = {"id",      "prompt", "use",     "with",   "compare", "image",
                                               "tts",     "transcribe", "write", "model", "system", "options",
                                               "needs",   "foreach", "when",   "format", "schema", "retries",
                                               "output",  "cache",  "tools",   "mcp",    "max_steps", "retrieve"};
    for (const auto &kv : node) {
      std::string key = kv.first.as<std::string>();
      if (!keys.count(key)) fail(pos_of(kv.first), "step '" + s.id + "': unknown key '" + key + "'");
    }
  }

  void read_needs(const YAML::Node &node, Step &s) {
    const YAML::Node &needs = node["needs"];
    if (!needs) return;
    if (needs.IsScalar()) {
      s.needs.push_back(needs.Scalar());
      s.needs_pos.push_back(pos_of(needs));
    } else if (needs.IsSequence()) {
      for (const auto &n : needs) {
        s.needs.push_back(n.as<std::string>());
        s.needs_pos.push_back(pos_of(n));
      }
    } else fail(pos_of(needs), "'needs:' is a step id or a list of them");
  }

  // `format:` and the `schema:` a JSON answer must follow.
  void read_format(const YAML::Node &node, Step &s) {
    if (node["format"]) {
      std::string f = scalar(node["format"], "format");
      if (f == "json") s.json_format = true;
      else if (f != "text") fail(pos_of(node["format"]), "'format:' is json or text");
    }
    const YAML::Node &schema = node["schema"];
    if (!schema) return;
    if (schema.IsSequence()) {
      for (const auto &f : schema) s.schema.emplace_back(f.as<std::string>(), "any");
    } else if (schema.IsMap()) {
      read_schema_types(schema, s);
    } else fail(pos_of(schema), "'schema:' lists the fields the JSON answer must have, or maps them to types");
    if (!s.json_format) fail(pos_of(schema), "'schema:' needs 'format: json'");
  }

  void read_schema_types(const YAML::Node &schema, Step &s) {
    static const std::set<std::string> types = {"string", "number", "integer", "boolean", "array", "object", "any"};
    for (const auto &kv : schema) {
      std::string type = kv.second.IsScalar() ? kv.second.Scalar() : "";
      if (!types.count(type))
        fail(pos_of(kv.second), "schema field '" + kv.first.as<std::string>() + "': type '" + type +
                                    "' is not one of string, number, integer, boolean, array, object, any");
      s.schema.emplace_back(kv.first.as<std::string>(), type);
    }
  }

  void read_retries(const YAML::Node &node, Step &s) {
    if (!node["retries"]) return;
    json r = to_json(node["retries"]);
    if (!r.is_number_integer() || r.get<int>() < 0 || r.get<int>() > 10)
      fail(pos_of(node["retries"]), "'retries:' is a whole number from 0 to 10");
    else s.retries = r.get<int>();
  }

  // Settings that are each valid but not together.
  void check_step_combination(const Step &s) {
    if (s.action == Action::write && s.output.empty())
      fail(s.pos, "step '" + s.id + "': 'write:' needs 'output:' (the file to write)");
    if (s.action == Action::compare && s.json_format)
      fail(s.pos, "step '" + s.id + "': 'format: json' applies to one model's answer, not to a compare");
    if (s.acts() && s.action != Action::prompt && s.action != Action::use)
      fail(s.pos, "step '" + s.id + "': 'tools:' and 'mcp:' go with 'prompt:' or 'use:' (a model that acts)");
    if (s.acts() && s.retries > 0)
      fail(s.pos, "step '" + s.id + "': 'retries:' does not go with 'tools:'/'mcp:' (a step that acts is not run twice: its tools may have acted)");
    if (s.action == Action::retrieve && (s.json_format || !s.model.empty() || !s.system.empty()))
      fail(s.pos, "step '" + s.id + "': 'retrieve:' calls no model (no model:, system: or format:)");
  }

  fs::path m_file;
  std::vector<Diagnostic> m_diagnostics;
};

} // namespace

std::string Diagnostic::text() const {
  std::string where = file.string();
  if (pos.line > 0) where += ":" + std::to_string(pos.line) + ":" + std::to_string(pos.column);
  return where + ": " + message;
}

InvalidWorkflow::InvalidWorkflow(std::vector<Diagnostic> diagnostics)
    : Error(join_lines(diagnostics), ExitCode::usage), m_diagnostics(std::move(diagnostics)) {}

Workflow parse_workflow(const std::string &yaml, const fs::path &file) {
  // Every template ends up in JSON (template data, requests, the store),
  // which takes only UTF-8: refused here, where the position is known.
  if (auto bad = text::invalid_utf8_offset(yaml)) {
    text::LineColumn at = text::line_column(yaml, *bad);
    throw InvalidWorkflow({{file, SourcePos{static_cast<int>(at.line), static_cast<int>(at.column)},
                            "not valid UTF-8 (byte " + std::to_string(*bad) + ")"}});
  }
  try {
    return Loader(file).load(yaml);
  } catch (const YAML::Exception &e) {
    // A shape the loader did not expect (a mapping used as a key, a list
    // where a name goes): still an invalid file, at the position yaml-cpp saw.
    SourcePos pos = e.mark.line >= 0 ? SourcePos{e.mark.line + 1, e.mark.column + 1} : SourcePos{};
    throw InvalidWorkflow({{file, pos, e.msg}});
  }
}

Workflow load_workflow(const fs::path &file) {
  return parse_workflow(text::read_file(file, {kMaxWorkflowBytes, "the limit for a workflow", ""}, "workflow"), file);
}

const char *action_name(Action a) {
  switch (a) {
    case Action::prompt: return "prompt";
    case Action::use: return "use";
    case Action::compare: return "compare";
    case Action::image: return "image";
    case Action::tts: return "tts";
    case Action::transcribe: return "transcribe";
    case Action::write: return "write";
    case Action::retrieve: return "retrieve";
  }
  return "?";
}

const Step *Workflow::find(const std::string &id) const {
  for (const auto &s : steps)
    if (s.id == id) return &s;
  return nullptr;
}

} // namespace webox::workflow
