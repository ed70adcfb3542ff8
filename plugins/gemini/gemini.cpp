// gemini.cpp: Google's Gemini through the Generative Language API (v1beta).
//
// THE PROTOCOL. The model is part of the path and the verb is a suffix:
// `POST {base}/v1beta/models/{model}:generateContent` for a whole answer and
// `POST {base}/v1beta/models/{model}:streamGenerateContent?alt=sse` for a
// streamed one, where the base is the bare host
// (`https://generativelanguage.googleapis.com`). The key goes in the header
// `x-goog-api-key` (the `?key=` form would put it in URLs, hence in logs).
// The body is `{"contents":[{"role":"user"|"model","parts":[{"text"}]}],
// "systemInstruction"?:{"parts":[{"text"}]}, "generationConfig"?:{...}}`.
// Every response object, whole or streamed, has the same shape:
// `candidates[0].content.parts[].text` is text, `candidates[0].finishReason`
// says why it stopped, `usageMetadata` counts tokens.
//
// THE STEPS. Resolve the key (GEMINI_API_KEY, else GOOGLE_API_KEY, the two
// names Google's own tools accept); translate roles and move system messages
// to `systemInstruction`; put sampling options in `generationConfig` under
// Gemini's names; POST through the host (retries, SSE framing); read each
// response object; require a `finishReason`.
//
// WHAT IS SURPRISING.
//   - Roles are `user` and `model`, not `assistant`, and there is no system
//     role: system text is a separate top-level field.
//   - Without `alt=sse` the "stream" is one JSON array sent piecemeal; with
//     it, ordinary SSE, but framed with CRLF (the host copes) and with NO
//     terminator: no `[DONE]`, no stop event, the body just ends. The only
//     sign that an answer is complete is a `finishReason` on a candidate, so
//     a body that ends before one was seen is reported as cut.
//   - `usageMetadata` is repeated, cumulative, on every chunk; the last one
//     counts. Thinking models spend `thoughtsTokenCount` on top of
//     `candidatesTokenCount`; both are billed as output, so webox reports
//     their sum as output tokens (as OpenAI's completion_tokens does).
//   - Thinking models may return `thought: true` parts: the model's notes,
//     not the answer. They are skipped. The last chunk may hold an empty
//     text part.
//   - Errors are Google RPC statuses: `{"error":{"code","message","status",
//     "details":[...]}}`. A wrong key is a 400 INVALID_ARGUMENT, not a 401;
//     only the `ErrorInfo` detail's reason `API_KEY_INVALID` reveals it. A
//     429 RESOURCE_EXHAUSTED puts its wait in the body (`RetryInfo`,
//     `"retryDelay": "34s"`), not in a Retry-After header; the host is told
//     through `retry_delay`. The same 429 is also a spent daily quota when
//     its `QuotaFailure` names a per-day quota (`quotaId` containing
//     "PerDay"), even with a retryDelay of seconds: that is not retried and
//     is reported as a quota (exit 5).
//   - A prompt the safety filters refuse gets a 200 with no candidates and a
//     `promptFeedback.blockReason`: it is reported as a refused request.
#include <webox/plugin.hpp>

#include "plugins/common/provider_kit.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace {

using nlohmann::json;
namespace sdk = webox::sdk;

constexpr const char *kProviderId = WEBOX_PROVIDER_ID;
constexpr const char *kDefaultKeyVar = WEBOX_PROVIDER_KEY_VAR; // secrets[0]
constexpr const char *kFallbackKeyVar = "GOOGLE_API_KEY";
constexpr const char *kDefaultBaseUrl = WEBOX_PROVIDER_DEFAULT_BASE_URL;
// webox_add_plugin() reads these from plugin.json, so the descriptor, describe
// and the manifest agree.
constexpr const char *kVersion = WEBOX_PROVIDER_VERSION;
constexpr std::string_view kKnownModels = WEBOX_PROVIDER_MODELS; // comma-separated

} // namespace

// The host root as base_url, e.g. https://generativelanguage.googleapis.com.
struct webox_instance : webox::kit::InstanceConfig {};

namespace {

namespace kit = webox::kit;
using kit::count_at;
using kit::dump;
using kit::looks_like_html;
using kit::parse_or_discarded;
namespace bounded_json = webox::bounded_json;
using kit::snippet;
using kit::string_at;
using Usage = kit::Usage;

// usageMetadata: prompt in, candidates (+ thoughts, also billed) out.
std::optional<Usage> read_usage(const json &metadata) {
  if (!metadata.is_object()) return std::nullopt;
  Usage u;
  u.input = count_at(metadata, "promptTokenCount");
  auto answer = count_at(metadata, "candidatesTokenCount");
  auto thoughts = count_at(metadata, "thoughtsTokenCount");
  if (answer || thoughts) u.output = answer.value_or(0) + thoughts.value_or(0);
  if (!u.known()) return std::nullopt;
  return u;
}

std::string normalized_finish_reason(const std::string &reason) {
  if (reason == "STOP") return "stop";
  if (reason == "MAX_TOKENS") return "length";
  if (reason == "SAFETY" || reason == "RECITATION" || reason == "BLOCKLIST" ||
      reason == "PROHIBITED_CONTENT" || reason == "SPII" || reason == "IMAGE_SAFETY")
    return "content_filter";
  std::string lower = reason;
  for (char &c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower;
}

// ---- Errors ------------------------------------------------------------------------

// A protobuf Duration in JSON ("34s", "0.5s") in ms; -1 when it is not one.
// Absurd values saturate at a year (the host bounds what it waits anyway).
long long duration_ms(const std::string &text) {
  if (text.size() < 2 || text.back() != 's') return -1;
  double seconds = 0;
  const char *first = text.data(), *last = text.data() + text.size() - 1;
  auto [end, ec] = std::from_chars(first, last, seconds, std::chars_format::fixed);
  if (ec != std::errc() || end != last || !std::isfinite(seconds) || seconds < 0) return -1;
  constexpr double kYearMs = 365.0 * 24 * 3600 * 1000;
  return static_cast<long long>(std::min(seconds * 1000.0, kYearMs));
}

// QuotaFailure violations name the quota; a per-day one ("...PerDay...")
// is spent until the next day, unlike a per-minute rate.
bool names_daily_quota(const json &quota_failure) {
  const json violations = quota_failure.value("violations", json::array());
  if (!violations.is_array()) return false;
  for (const auto &v : violations)
    if (string_at(v, "quotaId").find("PerDay") != std::string::npos) return true;
  return false;
}

// What a Google RPC error says, with its `details` searched for the two
// entries that change what webox does: ErrorInfo.reason and RetryInfo.retryDelay.
struct GoogleError {
  std::string status; // "INVALID_ARGUMENT", "RESOURCE_EXHAUSTED", ...
  std::string reason; // ErrorInfo reason, e.g. "API_KEY_INVALID"
  std::string message;
  long long retry_after_ms = -1;
  bool daily_quota = false; // a QuotaFailure on a per-day quota
};

GoogleError read_google_error(const json &error) {
  GoogleError e;
  e.status = string_at(error, "status");
  e.message = string_at(error, "message");
  if (!error.is_object()) return e;
  const json details = error.value("details", json::array());
  if (!details.is_array()) return e;
  for (const auto &d : details) {
    const std::string type = string_at(d, "@type");
    if (type.ends_with("google.rpc.ErrorInfo") && e.reason.empty()) e.reason = string_at(d, "reason");
    if (type.ends_with("google.rpc.RetryInfo")) e.retry_after_ms = duration_ms(string_at(d, "retryDelay"));
    if (type.ends_with("google.rpc.QuotaFailure") && d.is_object()) e.daily_quota = e.daily_quota || names_daily_quota(d);
  }
  return e;
}

webox_status status_class(int http_status, const GoogleError &e) {
  if (http_status == 401 || http_status == 403) return WEBOX_E_AUTH;
  if (e.reason == "API_KEY_INVALID" || e.reason == "API_KEY_EXPIRED") return WEBOX_E_AUTH; // a 400
  if (http_status == 429) return e.daily_quota ? WEBOX_E_QUOTA : WEBOX_E_RATE_LIMITED;
  if (http_status == 400 || http_status == 404 || http_status == 413 || http_status == 422)
    return WEBOX_E_INVALID;
  return WEBOX_E_UPSTREAM;
}

[[noreturn]] void throw_http_error(const webox_instance &self, const sdk::HttpResponse &resp) {
  const std::string prefix = self.name + ": ";
  const std::string status = std::to_string(resp.status);
  if (looks_like_html(resp))
    throw sdk::Failure(WEBOX_E_UPSTREAM, prefix + "HTTP " + status + " (HTML error page from the server)",
                       resp.status, sdk::retry_after_header_ms(resp));
  const bounded_json::Parsed body = bounded_json::parse(resp.body);
  const json &parsed = body.value;
  const json error = parsed.is_object() ? parsed.value("error", json()) : json();
  if (!error.is_object()) {
    const std::string what = kit::unparsed_body(body, resp.body);
    throw sdk::Failure(status_class(resp.status, {}), prefix + "HTTP " + status + ": " + what, resp.status,
                       sdk::retry_after_header_ms(resp));
  }
  const GoogleError e = read_google_error(error);
  const std::string code = e.reason.empty() ? e.status : e.reason;
  std::string message = prefix + status;
  if (!code.empty()) message += " " + code;
  message += ": " + e.message;
  const long long retry = e.retry_after_ms >= 0 ? e.retry_after_ms : sdk::retry_after_header_ms(resp);
  if (e.daily_quota)
    message += " (the daily quota is spent; it resets at midnight Pacific time)";
  else if (resp.status == 429 && retry >= 0) // the wait is in the body, where no one else will look
    message += " (retry in " + std::to_string((retry + 999) / 1000) + " s)";
  throw sdk::Failure(status_class(resp.status, e), message, resp.status, retry, code);
}

// A Google error object inside a 200 (a mid-stream failure).
[[noreturn]] void throw_inband_error(const webox_instance &self, const json &error) {
  const GoogleError e = read_google_error(error);
  const std::string code = e.reason.empty() ? e.status : e.reason;
  std::string message = self.name + ": stream error";
  if (!code.empty()) message += " " + code;
  message += ": " + (e.message.empty() ? std::string("the provider reported an error") : e.message);
  throw sdk::Failure(WEBOX_E_UPSTREAM, message, 0, e.retry_after_ms, code);
}

std::optional<GoogleError> google_error_in(const char *body, size_t size) {
  const json parsed = parse_or_discarded(std::string_view(body ? body : "", body ? size : 0));
  if (parsed.is_object() && parsed.contains("error") && parsed["error"].is_object())
    return read_google_error(parsed["error"]);
  return std::nullopt;
}

// A 429 on a per-day quota, or whose RetryInfo asks for more than a minute,
// is a spent quota: the host's quick backoff cannot outwait it, so it is not
// retried.
int retry_unless_spent_quota(void *, int32_t status, const char *body, size_t size) noexcept {
  if (status != 429) return -1; // the host's default policy
  if (auto e = google_error_in(body, size)) return !e->daily_quota && e->retry_after_ms <= 60000;
  return -1;
}

// The wait RetryInfo asks for, which Google puts in the body, not in a
// Retry-After header.
int64_t retry_info_delay(void *, int32_t, const char *body, size_t size) noexcept {
  if (auto e = google_error_in(body, size)) return e->retry_after_ms;
  return -1;
}

// ---- Instance configuration ----------------------------------------------------

webox_instance *make_instance(std::string_view config_text) {
  auto instance = std::make_unique<webox_instance>();
  kit::read_instance_config(config_text, kProviderId, kDefaultBaseUrl, kDefaultKeyVar, *instance);
  return instance.release();
}

// ---- Building the request ----------------------------------------------------------

// The configured key name first, then GOOGLE_API_KEY, the other name Google's
// SDKs read, so either one set in the shell works.
std::string api_key(const webox_instance &self, const webox_call *call) {
  for (const std::string &name : {self.key_var, std::string(kFallbackKeyVar)}) {
    auto key = sdk::secret(call, name);
    if (key && !key->empty()) return *key;
  }
  throw sdk::Failure(WEBOX_E_AUTH, self.name + ": no API key: set " + self.key_var + " (or " + kFallbackKeyVar +
                                       ") or run 'webox keys set " + self.name + "'");
}

// A message's content as Gemini parts: a string is one text part; a list of
// OpenAI-style `{"type":"text","text"}` blocks becomes one part per block.
json parts_of(const webox_instance &self, const json &content) {
  if (content.is_string()) return json::array({{{"text", content}}});
  json parts = json::array();
  if (content.is_array()) {
    for (const auto &block : content)
      if (block.is_string()) parts.push_back({{"text", block}});
      else if (block.contains("text")) parts.push_back({{"text", string_at(block, "text")}});
  } else if (!content.is_null()) {
    throw sdk::Failure(WEBOX_E_INVALID, self.name + ": message content must be text");
  }
  return parts;
}

// webox's flat list → `contents` (user/model turns) + `systemInstruction`.
void place_messages(const webox_instance &self, const json &messages, json &body) {
  json contents = json::array();
  json system_parts = json::array();
  for (const auto &m : messages) {
    const std::string role = string_at(m, "role");
    json parts = parts_of(self, m.value("content", json()));
    if (role == "system") {
      for (auto &p : parts) system_parts.push_back(std::move(p));
      continue;
    }
    const std::string gemini_role = role == "assistant" ? "model" : "user";
    // Some models insist that turns alternate: consecutive turns of one role
    // become one turn with several parts.
    if (!contents.empty() && contents.back()["role"] == gemini_role) {
      for (auto &p : parts) contents.back()["parts"].push_back(std::move(p));
      continue;
    }
    contents.push_back({{"role", gemini_role}, {"parts", std::move(parts)}});
  }
  if (contents.empty()) throw sdk::Failure(WEBOX_E_INVALID, self.name + ": the conversation has no user message");
  body["contents"] = std::move(contents);
  if (!system_parts.empty()) body["systemInstruction"] = {{"parts", std::move(system_parts)}};
}

// Fields that live at the top of the body; every other option is a
// generationConfig field (topP, topK, stopSequences, thinkingConfig, ...).
bool is_top_level_field(const std::string &key) {
  return key == "safetySettings" || key == "tools" || key == "toolConfig" || key == "cachedContent" ||
         key == "labels";
}

void merge_options(const webox_instance &self, const json &options, json &body) {
  if (!options.is_object()) return;
  json &config = body["generationConfig"];
  for (const auto &[key, value] : options.items()) {
    if (key == "contents" || key == "systemInstruction" || key == "model" || key == "stream")
      throw sdk::Failure(WEBOX_E_INVALID, self.name + ": option '" + key + "' is set by webox itself");
    if (key == "generationConfig" && value.is_object()) {
      config.update(value);
      continue;
    }
    std::string name = key == "max_tokens" ? "maxOutputTokens" : key; // webox's name → Gemini's
    json &target = is_top_level_field(name) ? body : config;
    if (value.is_null())
      target.erase(name);
    else
      target[name] = value;
  }
}

json build_body(const webox_instance &self, const json &request) {
  json body = json::object();
  body["generationConfig"] = json::object();
  place_messages(self, request["messages"], body);
  merge_options(self, self.default_options, body);
  merge_options(self, request.value("options", json::object()), body);
  if (body["generationConfig"].empty()) body.erase("generationConfig");
  return body;
}

// "models/gemini-2.5-flash" and "gemini-2.5-flash" name the same model.
std::string model_path(const std::string &model) {
  return model.starts_with("models/") ? model.substr(7) : model;
}

sdk::HttpRequest build_http_request(const webox_instance &self, const webox_call *call, const std::string &model,
                                    const json &body, bool stream) {
  sdk::HttpRequest r;
  r.url = self.base_url + "/v1beta/models/" + model_path(model) +
          (stream ? ":streamGenerateContent?alt=sse" : ":generateContent");
  r.headers = {"x-goog-api-key: " + api_key(self, call), "Content-Type: application/json",
               stream ? "Accept: text/event-stream" : "Accept: application/json"};
  r.body = dump(body);
  r.framing = stream ? WEBOX_HTTP_SSE : WEBOX_HTTP_RAW;
  r.timeout_ms = self.timeout_ms;
  r.should_retry = retry_unless_spent_quota;
  r.retry_delay = retry_info_delay;
  return r;
}

// ---- Reading the answer ------------------------------------------------------------

struct Answer {
  std::string text;
  std::string model;
  std::string finish_reason; // normalized; empty until a candidate finished
  Usage usage;

  json to_json() const {
    json out = {{"text", text}, {"model", model}};
    if (!finish_reason.empty()) out["finish_reason"] = finish_reason;
    if (usage.known()) out["usage"] = usage.to_json();
    return out;
  }
};

// Reads one GenerateContentResponse (a whole answer or one streamed chunk)
// into `a`; returns the new answer text it carried.
std::string absorb_response(const webox_instance &self, const json &doc, Answer &a) {
  if (doc.contains("error")) throw_inband_error(self, doc["error"]);
  if (auto version = string_at(doc, "modelVersion"); !version.empty()) a.model = version;
  if (auto u = read_usage(doc.value("usageMetadata", json()))) a.usage = *u;
  const json candidates = doc.value("candidates", json::array());
  if (!candidates.is_array() || candidates.empty()) {
    const std::string blocked = string_at(kit::object_at(doc, "promptFeedback"), "blockReason");
    if (!blocked.empty())
      throw sdk::Failure(WEBOX_E_INVALID, self.name + ": the prompt was blocked (" + blocked + ")", 0, -1, blocked);
    return {};
  }
  const json &candidate = candidates[0];
  std::string text;
  const json parts = kit::object_at(candidate, "content").value("parts", json::array());
  if (parts.is_array())
    for (const auto &part : parts)
      if (!kit::flag_at(part, "thought")) text += string_at(part, "text"); // thoughts are not the answer
  if (auto reason = string_at(candidate, "finishReason"); !reason.empty())
    a.finish_reason = normalized_finish_reason(reason);
  a.text += text;
  return text;
}

Answer read_complete_response(const webox_instance &self, const sdk::HttpResponse &resp,
                              const std::string &requested_model) {
  const json doc = kit::parse_response(resp.body, self.name);
  if (!doc.is_object())
    throw sdk::Failure(WEBOX_E_UPSTREAM, self.name + ": " + kit::unparsable(resp.body, "the response", "the response is not valid JSON (cut short?)"), resp.status);
  Answer a;
  a.model = requested_model;
  absorb_response(self, doc, a);
  return a;
}

class StreamReader {
public:
  StreamReader(const webox_instance &self, webox_sink_fn sink, void *user, std::string requested_model)
      : m_self(self), m_sink(sink), m_user(user) {
    m_answer.model = std::move(requested_model);
  }

  void on_data(std::string_view data) {
    const json chunk = kit::parse_response(data, m_self.name);
    if (!chunk.is_object())
      throw sdk::Failure(WEBOX_E_UPSTREAM, m_self.name + ": " + kit::unparsable(data, "a stream event", "unparsable stream event"));
    ++m_events;
    std::string piece = absorb_response(m_self, chunk, m_answer);
    if (!piece.empty()) sdk::emit(m_sink, m_user, dump(json{{"type", "delta"}, {"text", piece}}));
  }

  bool started() const { return m_events > 0; }

  // No terminator exists: a finishReason is the proof of a whole answer.
  Answer finish() {
    if (m_answer.finish_reason.empty())
      throw sdk::Failure(WEBOX_E_UPSTREAM,
                         m_self.name + ": stream ended before a finishReason (the answer was cut)");
    if (m_answer.usage.known()) {
      json event = m_answer.usage.to_json();
      event["type"] = "usage";
      sdk::emit(m_sink, m_user, dump(event));
    }
    return m_answer;
  }

private:
  const webox_instance &m_self;
  webox_sink_fn m_sink;
  void *m_user;
  Answer m_answer;
  size_t m_events = 0;
};

// ---- Operations ---------------------------------------------------------------------

webox_status chat_complete(webox_instance *self, const webox_call *call, const webox_request *req,
                           webox_result *out) {
  return sdk::guard(&out->error, [&] {
    const json request = kit::parse_chat_request(req);
    const std::string model = request["model"].get<std::string>();
    const sdk::HttpRequest http = build_http_request(*self, call, model, build_body(*self, request), false);
    sdk::HttpResponse resp;
    try {
      resp = sdk::http(call, http);
    } catch (const sdk::Failure &f) {
      throw sdk::explain_transport_failure(self->name, f, false);
    }
    if (resp.status / 100 != 2) throw_http_error(*self, resp);
    sdk::give(dump(read_complete_response(*self, resp, model).to_json()), &out->json);
    return WEBOX_OK;
  });
}

webox_status chat_stream(webox_instance *self, const webox_call *call, const webox_request *req,
                         webox_sink_fn on_event, void *user, webox_result *out) {
  return sdk::guard(&out->error, [&] {
    const json request = kit::parse_chat_request(req);
    const std::string model = request["model"].get<std::string>();
    const sdk::HttpRequest http = build_http_request(*self, call, model, build_body(*self, request), true);
    StreamReader reader(*self, on_event, user, model);
    const json answer = kit::stream_answer(
        call, http, reader, [&](const sdk::Failure &f, bool started) { return sdk::explain_transport_failure(self->name, f, started); },
        [&](const sdk::HttpResponse &resp) { throw_http_error(*self, resp); });
    sdk::give(dump(answer), &out->json);
    return WEBOX_OK;
  });
}

webox_status create(const char *config_json, size_t config_size, webox_instance **out, webox_buf *error) {
  return kit::create_instance(config_json, config_size, out, error, make_instance);
}

void destroy(webox_instance *self) { delete self; }

webox_status describe(webox_instance *self, webox_buf *out_json) {
  return kit::describe_chat_provider(kKnownModels, self ? self->base_url : std::string(kDefaultBaseUrl), out_json);
}

const webox_plugin kDescriptor =
    kit::chat_descriptor(kProviderId, kVersion, create, destroy, describe, chat_complete, chat_stream);

} // namespace

WEBOX_DEFINE_ENTRY(kDescriptor)
