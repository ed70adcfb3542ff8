#include "lib/workflow/task.hpp"

#include <fstream>
#include <iterator>

#include "lib/agent/agent_turn.hpp"
#include "lib/chat/prices.hpp"
#include "lib/core/cancel.hpp"
#include "lib/core/error.hpp"
#include "lib/core/logging.hpp"
#include "lib/media/produce.hpp"
#include "lib/media/signature.hpp"
#include "lib/plugin/provider.hpp"
#include "lib/workflow/json_answer.hpp"

namespace webox::workflow {
namespace {

using nlohmann::json;

void add(std::optional<int64_t> &sum, const std::optional<int64_t> &v) {
  if (v) sum = sum.value_or(0) + *v;
}

// Sends `messages` once through the chain and accounts for it in `r`.
// Returns the chain's result.
const chat::ChainResult &call_once(const Task &t, const chat::PriceTable &prices, const json &messages,
                                   TaskResult &r, const json &tools = json()) {
  chat::ChainResult cr =
      chat::run_chain(t.links, {}, messages, t.options, chat::Streaming::no, [](std::string_view) {}, {}, tools);
  for (auto &a : cr.attempts) {
    if (a.status == "skipped" || a.status.empty()) continue;
    a.turn.cost = prices.cost(a.turn.model.provider, a.turn.model.model, a.turn.input_tokens, a.turn.output_tokens);
    if (a.turn.cost) r.cost = r.cost.value_or(0) + *a.turn.cost;
    else if (a.status == "ok") r.cost_unknown = true;
    add(r.input_tokens, a.turn.input_tokens);
    add(r.output_tokens, a.turn.output_tokens);
  }
  r.calls.push_back(std::move(cr));
  return r.calls.back();
}

// Never silent (lib/chat/turn.hpp): the step fails, its report keeps the calls.
void refuse_unoffered_calls(const chat::TurnResult &turn, TaskResult &r) {
  auto unoffered = chat::unoffered_tool_calls(turn);
  if (!unoffered) return;
  for (json call : turn.tool_calls) {
    if (call.is_object()) call["status"] = "not_offered";
    r.tool_calls.push_back(std::move(call));
  }
  throw Error(*unoffered);
}

void run_model(const Task &t, const chat::PriceTable &prices, TaskResult &r) {
  for (int attempt = 0; attempt <= t.retries; ++attempt) {
    if (cancel::requested()) throw Interrupted();
    const chat::ChainResult &cr = call_once(t, prices, t.messages, r);
    if (!cr.answered()) {
      r.error = logging::redact(cr.last().error);
      if (cr.last().status == "cancelled" || cancel::requested()) throw Interrupted();
      continue; // the step's own retries, after the host's transport retries
    }
    refuse_unoffered_calls(cr.last().turn, r);
    r.text = cr.last().turn.text;
    r.model = cr.last().turn.model.text();
    r.error.clear();
    if (!t.json_format) return;
    try {
      r.json = parse_json_answer(r.text, t.schema);
      return;
    } catch (const std::runtime_error &first) {
      // One repair: the model sees its answer and what was wrong with it.
      json repair = t.messages;
      repair.push_back({{"role", "assistant"}, {"content", r.text}});
      repair.push_back({{"role", "user"}, {"content", repair_message(first.what(), t.schema)}});
      const chat::ChainResult &again = call_once(t, prices, repair, r);
      if (!again.answered()) {
        r.error = logging::redact(again.last().error);
        if (cancel::requested()) throw Interrupted();
        continue;
      }
      refuse_unoffered_calls(again.last().turn, r);
      r.text = again.last().turn.text;
      try {
        r.json = parse_json_answer(r.text, t.schema);
        return;
      } catch (const std::runtime_error &second) {
        throw Error(std::string("the model's answer is not the JSON asked for, even after one repair: ") + second.what());
      }
    }
  }
  throw Error(r.error.empty() ? "the model did not answer" : r.error);
}

json call_json(const agent::ToolCallRecord &c, int step) {
  json j = agent::tool_call_json(c);
  j["step"] = step;
  return j;
}

// A step that acts: chat's agent loop (lib/agent/loop.hpp) over the step's
// tools, each model call through the step's chain. Nobody can be asked on a
// worker: every tool was allowed before the run (--yes, tools.allow).
void run_agent(const Task &t, const chat::PriceTable &prices, TaskResult &r) {
  const StepTools &tools = *t.tools;
  agent::Approval approval(tools.allow, tools.yes, {});
  agent::ModelCall model = [&](const json &messages, const json &definitions) {
    if (cancel::requested()) throw Interrupted();
    const chat::ChainResult &cr = call_once(t, prices, messages, r, definitions);
    if (!cr.answered()) {
      if (cr.last().status == "cancelled" || cancel::requested()) throw Interrupted();
      throw Error(logging::redact(cr.last().error));
    }
    return agent::ModelReply{cr.last().turn, static_cast<int64_t>(r.calls.size())};
  };
  agent::LoopHooks hooks;
  hooks.on_step = [&](const agent::Step &step) {
    r.agent_steps.push_back({static_cast<size_t>(step.call_id), step.number, step.messages, agent::tool_call_entries(step)});
    for (const auto &c : step.calls) r.tool_calls.push_back(call_json(c, step.number));
  };
  agent::LoopResult result = agent::run_loop(t.messages, tools.toolbox, approval, model, tools.loop, hooks);
  if (result.ending == agent::Ending::interrupted) throw Interrupted();
  if (result.ending != agent::Ending::answered) throw Error(result.message, result.exit_code());
  if (!result.steps.empty()) // a plain answer needs no step row, as in chat
    r.agent_steps.push_back({static_cast<size_t>(result.answer_call_id), static_cast<int>(result.steps.size()) + 1,
                             json::array({{{"role", "assistant"}, {"content", result.answer.text}}}), {}});
  r.text = result.answer.text;
  r.model = result.answer.model.text();
  if (t.json_format) {
    try {
      r.json = parse_json_answer(r.text, t.schema);
    } catch (const std::runtime_error &e) {
      // No repair round: it would run the loop, and the tools, again.
      throw Error(std::string("the model's final answer is not the JSON asked for: ") + e.what());
    }
  }
}

// Media options: known names go at the top of the request, the rest is
// passed through to the provider.
json media_request(const Task &t, std::initializer_list<const char *> top_level) {
  json request = {{"model", t.links.front().model.model}, {"options", json::object()}};
  for (const auto &[k, v] : t.options.items()) {
    bool top = false;
    for (const char *name : top_level) top = top || k == name;
    if (top) request[k] = v;
    else request["options"][k] = v;
  }
  return request;
}

media::Target target_of(const std::string &path, const std::string &root) {
  if (path.empty()) return {media::Target::Kind::directory, media::default_media_dir(), {}};
  if (!root.empty()) {
    // A path rendered from data: its folders are made by the confined
    // writer, which never follows a symbolic link below the root.
    std::error_code ec;
    bool dir = path.back() == '/' || std::filesystem::is_directory(std::filesystem::symlink_status(path, ec));
    return {dir ? media::Target::Kind::directory : media::Target::Kind::file, path, root};
  }
  media::Target target = media::parse_target(path);
  if (target.kind == media::Target::Kind::standard_output)
    throw UsageError("a workflow step cannot write media to standard output; give 'output:' a file or DIR/");
  // A workflow names its files up front ("out/interview/question.wav"):
  // their folders are made, as for text outputs.
  std::filesystem::path dir = target.kind == media::Target::Kind::file ? target.path.parent_path() : target.path;
  if (!dir.empty()) std::filesystem::create_directories(dir);
  return target;
}

void run_tts(const Task &t, TaskResult &r) {
  plugin::Provider provider(t.links.front().binding);
  if (!provider.can(WEBOX_CAP_TTS)) throw UsageError(t.links.front().model.text() + " does not synthesise speech");
  json request = media_request(t, {"voice", "format", "speed"});
  request["text"] = t.text;
  media::Target target = target_of(t.path, t.output_root);
  if (!request.contains("format") && target.kind == media::Target::Kind::file) {
    std::string f = media::audio_format_from_name(target.path);
    if (!f.empty()) request["format"] = f;
  }
  size_t max_chars = 0;
  if (json desc = provider.describe(); desc.contains("tts") && desc["tts"].is_object())
    max_chars = desc["tts"].value("max_chars", size_t{0});
  media::SpeechFile made = media::speak_to_file(provider, t.links.front().model.provider, request, max_chars, target);
  r.text = made.record.file_path;
  r.media.push_back(made.record);
}

void run_image(const Task &t, TaskResult &r) {
  plugin::Provider provider(t.links.front().binding);
  if (!provider.can(WEBOX_CAP_IMAGE)) throw UsageError(t.links.front().model.text() + " does not generate images");
  json request = media_request(t, {"size", "quality", "seed", "n"});
  request["prompt"] = t.text;
  if (!request.contains("n")) request["n"] = 1;
  json doc;
  std::vector<media::GeneratedImage> images = media::generate_images(provider, request, &doc);
  media::Target target = target_of(t.path, t.output_root);
  double cost_each = doc.contains("cost") && doc["cost"].is_number() && !images.empty()
                         ? doc["cost"].get<double>() / static_cast<double>(images.size())
                         : -1;
  for (size_t i = 0; i < images.size(); ++i) {
    media::MediaRecord rec = media::write_image(images[i], target, i + 1, images.size(), t.text);
    rec.provider = t.links.front().model.provider;
    rec.model = t.links.front().model.model;
    rec.options_json = request.dump();
    rec.cost = cost_each;
    r.text += (r.text.empty() ? "" : "\n") + rec.file_path;
    r.media.push_back(rec);
  }
  if (cost_each >= 0) r.cost = cost_each * static_cast<double>(images.size());
}

void run_transcribe(const Task &t, TaskResult &r) {
  std::ifstream in(t.path, std::ios::binary);
  if (!in) throw UsageError("transcribe: cannot read " + t.path);
  std::string audio((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto type = media::sniff_audio(audio);
  if (!type) throw UsageError("transcribe: " + t.path + " is not an audio file webox recognises (got " +
                              media::describe_unexpected(audio) + ")");
  plugin::Provider provider(t.links.front().binding);
  if (!provider.can(WEBOX_CAP_STT)) throw UsageError(t.links.front().model.text() + " does not transcribe speech");
  json request = media_request(t, {"language", "prompt"});
  request["filename"] = std::filesystem::path(t.path).filename().string();
  request["media_type"] = type->mime;
  request["format"] = "text";
  json result = provider.stt(request, audio);
  r.text = result.value("text", "");
}

} // namespace

std::string json_instruction(const Schema &schema) {
  if (schema.empty()) return "Answer with ONLY a JSON value, nothing else.";
  std::string fields;
  for (const auto &[field, type] : schema) fields += (fields.empty() ? "" : ", ") + ("\"" + field + "\" (" + type + ")");
  return "Answer with ONLY a JSON object with the fields: " + fields + ". Nothing else.";
}

TaskResult execute_task(const Task &t, const chat::PriceTable &prices) {
  TaskResult r;
  const int64_t started = cancel::monotonic_ms();
  if (!t.links.empty()) r.model = t.links.front().model.text();
  if (cancel::requested()) {
    r.status = "cancelled";
    r.error = "cancelled";
    return r;
  }
  try {
    switch (t.action) {
      case Action::prompt:
      case Action::use:
      case Action::compare:
        if (t.tools) run_agent(t, prices, r);
        else run_model(t, prices, r);
        break;
      case Action::tts: run_tts(t, r); break;
      case Action::image: run_image(t, r); break;
      case Action::transcribe: run_transcribe(t, r); break;
      case Action::write:
      case Action::retrieve: break; // done by the scheduler, never queued
    }
  } catch (const Interrupted &) {
    r.status = "cancelled";
    r.error = "cancelled";
  } catch (const std::exception &e) {
    r.status = cancel::requested() ? "cancelled" : "failed";
    r.error = logging::redact(e.what());
  }
  r.latency_ms = cancel::monotonic_ms() - started;
  return r;
}

} // namespace webox::workflow
