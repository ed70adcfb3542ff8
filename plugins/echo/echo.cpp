// The echo provider: an offline model for dry runs, demonstrations and tests.
//
// It needs no key and no network. What it answers depends on the model name:
//   echo            the last user message, streamed word by word
//   messages        the whole request's message list as JSON (to see what a
//                   model would have received: system prompt, history)
//   slow            like echo, 50 ms between words (option delay_ms), and it
//                   stops at once when the host cancels
//   fail-auth, fail-quota, fail-rate, fail-network, fail-upstream
//                   fail with that status class before answering
//   fail-midstream  streams half of the answer, then fails as a provider
//                   whose stream broke would
//   tools           a model that calls tools, deterministically (ABI 1.3):
//                   the last user message is a script, one line each:
//                     call NAME {"json": "arguments"}   one call of this round
//                     ---                               the next round
//                     repeat                            the last round again, forever
//                   Round k is answered to the request that already holds
//                   k-1 assistant messages with tool calls after that user
//                   message; once the rounds are spent it answers with the
//                   tool results it received, one "NAME: content" line each
//                   ("NAME (error): ..." for error results). Arguments that
//                   are not JSON are sent as arguments_text, as a real
//                   provider's broken arguments would be. Without a "call"
//                   line it echoes like `echo`.
// Usage is reported as whitespace-separated word counts, so that token
// accounting has real numbers to carry. The `embed` capability returns a
// deterministic 8-dimensional vector per input text.
#include <algorithm>
#include <chrono>
#include <memory>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "plugins/common/content_kit.hpp"
#include "plugins/common/descriptor.hpp"
#include "plugins/common/shared/bounded_json.hpp"
#include <webox/plugin.hpp>

namespace sdk = webox::sdk;
namespace kit = webox::kit;
using nlohmann::json;
using webox::json_fields::string_at;

struct webox_instance {
  std::string name;
};

namespace {

json parse_request(const webox_request *req) {
  json doc = webox::bounded_json::parse_or_discarded(std::string_view(req->json, req->json_size));
  if (doc.is_discarded() || !doc.is_object()) throw sdk::Failure(WEBOX_E_INVALID, "echo: request is not a JSON object");
  return doc;
}

int64_t count_words(const std::string &text) {
  int64_t n = 0;
  bool in_word = false;
  for (unsigned char c : text) {
    bool space = c == ' ' || c == '\n' || c == '\t' || c == '\r';
    if (!space && !in_word) ++n;
    in_word = !space;
  }
  return n;
}

// Splits after each run of spaces, so that concatenating the pieces gives
// the text back byte for byte (multi-byte characters are never cut).
std::vector<std::string> words_with_spaces(const std::string &text) {
  std::vector<std::string> pieces;
  std::string current;
  for (size_t i = 0; i < text.size(); ++i) {
    current += text[i];
    bool space = text[i] == ' ' || text[i] == '\n';
    bool next_is_word = i + 1 < text.size() && text[i + 1] != ' ' && text[i + 1] != '\n';
    if (space && next_is_word) {
      pieces.push_back(std::move(current));
      current.clear();
    }
  }
  if (!current.empty()) pieces.push_back(std::move(current));
  return pieces;
}

void fail_if_scripted(const std::string &model) {
  if (model == "fail-auth") throw sdk::Failure(WEBOX_E_AUTH, "echo: 401 scripted authentication failure", 401);
  if (model == "fail-quota") throw sdk::Failure(WEBOX_E_QUOTA, "echo: 429 scripted quota exhaustion", 429, -1, "insufficient_quota");
  if (model == "fail-rate") throw sdk::Failure(WEBOX_E_RATE_LIMITED, "echo: 429 scripted rate limit", 429, 1000);
  if (model == "fail-network") throw sdk::Failure(WEBOX_E_NETWORK, "echo: scripted network failure");
  if (model == "fail-upstream") throw sdk::Failure(WEBOX_E_UPSTREAM, "echo: 500 scripted server error", 500);
}

struct Answer {
  std::string text;
  int64_t input_tokens = 0;
  json tool_calls = json::array();
};

// The "tools" model's script: rounds of calls, read from the user message.
struct ToolScript {
  std::vector<std::vector<std::pair<std::string, std::string>>> rounds; // (name, raw arguments)
  bool repeat = false;
};

ToolScript read_script(const std::string &prompt) {
  ToolScript script;
  script.rounds.emplace_back();
  size_t start = 0;
  while (start <= prompt.size()) {
    size_t end = prompt.find('\n', start);
    if (end == std::string::npos) end = prompt.size();
    std::string line = prompt.substr(start, end - start);
    start = end + 1;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (line == "---") {
      script.rounds.emplace_back();
    } else if (line == "repeat") {
      script.repeat = true;
    } else if (line.rfind("call ", 0) == 0) {
      std::string rest = line.substr(5);
      size_t space = rest.find(' ');
      std::string name = rest.substr(0, space);
      std::string args = space == std::string::npos ? "{}" : rest.substr(space + 1);
      script.rounds.back().emplace_back(name, args);
    }
  }
  while (!script.rounds.empty() && script.rounds.back().empty()) script.rounds.pop_back();
  return script;
}

// Bytes of a base64 text, padding taken off.
size_t decoded_size(const std::string &b64) {
  if (b64.size() < 4) return 0;
  size_t pad = 0;
  for (size_t i = b64.size(); i > 0 && b64[i - 1] == '='; --i) ++pad;
  return b64.size() / 4 * 3 - std::min<size_t>(pad, 2);
}

// A list with image or document parts: its text, then one line per part
// saying what arrived, so tests see the file reached the plugin whole.
std::string parts_text(const json &content) {
  std::string text, images;
  for (const auto &part : content) {
    if (kit::content::is_media(part))
      images += std::string("\n[") + (kit::content::is_document(part) ? "document " : "image ") +
                string_at(part, "name") + ": " + kit::content::media_type(part) + ", " +
                std::to_string(decoded_size(kit::content::data(part))) + " bytes]";
    else
      text += string_at(part, "text");
  }
  return text + images;
}

std::string content_text(const json &content) {
  if (content.is_string()) return content.get<std::string>();
  if (kit::content::has_media(content)) return parts_text(content);
  return content.is_null() ? std::string() : content.dump();
}

// What the "tools" model answers to `messages`, whose last user message is
// at `last_user`: the next round of calls, or the results it received.
void play_script(const json &messages, size_t last_user, Answer &a) {
  ToolScript script = read_script(content_text(messages[last_user].value("content", json(""))));
  if (script.rounds.empty()) return; // no script: an echo
  size_t done = 0;
  std::string results;
  for (size_t i = last_user + 1; i < messages.size(); ++i) {
    const json &m = messages[i];
    if (m.value("role", "") == "assistant" && m.contains("tool_calls") && !m["tool_calls"].empty()) ++done;
    if (m.value("role", "") == "tool")
      results += m.value("name", "?") + (m.value("is_error", false) ? " (error): " : ": ") +
                 content_text(m.value("content", json(""))) + "\n";
  }
  if (done >= script.rounds.size() && !script.repeat) {
    a.text = results.empty() ? std::string("no tool results\n") : results;
    return;
  }
  const auto &round = script.rounds[std::min(done, script.rounds.size() - 1)];
  a.text.clear();
  for (size_t i = 0; i < round.size(); ++i) {
    json call = {{"id", "call_" + std::to_string(done + 1) + "_" + std::to_string(i + 1)},
                 {"name", round[i].first},
                 {"extra", json::object()}};
    json args = webox::bounded_json::parse_or_discarded(round[i].second);
    if (args.is_discarded()) {
      call["arguments"] = nullptr;
      call["arguments_text"] = round[i].second;
    } else {
      call["arguments"] = args;
    }
    a.tool_calls.push_back(std::move(call));
  }
}

Answer answer_for(const json &request) {
  const json &messages = request.value("messages", json::array());
  Answer a;
  std::string last_user;
  size_t last_user_at = 0;
  for (size_t i = 0; i < messages.size(); ++i) {
    const json &m = messages[i];
    std::string content = content_text(m.value("content", json("")));
    a.input_tokens += count_words(content);
    if (m.value("role", "") == "user") {
      last_user = content;
      last_user_at = i;
    }
  }
  const std::string model = request.value("model", "echo");
  a.text = model == "messages" ? messages.dump() : last_user;
  if (model == "tools" && !last_user.empty()) play_script(messages, last_user_at, a);
  return a;
}

json result_json(const std::string &model, const Answer &a, const std::string &text) {
  json r = {{"text", text},
            {"model", "echo-" + model},
            {"finish_reason", a.tool_calls.empty() ? "stop" : "tool_calls"},
            {"usage", {{"input_tokens", a.input_tokens}, {"output_tokens", count_words(text)}}}};
  if (!a.tool_calls.empty()) r["tool_calls"] = a.tool_calls;
  return r;
}

webox_status create(const char *config, size_t size, webox_instance **out, webox_buf *error) {
  return sdk::guard(error, [&] {
    json cfg = webox::bounded_json::parse_or_discarded(std::string_view(config, size));
    auto inst = std::make_unique<webox_instance>();
    inst->name = cfg.is_object() ? cfg.value("instance", "echo") : "echo";
    *out = inst.release();
    return WEBOX_OK;
  });
}

void destroy(webox_instance *self) { delete self; }

webox_status describe(webox_instance *, webox_buf *out) {
  return sdk::guard(nullptr, [&] {
    sdk::give(json{{"models", {"echo", "messages", "slow", "tools"}}}.dump(), out);
    return WEBOX_OK;
  });
}

webox_status chat(webox_instance *, const webox_call *, const webox_request *req, webox_result *out) {
  return sdk::guard(&out->error, [&] {
    json request = parse_request(req);
    std::string model = request.value("model", "echo");
    fail_if_scripted(model);
    if (model == "fail-midstream") throw sdk::Failure(WEBOX_E_UPSTREAM, "echo: scripted failure mid-answer");
    Answer a = answer_for(request);
    sdk::give(result_json(model, a, a.text).dump(), &out->json);
    return WEBOX_OK;
  });
}

webox_status chat_stream(webox_instance *, const webox_call *call, const webox_request *req, webox_sink_fn sink,
                         void *user, webox_result *out) {
  return sdk::guard(&out->error, [&] {
    json request = parse_request(req);
    std::string model = request.value("model", "echo");
    fail_if_scripted(model);
    Answer a = answer_for(request);
    const json options = request.value("options", json::object());
    int delay_ms = options.value("delay_ms", model == "slow" ? 50 : 0);
    std::vector<std::string> pieces = words_with_spaces(a.text);
    size_t stop_at = model == "fail-midstream" ? pieces.size() / 2 : pieces.size();
    std::string sent;
    for (size_t i = 0; i < stop_at; ++i) {
      if (sdk::host().is_cancelled(call)) throw sdk::Failure(WEBOX_E_CANCELLED, "echo: cancelled");
      if (delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
      sdk::emit(sink, user, json{{"type", "delta"}, {"text", pieces[i]}}.dump());
      sent += pieces[i];
    }
    if (model == "fail-midstream") throw sdk::Failure(WEBOX_E_UPSTREAM, "echo: scripted failure mid-answer");
    for (const auto &tool_call : a.tool_calls) {
      json event = tool_call;
      event["type"] = "tool_call";
      sdk::emit(sink, user, event.dump());
    }
    int64_t output_tokens = count_words(sent);
    sdk::emit(sink, user,
              json{{"type", "usage"}, {"input_tokens", a.input_tokens}, {"output_tokens", output_tokens}}.dump());
    sdk::give(result_json(model, a, sent).dump(), &out->json);
    return WEBOX_OK;
  });
}

// A deterministic unit-free vector: FNV-1a of the text spread over 8 floats.
webox_status embed(webox_instance *, const webox_call *, const webox_request *req, webox_result *out) {
  return sdk::guard(&out->error, [&] {
    json request = parse_request(req);
    json vectors = json::array();
    for (const auto &input : request.value("input", json::array())) {
      std::string text = input.is_string() ? input.get<std::string>() : input.dump();
      uint64_t h = 1469598103934665603ull;
      json v = json::array();
      for (int d = 0; d < 8; ++d) {
        for (unsigned char c : text) h = (h ^ c) * 1099511628211ull;
        h = (h ^ static_cast<uint64_t>(d)) * 1099511628211ull;
        v.push_back(static_cast<double>(h % 2001) / 1000.0 - 1.0);
      }
      vectors.push_back(v);
    }
    sdk::give(json{{"model", "echo-embed"}, {"vectors", vectors}}.dump(), &out->json);
    return WEBOX_OK;
  });
}

} // namespace

// Id, version, capabilities and oldest host minor come from plugin.json.
WEBOX_DEFINE_PLUGIN(.create = create, .destroy = destroy, .describe = describe, .chat = chat, .chat_stream = chat_stream, .embed = embed)
