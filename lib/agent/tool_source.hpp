// Where the tools a model may call come from, seen by the agent loop.
//
// A model that acts needs tools, and tools come from several places: the
// built-in ones (read_file, list_dir, write_file, http_get, shell) and every
// MCP server named with --mcp. The agent loop (lib/agent/) must not care
// which: it lists the tools of each source, offers them to the model under
// names that cannot collide, and runs the calls the model makes through the
// source that owns the tool. This interface is that seam; the built-in tools
// and lib/mcp/ each implement it, and a unit test can drive the loop with a
// fake one.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace webox::agent {

// One tool as its source describes it. `input_schema` is a JSON Schema
// object (MCP's `inputSchema`, OpenAI's `parameters`, Anthropic's
// `input_schema`, Gemini's `parameters`: the same document everywhere).
struct ToolSpec {
  std::string name;        // the source's own name for it, e.g. "read_text_file"
  std::string description;
  nlohmann::json input_schema = nlohmann::json::object();
};

// What one call produced. `content` holds MCP-style content parts
// ([{"type":"text","text":"..."}, {"type":"image","data":"<base64>",
// "mimeType":"image/png"}, {"type":"resource",...}]); `is_error` says the
// tool ran and failed (MCP's `isError`, a built-in tool's refusal): the loop
// hands that back to the model as an error result, it does not stop.
struct ToolOutcome {
  nlohmann::json content = nlohmann::json::array();
  bool is_error = false;
};

class ToolSource {
public:
  virtual ~ToolSource() = default;

  // The namespace of this source's tools: "builtin", or the MCP server's
  // name in the configuration ("fs"). Allow-lists and logs use
  // "<source>.<tool>" ("fs.read_text_file"); built-in tools go by their
  // bare name ("read_file").
  virtual const std::string &name() const = 0;

  // The tools offered. May start a server on first use; throws webox::Error
  // (with its exit code) when the source cannot be reached at all.
  virtual std::vector<ToolSpec> tools() = 0;

  // Runs one tool. MUST be safe to call from several threads at once (the
  // loop runs a model's parallel calls together). A failure of the tool
  // itself is an outcome with is_error; a failure to reach it (the server
  // died, answered garbage, or `timeout` passed) throws webox::Error. Honours
  // the process-wide cancel token (lib/core/cancel.hpp): Ctrl-C ends the
  // call with webox::Interrupted.
  virtual ToolOutcome call(const std::string &tool, const nlohmann::json &arguments,
                           std::chrono::milliseconds timeout) = 0;
};

} // namespace webox::agent
