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
// Usage is reported as whitespace-separated word counts, so that token
// accounting has real numbers to carry. The `embed` capability returns a
// deterministic 8-dimensional vector per input text.
#include <chrono>
#include <memory>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "plugins/common/descriptor.hpp"
#include "plugins/common/shared/bounded_json.hpp"
#include <webox/plugin.hpp>

namespace sdk = webox::sdk;
using nlohmann::json;

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
};

Answer answer_for(const json &request) {
  const json &messages = request.value("messages", json::array());
  Answer a;
  std::string last_user;
  for (const auto &m : messages) {
    std::string content = m.value("content", "");
    a.input_tokens += count_words(content);
    if (m.value("role", "") == "user") last_user = content;
  }
  a.text = request.value("model", "echo") == "messages" ? messages.dump() : last_user;
  return a;
}

json result_json(const std::string &model, const std::string &text, int64_t input_tokens) {
  return {{"text", text},
          {"model", "echo-" + model},
          {"finish_reason", "stop"},
          {"usage", {{"input_tokens", input_tokens}, {"output_tokens", count_words(text)}}}};
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
    sdk::give(json{{"models", {"echo", "messages", "slow"}}}.dump(), out);
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
    sdk::give(result_json(model, a.text, a.input_tokens).dump(), &out->json);
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
    int64_t output_tokens = count_words(sent);
    sdk::emit(sink, user,
              json{{"type", "usage"}, {"input_tokens", a.input_tokens}, {"output_tokens", output_tokens}}.dump());
    sdk::give(result_json(model, sent, a.input_tokens).dump(), &out->json);
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
