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
//   - Tools are `tools: [{functionDeclarations: [{name, description,
//     parameters}]}]`, where `parameters` is Google's OpenAPI-style subset of
//     JSON Schema: keys outside it (`$schema`, `additionalProperties`,
//     `$ref`, ...) are refused with a 400, so they are dropped, and a
//     `type` list such as ["string","null"] becomes `type` + `nullable`.
//     `toolConfig.functionCallingConfig.mode` (AUTO, ANY, NONE) is the tool
//     choice. A call is a `functionCall {name, args}` part, whole in one
//     chunk, usually WITHOUT an id (webox makes one), and the answer still
//     finishes with STOP. Thinking models put a `thoughtSignature` on the
//     part that MUST come back on that part in the next request: it travels
//     in the call's "extra". A result goes back as a `functionResponse
//     {name, response: {...}}` part in a user turn.
//   - A prompt the safety filters refuse gets a 200 with no candidates and a
//     `promptFeedback.blockReason`: it is reported as a refused request.
#include <webox/plugin.hpp>

#include "plugins/common/embed_kit.hpp"
#include "plugins/common/models_kit.hpp"
#include "plugins/common/content_kit.hpp"
#include "plugins/common/provider_kit.hpp"
#include "gemini_embed.hpp"

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
namespace tools = webox::kit::tools;
namespace content = webox::kit::content;
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
// OpenAI-style `{"type":"text","text"}` blocks becomes one part per block,
// an image part (ABI 1.4) or a document part (a PDF sent natively) one
// `inline_data` part.
json parts_of(const webox_instance &self, const json &content) {
  if (content.is_string()) return json::array({{{"text", content}}});
  json parts = json::array();
  if (content.is_array()) {
    for (const auto &block : content)
      if (block.is_string()) parts.push_back({{"text", block}});
      else if (content::is_media(block))
        parts.push_back({{"inline_data", {{"mime_type", content::media_type(block)}, {"data", content::data(block)}}}});
      else if (block.contains("text")) parts.push_back({{"text", string_at(block, "text")}});
  } else if (!content.is_null()) {
    throw sdk::Failure(WEBOX_E_INVALID, self.name + ": message content must be text");
  }
  return parts;
}

// A model turn that called functions: its text, then one functionCall part
// per call with the thoughtSignature it came with (Gemini 3 refuses the
// history without it) and Gemini's own id when it gave one.
json call_parts(const webox_instance &self, const json &message, const json &calls) {
  json parts = parts_of(self, message.value("content", json()));
  json kept = json::array();
  for (auto &p : parts)
    if (!string_at(p, "text").empty()) kept.push_back(std::move(p)); // an empty text part is refused
  for (const auto &call : calls) {
    const json extra = tools::extra_of(call);
    json function = {{"name", string_at(call, "name")}, {"args", tools::arguments_object(call)}};
    if (auto id = string_at(extra, "function_call_id"); !id.empty()) function["id"] = id;
    json part = {{"functionCall", std::move(function)}};
    if (auto signature = string_at(extra, "thoughtSignature"); !signature.empty()) part["thoughtSignature"] = signature;
    kept.push_back(std::move(part));
  }
  return kept;
}

// A tool result as a functionResponse part; `response` must be an object.
json response_part(const json &message, const json &calls_by_id) {
  const std::string call_id = string_at(message, "tool_call_id");
  const json call = calls_by_id.is_object() ? calls_by_id.value(call_id, json::object()) : json::object();
  std::string name = string_at(message, "name");
  if (name.empty()) name = string_at(call, "name");
  const std::string text = tools::content_text(message.value("content", json()));
  json function = {{"name", name},
                   {"response", kit::flag_at(message, "is_error") ? json{{"error", text}} : json{{"result", text}}}};
  if (auto id = string_at(tools::extra_of(call), "function_call_id"); !id.empty()) function["id"] = id;
  return {{"functionResponse", std::move(function)}};
}

// webox's flat list → `contents` (user/model turns) + `systemInstruction`.
void place_messages(const webox_instance &self, const json &messages, json &body) {
  json contents = json::array();
  json system_parts = json::array();
  json calls_by_id = json::object(); // the calls seen so far, for their results
  for (const auto &m : messages) {
    const std::string role = string_at(m, "role");
    json parts;
    if (tools::is_tool_result(m)) {
      parts = json::array({response_part(m, calls_by_id)});
    } else if (const json calls = role == "assistant" ? tools::calls_of(m, self.name) : json::array(); !calls.empty()) {
      for (const auto &call : calls) calls_by_id[string_at(call, "id")] = call;
      parts = call_parts(self, m, calls);
    } else {
      parts = parts_of(self, m.value("content", json()));
    }
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

// JSON Schema → the subset Gemini's `parameters` accept (see above). The
// request nests at most bounded_json::kMaxDepth levels, so is this recursion.
json gemini_schema(const json &schema) {
  static const char *const kKept[] = {"type", "format", "title", "description", "nullable", "enum", "maxItems",
                                      "minItems", "minProperties", "maxProperties", "minLength", "maxLength",
                                      "pattern", "example", "propertyOrdering", "default", "minimum", "maximum",
                                      "required"};
  if (!schema.is_object()) return json::object();
  json out = json::object();
  for (const char *key : kKept)
    if (auto it = schema.find(key); it != schema.end()) out[key] = *it;
  if (auto type = schema.find("type"); type != schema.end() && type->is_array()) {
    out.erase("type");
    for (const auto &t : *type)
      if (t == "null") out["nullable"] = true;
      else if (t.is_string() && !out.contains("type")) out["type"] = t;
  }
  if (auto c = schema.find("const"); c != schema.end() && c->is_string() && !out.contains("enum"))
    out["enum"] = json::array({*c});
  if (auto props = schema.find("properties"); props != schema.end() && props->is_object()) {
    out["properties"] = json::object();
    for (const auto &[name, sub] : props->items()) out["properties"][name] = gemini_schema(sub);
  }
  if (auto items = schema.find("items"); items != schema.end() && items->is_object())
    out["items"] = gemini_schema(*items);
  if (auto any = schema.find("anyOf"); any != schema.end() && any->is_array()) {
    out["anyOf"] = json::array();
    for (const auto &sub : *any) out["anyOf"].push_back(gemini_schema(sub));
  }
  return out;
}

// A function without parameters leaves them out: an object schema with no
// properties is refused.
json function_declaration(const tools::Tool &t) {
  json declaration = {{"name", t.name}};
  if (!t.description.empty()) declaration["description"] = t.description;
  json parameters = gemini_schema(t.input_schema);
  if (!kit::object_at(parameters, "properties").empty()) declaration["parameters"] = std::move(parameters);
  return declaration;
}

void place_tools(const webox_instance &self, const json &request, json &body) {
  const tools::Offer offer = tools::read_offer(request, self.name);
  if (offer.tools.empty()) return;
  body["tools"] = json::array({{{"functionDeclarations", tools::tool_list(offer.tools, function_declaration)}}});
  json config;
  switch (offer.choice.kind) {
    case tools::Choice::unset: return;
    case tools::Choice::automatic: config = {{"mode", "AUTO"}}; break;
    case tools::Choice::none: config = {{"mode", "NONE"}}; break;
    case tools::Choice::required: config = {{"mode", "ANY"}}; break;
    case tools::Choice::named: config = {{"mode", "ANY"}, {"allowedFunctionNames", {offer.choice.name}}}; break;
  }
  body["toolConfig"] = {{"functionCallingConfig", std::move(config)}};
}

json build_body(const webox_instance &self, const json &request) {
  json body = json::object();
  body["generationConfig"] = json::object();
  place_messages(self, request["messages"], body);
  place_tools(self, request, body);
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

// finish_reason stays empty until a candidate finished.
using Answer = kit::ChatAnswer;

// A functionCall part as the host's call; the part's thoughtSignature (or,
// from 2.x models, the functionCall's) and Gemini's id go in "extra".
json call_of_part(const webox_instance &self, const json &part, const json &messages, size_t number) {
  const json function = kit::object_at(part, "functionCall");
  json extra = json::object();
  std::string signature = string_at(part, "thoughtSignature");
  if (signature.empty()) signature = string_at(function, "thoughtSignature");
  if (!signature.empty()) extra["thoughtSignature"] = signature;
  std::string id = string_at(function, "id");
  if (!id.empty()) extra["function_call_id"] = id;
  else id = tools::synthesised_id(messages, number);
  return tools::call_from_value(id, string_at(function, "name"), function.value("args", json()), extra, self.name);
}

// Reads one GenerateContentResponse (a whole answer or one streamed chunk)
// into `a` and `calls`; returns the new answer text it carried.
std::string absorb_response(const webox_instance &self, const json &doc, Answer &a, tools::Calls &calls,
                            const json &messages) {
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
    for (const auto &part : parts) {
      if (kit::flag_at(part, "thought")) continue; // thoughts are not the answer
      if (part.contains("functionCall")) calls.add(call_of_part(self, part, messages, calls.size()));
      else text += string_at(part, "text");
    }
  if (auto reason = string_at(candidate, "finishReason"); !reason.empty())
    a.finish_reason = normalized_finish_reason(reason);
  a.text += text;
  return text;
}

Answer read_complete_response(const webox_instance &self, const sdk::HttpResponse &resp,
                              const std::string &requested_model, const json &messages) {
  const json doc = kit::parse_response(resp.body, self.name);
  if (!doc.is_object())
    throw sdk::Failure(WEBOX_E_UPSTREAM, self.name + ": " + kit::unparsable(resp.body, "the response", "the response is not valid JSON (cut short?)"), resp.status);
  Answer a;
  a.model = requested_model;
  tools::Calls calls(self.name);
  absorb_response(self, doc, a, calls, messages);
  a.tool_calls = calls.finished();
  return a;
}

class StreamReader {
public:
  StreamReader(const webox_instance &self, webox_sink_fn sink, void *user, std::string requested_model,
               const json &messages)
      : m_self(self), m_sink(sink), m_user(user), m_messages(messages), m_calls(self.name, sink, user) {
    m_answer.model = std::move(requested_model);
  }

  void on_data(std::string_view data) {
    const json chunk = kit::parse_response(data, m_self.name);
    if (!chunk.is_object())
      throw sdk::Failure(WEBOX_E_UPSTREAM, m_self.name + ": " + kit::unparsable(data, "a stream event", "unparsable stream event"));
    ++m_events;
    std::string piece = absorb_response(m_self, chunk, m_answer, m_calls, m_messages);
    if (!piece.empty()) sdk::emit(m_sink, m_user, dump(json{{"type", "delta"}, {"text", piece}}));
  }

  bool started() const { return m_events > 0; }

  // No terminator exists: a finishReason is the proof of a whole answer.
  Answer finish() {
    if (m_answer.finish_reason.empty())
      throw sdk::Failure(WEBOX_E_UPSTREAM,
                         m_self.name + ": stream ended before a finishReason (the answer was cut)");
    m_answer.tool_calls = m_calls.finished();
    kit::emit_usage(m_sink, m_user, m_answer.usage);
    return m_answer;
  }

private:
  const webox_instance &m_self;
  webox_sink_fn m_sink;
  void *m_user;
  const json &m_messages;
  tools::Calls m_calls;
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
    const sdk::HttpResponse resp = kit::whole_answer(
        call, http, [&](const sdk::Failure &f, bool started) { return sdk::explain_transport_failure(self->name, f, started); },
        [&](const sdk::HttpResponse &r) { throw_http_error(*self, r); });
    sdk::give(dump(read_complete_response(*self, resp, model, request["messages"]).to_json()), &out->json);
    return WEBOX_OK;
  });
}

webox_status chat_stream(webox_instance *self, const webox_call *call, const webox_request *req,
                         webox_sink_fn on_event, void *user, webox_result *out) {
  return sdk::guard(&out->error, [&] {
    const json request = kit::parse_chat_request(req);
    const std::string model = request["model"].get<std::string>();
    const sdk::HttpRequest http = build_http_request(*self, call, model, build_body(*self, request), true);
    StreamReader reader(*self, on_event, user, model, request["messages"]);
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

// Embeddings: gemini_embed.cpp.
webox_status embed(webox_instance *self, const webox_call *call, const webox_request *req, webox_result *out) {
  return webox::gemini::embed(*self, [&] { return api_key(*self, call); }, call, req, out);
}

// One entry of `GET /v1beta/models`: "models/gemini-2.5-flash" is used as
// "gemini-2.5-flash"; what it can do is its supportedGenerationMethods.
kit::models::ModelInfo gemini_model(const json &item) {
  kit::models::ModelInfo m;
  m.id = string_at(item, "name");
  if (m.id.rfind("models/", 0) == 0) m.id.erase(0, 7);
  m.display_name = string_at(item, "displayName");
  m.context_window = kit::models::context_window_of(item);
  if (const json *methods = webox::json_fields::member(item, "supportedGenerationMethods"); methods && methods->is_array())
    for (const auto &method : *methods) {
      if (!method.is_string()) continue;
      const std::string name = method.get<std::string>();
      if (name == "generateContent" || name == "streamGenerateContent") m.capabilities.insert("chat");
      else if (name == "embedContent" || name == "batchEmbedContents") m.capabilities.insert("embeddings");
      else if (name == "predict") m.capabilities.insert("images");
      else if (name == "bidiGenerateContent") m.capabilities.insert("audio");
    }
  return m;
}

// The models the key may use: `GET {base}/v1beta/models?pageSize=1000`, then
// `&pageToken=<nextPageToken>` while one comes back.
webox_status list_models(webox_instance *self, const webox_call *call, const webox_request *req, webox_result *out) {
  return sdk::guard(&out->error, [&] {
    kit::models::Collector models(req);
    const std::vector<std::string> headers = {"x-goog-api-key: " + api_key(*self, call)};
    std::string token;
    for (int page = 0;; ++page) {
      if (page == kit::models::kMaxPages) {
        models.stopped_early();
        break;
      }
      std::string url = self->base_url + "/v1beta/models?pageSize=1000";
      if (!token.empty()) url += "&pageToken=" + webox::common::percent_encode(token);
      const sdk::HttpResponse resp = kit::whole_answer(
          call, kit::models::get_request(url, headers, self->timeout_ms),
          [&](const sdk::Failure &f, bool started) { return sdk::explain_transport_failure(self->name, f, started); },
          [&](const sdk::HttpResponse &r) { throw_http_error(*self, r); });
      const json doc = kit::models::page_object(resp.body, self->name);
      if (const json *list = webox::json_fields::member(doc, "models"); list && list->is_array())
        for (const auto &item : *list)
          if (!models.add(gemini_model(item))) break;
      const std::string next = string_at(doc, "nextPageToken");
      if (models.full() || next.empty() || next == token) break;
      token = next;
    }
    sdk::give(dump(models.to_json()), &out->json);
    return WEBOX_OK;
  });
}

const webox_plugin kDescriptor = kit::models::with_list_models(
    webox::embed_kit::with_embed(
        kit::chat_descriptor(kProviderId, kVersion, create, destroy, describe, chat_complete, chat_stream), embed),
    list_models);

} // namespace

WEBOX_DEFINE_ENTRY(kDescriptor)
