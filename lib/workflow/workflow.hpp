// A workflow as loaded from its YAML file (the format is documented in
// man/webox-workflow.5): declared inputs, defaults, steps, outputs. Every
// element keeps the position it came from, so that validation and run
// errors can say file:line:column.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace webox::workflow {

struct SourcePos {
  int line = 0;   // 1-based; 0 = unknown
  int column = 0; // 1-based
};

// A template string and where it was written.
struct Text {
  std::string text;
  SourcePos pos;
  bool empty() const { return text.empty(); }
};

enum class InputType { string, number, boolean, list, file };

struct Input {
  std::string name;
  InputType type = InputType::string;
  bool required = false;
  std::optional<nlohmann::json> default_value;
  std::string description;
  SourcePos pos;
};

// What a step does. Exactly one per step.
enum class Action { prompt, use, compare, image, tts, transcribe, write, retrieve };

const char *action_name(Action a);

// A name a step lists (a tool, an MCP server) and where it was written.
struct Named {
  std::string name;
  SourcePos pos;
};

// `retrieve: {collection: NAME, query: "{{...}}", k: 5}`.
struct Retrieve {
  std::string collection;
  SourcePos collection_pos;
  Text query;
  int k = 5;
};

// The fields a `format: json` answer must have: name -> JSON type name
// ("string", "number", "integer", "boolean", "array", "object", "any").
using Schema = std::vector<std::pair<std::string, std::string>>;

struct Step {
  std::string id;
  SourcePos pos;
  Action action = Action::prompt;
  Text body;                                 // prompt / image / tts / transcribe / write template
  std::string use;                           // library prompt name (Action::use)
  std::map<std::string, Text> with;          // its variables (templates)
  std::vector<std::string> compare_models;   // Action::compare
  Text model;                                // "" = defaults.model
  Text system;
  nlohmann::json options = nlohmann::json::object(); // temperature, max_tokens, voice, size...
  std::vector<std::string> needs;
  std::vector<SourcePos> needs_pos;
  Text foreach;                              // a template naming a JSON array, or
  std::optional<nlohmann::json> foreach_list; // an inline list
  Text when;
  bool json_format = false;
  Schema schema;
  int retries = 0;
  Text output;                               // file to write the result to
  bool cache = true;
  // A step that acts (prompt/use): the built-in tools (as `chat --tool`) and
  // the MCP servers (config mcp_servers:) its agent loop offers the model.
  std::vector<Named> tools;
  std::vector<Named> mcp;
  int max_steps = 10;                        // model calls of its loop (as chat --max-steps)
  Retrieve retrieve;                         // Action::retrieve
  bool acts() const { return !tools.empty() || !mcp.empty(); }
};

struct Workflow {
  std::filesystem::path file;
  std::string name;
  std::string description;
  std::vector<Input> inputs;
  std::string default_model;
  std::string default_system;
  nlohmann::json default_options = nlohmann::json::object();
  std::vector<Step> steps;
  std::vector<std::pair<std::string, Text>> outputs;

  const Step *find(const std::string &id) const;
};

} // namespace webox::workflow
