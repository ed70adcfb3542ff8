// One model call and what it produced, shared by chat, compare and
// workflows: send the messages (streamed or not), hand out each delta as it
// arrives, and collect text, usage, time to first token and latency.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "lib/chat/model_ref.hpp"
#include "lib/core/error.hpp"

namespace webox::plugin {
class Provider;
}

namespace webox::chat {

enum class Streaming { yes, no };

struct TurnResult {
  ModelRef model;
  std::string text; // the whole answer, or the prefix received before a failure
  std::string resolved_model;
  std::optional<int64_t> input_tokens;
  std::optional<int64_t> output_tokens;
  std::optional<double> cost;
  int64_t latency_ms = 0;
  std::optional<int64_t> ttft_ms;
  std::string conversation_id;
  std::string finish_reason;
  // The model's tool calls (ABI 1.3 shape: [{"id","name","arguments",
  // "extra"?, "arguments_text"?}]); empty when it answered with text only.
  nlohmann::json tool_calls = nlohmann::json::array();
};

using DeltaSink = std::function<void(std::string_view delta)>;

// Runs one call. On failure `partial` (when given) holds what arrived before
// it, and the provider's error propagates (plugin::ProviderError). `tools`
// (the request's "tools" list, ABI 1.3) is sent only when not empty; the
// provider refuses it without the tools capability (ProviderError, exit 2).
TurnResult run_turn(plugin::Provider &provider, const ModelRef &model, const nlohmann::json &messages,
                    const nlohmann::json &options, Streaming streaming, const DeltaSink &on_delta,
                    TurnResult *partial = nullptr, const nlohmann::json &tools = nlohmann::json());

// The same for a whole chat request document ({"model", "messages",
// "options", "tools"?, "tool_choice"?}; docs/ARCHITECTURE.md, "Plugin
// operations"); `model` names who answers in the result.
TurnResult run_turn_request(plugin::Provider &provider, const ModelRef &model, const nlohmann::json &request,
                            Streaming streaming, const DeltaSink &on_delta, TurnResult *partial = nullptr);

// Never silent: a model that answers with tool calls when webox offered it
// no tools (tools sent as is with `-o tools=...`, a provider that calls
// tools on its own) asked for something nobody will run, and its text is
// not the answer. Every consumer of a turn that offers no tools (workflow
// steps without tools:, compare, its judge, rag ask) checks this and ends
// with this one line (exit 1), carrying the calls in its --json.
// Returns nullopt when the turn holds no tool calls.
std::optional<std::string> unoffered_tool_calls(const TurnResult &turn);

// Thrown where a turn with unoffered tool calls ends a command.
class UnofferedToolCalls : public Error {
public:
  UnofferedToolCalls(const std::string &message, nlohmann::json calls)
      : Error(message, ExitCode::failure), m_calls(std::move(calls)) {}
  const nlohmann::json &calls() const { return m_calls; }

private:
  nlohmann::json m_calls;
};

// Throws UnofferedToolCalls when the turn holds tool calls.
void require_no_tool_calls(const TurnResult &turn);

} // namespace webox::chat
