// One unit of work of a workflow run, fully rendered on the scheduler thread
// and then executed on a worker: a model call (with its retries and its one
// JSON repair), a speech synthesis, an image generation or a transcription.
// A step is one task, or one per item with `foreach:` (and one per model
// with `compare:`).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lib/agent/loop.hpp"
#include "lib/agent/toolbox.hpp"
#include "lib/chat/fallback.hpp"
#include "lib/media/gallery.hpp"
#include "lib/store/calls.hpp"
#include "lib/workflow/workflow.hpp"

namespace webox::chat {
class PriceTable;
}

namespace webox::workflow {

// What a step that acts (tools:, mcp:) offers its model: built before the
// run (servers started, tools listed, every tool's permission checked), then
// shared, read-only, by the step's tasks. Tools are safe to call from
// several threads (lib/agent/tool_source.hpp).
struct StepTools {
  agent::Toolbox toolbox;
  std::vector<std::string> allow; // the config's tools.allow
  bool yes = false;               // workflow run --yes
  agent::LoopSettings loop;
};

// One step of a task's agent loop, to store (migration 13) once its model
// call is logged: `call` is that call's place in TaskResult::calls (1-based).
struct AgentStepRow {
  size_t call = 0;
  int number = 0;
  nlohmann::json messages;
  std::vector<store::ToolCallEntry> tool_calls;
};

struct Task {
  size_t step = 0;
  size_t item = 0;
  Action action = Action::prompt;
  std::vector<chat::ChainLink> links;   // the model and its fallbacks
  nlohmann::json messages = nlohmann::json::array();
  nlohmann::json options = nlohmann::json::object();
  std::string prompt, system;           // as logged
  bool json_format = false;
  Schema schema;
  int retries = 0;
  std::string cache_key;                // "" = not cached
  std::string text;                     // tts text, image prompt
  std::string path;                     // transcribe: the audio; image/tts: the target
  std::string output_root;              // image/tts: "" or the folder `path` must stay under
  std::shared_ptr<const StepTools> tools; // null: the model is offered no tools
  bool batch = false;                   // sent in a provider batch (--batch): priced at batch prices
};

struct TaskResult {
  std::string status = "ok";            // ok, failed, cancelled
  std::string error;
  std::string model;                    // provider:model that answered
  std::string text;
  std::optional<nlohmann::json> json;
  bool cached = false;
  int64_t latency_ms = 0;
  std::optional<int64_t> input_tokens, output_tokens;
  std::optional<double> cost;
  bool cost_unknown = false;            // a call was made whose price is unknown
  std::vector<chat::ChainResult> calls; // to log (model calls only)
  std::vector<media::MediaRecord> media;// files produced, for the gallery
  // The tool calls of the step: those its agent loop made (tools:/mcp:), or
  // those a model made though none were offered (the step then fails).
  nlohmann::json tool_calls = nlohmann::json::array();
  std::vector<AgentStepRow> agent_steps;
};

// Runs `task`. Never throws: failures are in the result.
TaskResult execute_task(const Task &task, const chat::PriceTable &prices);

// The instruction appended to a `format: json` step's prompt.
std::string json_instruction(const Schema &schema);

} // namespace webox::workflow
