#include "lib/agent/loop.hpp"

#include <exception>
#include <thread>

#include "lib/agent/builtin_tools.hpp"
#include "lib/agent/schema_check.hpp"
#include "lib/core/cancel.hpp"

namespace webox::agent {
namespace {

using nlohmann::json;

// A UTF-8 prefix of `text` of at most `limit` bytes (never a cut character).
std::string utf8_prefix(const std::string &text, size_t limit) {
  if (text.size() <= limit) return text;
  size_t cut = limit;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return text.substr(0, cut);
}

// A call as the model made it, before anything ran.
struct Pending {
  ToolCallRecord record;
  const OfferedTool *tool = nullptr;
  std::string problem; // set when it will not run
  json extra = json::object();
};

Pending read_call(const json &call, int step, size_t index, const Toolbox &toolbox) {
  Pending p;
  p.record.id = call.value("id", "");
  if (p.record.id.empty()) p.record.id = "call_" + std::to_string(step) + "_" + std::to_string(index + 1);
  p.record.name = call.value("name", "");
  if (call.contains("extra") && call["extra"].is_object()) p.extra = call["extra"];
  p.tool = toolbox.find(p.record.name);
  if (p.tool) p.record.qualified = p.tool->qualified;
  const json args = call.contains("arguments") ? call["arguments"] : json();
  p.record.arguments = args;
  if (!p.tool) {
    p.record.status = "unknown";
    p.problem = "no tool named '" + p.record.name + "' was offered";
  } else if (args.is_null() && call.contains("arguments_text")) {
    p.record.arguments = call.value("arguments_text", "");
    p.record.status = "invalid";
    p.problem = "the arguments are not valid JSON";
  } else if (!args.is_object()) {
    p.record.status = "invalid";
    p.problem = "the arguments must be a JSON object";
  } else if (auto why = schema_problem(p.tool->spec.input_schema, args)) {
    p.record.status = "invalid";
    p.problem = "the arguments do not fit the tool's input schema: " + *why;
  }
  return p;
}

void run_one(Pending &p, std::chrono::milliseconds timeout, size_t cap) {
  const int64_t started = cancel::monotonic_ms();
  try {
    ToolOutcome out = p.tool->source->call(p.tool->spec.name, p.record.arguments, timeout);
    std::string text = content_text(out.content);
    p.record.result_bytes = text.size();
    p.record.result = utf8_prefix(text, cap);
    if (text.size() > cap)
      p.record.result += "\n[truncated by webox: " + std::to_string(text.size()) + " bytes, " + std::to_string(cap) +
                         " shown]";
    p.record.status = out.is_error ? "error" : "ok";
  } catch (const Interrupted &) {
    p.record.status = "cancelled";
    p.record.result = "cancelled by the user";
  } catch (const std::exception &e) {
    p.record.status = cancel::requested() ? "cancelled" : "error";
    p.record.result = e.what();
  }
  p.record.duration_ms = cancel::monotonic_ms() - started;
}

// Runs the approved calls: a single one here, several at once on threads
// (each joined before the step ends, whatever happens).
void run_approved(std::vector<Pending *> &approved, const LoopSettings &settings) {
  if (approved.size() == 1) {
    run_one(*approved.front(), settings.tool_timeout, settings.max_result_bytes);
    return;
  }
  std::vector<std::jthread> threads;
  threads.reserve(approved.size());
  for (Pending *p : approved)
    threads.emplace_back([p, &settings] { run_one(*p, settings.tool_timeout, settings.max_result_bytes); });
}

json assistant_message(const chat::TurnResult &turn, const std::vector<Pending> &calls) {
  json tool_calls = json::array();
  for (const auto &p : calls)
    tool_calls.push_back({{"id", p.record.id},
                          {"name", p.record.name},
                          {"arguments", p.record.arguments.is_object() ? p.record.arguments : json::object()},
                          {"extra", p.extra}});
  return {{"role", "assistant"}, {"content", turn.text}, {"tool_calls", tool_calls}};
}

json tool_message(const ToolCallRecord &r) {
  return {{"role", "tool"},
          {"tool_call_id", r.id},
          {"name", r.name},
          {"content", r.result},
          {"is_error", r.status != "ok"}};
}

std::string call_names(const json &tool_calls) {
  std::string out;
  for (const auto &c : tool_calls) out += (out.empty() ? "" : ", ") + c.value("name", std::string("?"));
  return out;
}

} // namespace

ExitCode LoopResult::exit_code() const {
  switch (ending) {
    case Ending::answered: return ExitCode::ok;
    case Ending::max_steps: return ExitCode::partial;
    case Ending::refused: return ExitCode::usage;
    case Ending::interrupted: return ExitCode::interrupted;
    default: return ExitCode::failure;
  }
}

std::string content_text(const json &content) {
  if (content.is_string()) return content.get<std::string>();
  if (!content.is_array()) return content.is_null() ? "" : content.dump();
  std::string out;
  for (const auto &part : content) {
    if (!out.empty()) out += "\n";
    const std::string type = part.is_object() ? part.value("type", "") : "";
    if (type == "text") {
      out += part.value("text", "");
    } else if (type == "image" || type == "audio") {
      out += "[" + type + " " + part.value("mimeType", std::string("?")) + ", " +
             std::to_string(part.value("data", std::string()).size()) + " bytes of base64]";
    } else if (type == "resource" && part.contains("resource") && part["resource"].is_object()) {
      const json &r = part["resource"];
      out += r.contains("text") && r["text"].is_string() ? r["text"].get<std::string>()
                                                         : "[resource " + r.value("uri", std::string("?")) + "]";
    } else {
      out += part.dump();
    }
  }
  return out;
}

namespace {

void stop(LoopResult &result, Ending ending, std::string message) {
  result.ending = ending;
  result.message = std::move(message);
}

// What stops the loop is decided before anything of the step runs: an
// unknown tool, invalid arguments a second time, the last step allowed.
void decide_ending(LoopResult &result, const std::vector<Pending> &calls, int &invalid_seen, int number,
                   const LoopSettings &settings, const json &asked, const Toolbox &toolbox) {
  for (const auto &p : calls) {
    if (p.record.status == "unknown" && result.ending == Ending::answered)
      stop(result, Ending::unknown_tool,
           "the model called '" + p.record.name + "', which is not one of the tools offered (" + toolbox.names() + ")");
    if (p.record.status == "invalid" && ++invalid_seen >= 2 && result.ending == Ending::answered)
      stop(result, Ending::invalid_arguments,
           "the model sent invalid arguments a second time (" + p.record.name + ": " + p.problem + "); stopped");
  }
  if (result.ending == Ending::answered && number >= settings.max_steps)
    stop(result, Ending::max_steps,
         "stopped after " + std::to_string(number) + " steps (--max-steps " + std::to_string(settings.max_steps) +
             ") with the model still calling " + call_names(asked));
}

// The calls that may run: valid, the loop going on, and allowed (asked on a
// terminal, or by the allow-list). A refusal without a terminal ends the loop.
std::vector<Pending *> approve_calls(std::vector<Pending> &calls, Approval &approval, LoopResult &result) {
  std::vector<Pending *> approved;
  for (auto &p : calls) {
    if (!p.problem.empty()) {
      p.record.result = p.problem;
      continue;
    }
    if (result.ending != Ending::answered) {
      p.record.status = "not_run";
      p.record.result = "not run: " + result.message;
      continue;
    }
    try {
      const bool read_only = p.tool->source->name() == "builtin" && is_read_only_builtin(p.tool->spec.name);
      if (approval.decide(p.tool->qualified, read_only, p.record.arguments) == Decision::denied) {
        p.record.status = "denied";
        p.record.result = "the user did not allow this call";
        continue;
      }
    } catch (const UsageError &e) {
      p.record.status = "refused";
      p.record.result = "refused: no permission to run this tool";
      stop(result, Ending::refused, e.what());
      continue;
    }
    approved.push_back(&p);
  }
  return approved;
}

// Runs the approved calls together, unless one call of the step was
// refused: then nothing of it runs.
void run_calls(std::vector<Pending *> approved, const LoopResult &result, const LoopSettings &settings,
               const LoopHooks &hooks) {
  if (result.ending == Ending::refused) {
    for (Pending *p : approved) {
      p->record.status = "not_run";
      p->record.result = "not run: another call of this step was refused";
    }
    return;
  }
  if (hooks.on_tool_start)
    for (Pending *p : approved) hooks.on_tool_start(p->record);
  run_approved(approved, settings);
}

// The messages the step adds to the conversation: the model's turn with its
// calls, then one result for each call.
Step record_step(int number, const ModelReply &reply, std::vector<Pending> &calls, const LoopHooks &hooks) {
  Step step;
  step.number = number;
  step.turn = reply.turn;
  step.call_id = reply.call_id;
  step.messages.push_back(assistant_message(reply.turn, calls));
  for (auto &p : calls) {
    if (hooks.on_tool_done) hooks.on_tool_done(p.record);
    step.messages.push_back(tool_message(p.record));
    step.calls.push_back(p.record);
  }
  if (hooks.on_step) hooks.on_step(step);
  return step;
}

} // namespace

LoopResult run_loop(json messages, const Toolbox &toolbox, Approval &approval, const ModelCall &model,
                    const LoopSettings &settings, const LoopHooks &hooks) {
  LoopResult result;
  const json definitions = toolbox.definitions();
  int invalid_seen = 0;
  for (int number = 1;; ++number) {
    if (cancel::requested()) {
      stop(result, Ending::interrupted, "interrupted");
      return result;
    }
    ModelReply reply = model(messages, definitions);
    result.answer = reply.turn;
    result.answer_call_id = reply.call_id;
    const json &asked = reply.turn.tool_calls;
    if (!asked.is_array() || asked.empty()) return result; // a text answer: done
    if (toolbox.empty()) {
      stop(result, Ending::no_tools,
           "the model asked to call tools (" + call_names(asked) +
               ") but no tools are enabled; enable them with --tool NAME (see webox-chat(1), TOOLS)");
      return result;
    }
    std::vector<Pending> calls;
    for (size_t i = 0; i < asked.size(); ++i) calls.push_back(read_call(asked[i], number, i, toolbox));
    decide_ending(result, calls, invalid_seen, number, settings, asked, toolbox);
    run_calls(approve_calls(calls, approval, result), result, settings, hooks);
    Step step = record_step(number, reply, calls, hooks);
    for (const auto &m : step.messages) messages.push_back(m);
    result.steps.push_back(std::move(step));
    if (cancel::requested()) stop(result, Ending::interrupted, "interrupted");
    if (result.ending != Ending::answered) return result;
  }
}

} // namespace webox::agent
