#include "lib/chat/turn.hpp"

#include "lib/core/cancel.hpp"
#include "lib/core/error.hpp"
#include "lib/plugin/provider.hpp"

namespace webox::chat {
namespace {

constexpr size_t kMaxToolCalls = 128; // per answer; see plugins/common/tool_kit.hpp

std::optional<int64_t> token_count(const nlohmann::json &usage, const char *key) {
  if (usage.is_object() && usage.contains(key) && usage[key].is_number_integer()) return usage[key].get<int64_t>();
  return std::nullopt;
}

} // namespace

TurnResult run_turn(plugin::Provider &provider, const ModelRef &model, const nlohmann::json &messages,
                    const nlohmann::json &options, Streaming streaming, const DeltaSink &on_delta,
                    TurnResult *partial, const nlohmann::json &tools) {
  nlohmann::json request = {{"model", model.model}, {"messages", messages}, {"options", options}};
  if (tools.is_array() && !tools.empty()) request["tools"] = tools;
  return run_turn_request(provider, model, request, streaming, on_delta, partial);
}

TurnResult run_turn_request(plugin::Provider &provider, const ModelRef &model, const nlohmann::json &request,
                            Streaming streaming, const DeltaSink &on_delta, TurnResult *partial) {
  TurnResult turn;
  turn.model = model;
  const int64_t started = cancel::monotonic_ms();
  auto on_event = [&](const nlohmann::json &event) {
    if (event.value("type", "") == "tool_call") {
      // Kept even when the call fails later: a partial turn says what was asked.
      // The in-tree plugins stop at the same number; a third-party one that
      // does not must not grow the turn without bound.
      if (turn.tool_calls.size() >= kMaxToolCalls)
        throw Error(provider.instance() + ": the model asked for more than " + std::to_string(kMaxToolCalls) +
                        " tool calls in one answer",
                    ExitCode::failure);
      nlohmann::json call = event;
      call.erase("type");
      turn.tool_calls.push_back(std::move(call));
    } else if (event.value("type", "") == "delta") {
      std::string text = event.value("text", "");
      if (!text.empty()) {
        if (!turn.ttft_ms) turn.ttft_ms = cancel::monotonic_ms() - started;
        turn.text += text;
        on_delta(text);
      }
    } else if (event.value("type", "") == "tool_call") {
      nlohmann::json call = event;
      call.erase("type");
      turn.tool_calls.push_back(std::move(call));
    }
    return !cancel::requested();
  };

  nlohmann::json result;
  try {
    result = streaming == Streaming::yes ? provider.chat_stream(request, on_event) : provider.chat(request);
  } catch (...) {
    turn.latency_ms = cancel::monotonic_ms() - started;
    if (partial) *partial = turn;
    throw;
  }
  turn.latency_ms = cancel::monotonic_ms() - started;
  if (turn.text.empty()) {
    // Not streamed, or a plugin that only returns the whole text: still an answer.
    turn.text = result.value("text", "");
    if (!turn.text.empty()) {
      turn.ttft_ms.reset();
      on_delta(turn.text);
    }
  }
  turn.resolved_model = result.value("model", "");
  turn.finish_reason = result.value("finish_reason", "");
  // The result's list is the whole answer; the events are a fallback for a
  // plugin that only streams them.
  if (auto calls = result.find("tool_calls"); calls != result.end() && calls->is_array() && !calls->empty())
    turn.tool_calls = *calls;
  const nlohmann::json usage = result.value("usage", nlohmann::json::object());
  turn.input_tokens = token_count(usage, "input_tokens");
  turn.output_tokens = token_count(usage, "output_tokens");
  return turn;
}

std::optional<std::string> unoffered_tool_calls(const TurnResult &turn) {
  if (!turn.tool_calls.is_array() || turn.tool_calls.empty()) return std::nullopt;
  std::string names;
  for (const auto &c : turn.tool_calls)
    names += (names.empty() ? "" : ", ") + (c.is_object() ? c.value("name", std::string("?")) : std::string("?"));
  return turn.model.text() + " answered with tool calls (" + names +
         ") but webox offered it no tools, so nothing ran and there is no answer; tools given with "
         "-o tools=... are sent as is and never run: offer tools with chat --tool/--mcp or a workflow step's "
         "tools:/mcp: instead";
}

void require_no_tool_calls(const TurnResult &turn) {
  if (auto message = unoffered_tool_calls(turn)) throw UnofferedToolCalls(*message, turn.tool_calls);
}

} // namespace webox::chat
