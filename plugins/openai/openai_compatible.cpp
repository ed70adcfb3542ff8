// openai_compatible.cpp: the OpenAI chat-completions protocol, as spoken by
// OpenAI and by six services that copied it (Mistral, Groq, DeepInfra,
// OpenRouter, xAI, DeepSeek).
//
// THE PROTOCOL. One request, `POST {base}/chat/completions`, where the base
// already holds the version prefix (`https://api.openai.com/v1`,
// `https://api.groq.com/openai/v1`). The key travels as `Authorization:
// Bearer <key>`; the body is `{"model", "messages":[{"role","content"}], ...}`
// plus free sampling fields such as `temperature` and `max_tokens`.
//   - Without `stream`, the answer is one JSON document: the text is
//     `choices[0].message.content`, token counts are in `usage`
//     (`prompt_tokens`, `completion_tokens`), and `model` is the resolved,
//     often dated, model name.
//   - With `"stream": true` the answer is Server-Sent Events. Every event's
//     data is a `chat.completion.chunk` whose `choices[0].delta.content` is
//     the next piece of text; the finish chunk has `finish_reason`; the
//     literal data `[DONE]` (not JSON) ends the stream. Usage only comes when
//     asked for with `stream_options: {"include_usage": true}`.
//
// THE STEPS. Resolve the key through the host (never the environment
// directly, so the encrypted key file works and the value is redacted from
// logs); build the body (options pass through untouched, so a new sampling
// field needs no webox release); POST through the host, which retries, cuts
// SSE events and handles gzip; read each chunk for an error, text, usage and
// the finish reason; require `[DONE]`; return the collected answer.
//
// WHAT IS SURPRISING.
//   - "Compatible" is loose, and most of this file is about the variations.
//     Usage turns up in four places: a final chunk with empty `choices`
//     (OpenAI), the finish chunk itself (Mistral), `x_groq.usage` (Groq), and
//     a usage chunk whose `choices` is NOT empty (OpenRouter). So usage is
//     taken from any chunk that has it, the latest wins, and a chunk is never
//     assumed to be "usage only".
//   - Chunks carry noise: a role-only first chunk with `content:""`,
//     `content:null` on tool calls, `obfuscation` (OpenAI) and `p` (Mistral)
//     random-length padding fields. Anything not needed is ignored.
//   - Errors may arrive AFTER the 200 status: OpenAI sends one `data:
//     {"error":{...}}` event and closes; OpenRouter sends an ordinary chunk
//     with an `error` object and `finish_reason:"error"`; Mistral sends its
//     bare error object, `data: {"object":"error","message","type","param",
//     "code"}`, and closes without [DONE]. The text already shown stays
//     shown, but the call fails, naming the provider's message and code.
//   - `[DONE]` is the only proof that the answer is complete. A stream that
//     just ends (proxy timeout, dropped upstream) would otherwise look like a
//     short answer, so it is reported as a failure.
//   - Error bodies disagree: OpenAI `{"error":{"message","type","code"}}`,
//     OpenRouter the same with a numeric `code`, Mistral's gateway a bare
//     `{"message":...}`, FastAPI-style servers `{"detail":...}`, and any
//     gateway an HTML page on 502/504 that must not be dumped on a terminal.
//   - Tool calls (`tools: [{type:"function", function:{name, description,
//     parameters}}]`) stream as `delta.tool_calls` pieces keyed by `index`:
//     the first piece of a call has `id` and `function.name`, the following
//     ones only `function.arguments` text, cut anywhere (mid-string, mid-
//     escape). Parallel calls take indexes 0, 1, ...; the finish chunk says
//     `tool_calls`. Some compatible servers send a whole call in one piece,
//     leave out `index`, or reuse index 0 for every call with a new `id`: a
//     new id at a used index is taken as a new call. In the history,
//     arguments travel as a JSON STRING and a result is `role: tool` with
//     `tool_call_id`.
//   - HTTP 429 means two different things: "slow down" (`rate_limit_exceeded`)
//     and "pay" (`insufficient_quota`). Retrying the second only burns time,
//     so this plugin hands the host a retry filter that refuses it.
#include "identity.hpp"
#include "openai_embed.hpp"
#include "openai_media.hpp"

#include <webox/plugin.hpp>

#include "plugins/common/batch_kit.hpp"
#include "plugins/common/content_kit.hpp"
#include "plugins/common/media_kit.hpp"
#include "plugins/common/provider_kit.hpp"
#include "plugins/common/models_kit.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <ctime>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace {

using nlohmann::json;
namespace sdk = webox::sdk;
namespace id = webox::openai;

} // namespace

// One configured provider: the instance settings the host resolved.
// base_url carries its version prefix (".../v1").
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
using kit::retry_after_ms;
using kit::snippet;
using kit::string_at;
using Usage = kit::Usage;

// ---- Small JSON helpers ------------------------------------------------------

// A code may be a string ("invalid_api_key"), a number (OpenRouter: 401) or null.
std::string code_text(const json &code) {
  if (code.is_string()) return code.get<std::string>();
  if (code.is_number_integer()) return std::to_string(code.get<int64_t>());
  return {};
}

// ---- Usage -----------------------------------------------------------------------

// Reads an OpenAI-style usage object; anything else (null, absent) is no news.
std::optional<Usage> read_usage(const json &usage) {
  if (!usage.is_object()) return std::nullopt;
  Usage u{count_at(usage, "prompt_tokens"), count_at(usage, "completion_tokens")};
  if (!u.known()) return std::nullopt;
  return u;
}

// Usage rides on the top-level `usage` everywhere except Groq's `x_groq`.
std::optional<Usage> usage_of_chunk(const json &chunk) {
  if (auto u = read_usage(chunk.value("usage", json()))) return u;
  auto groq = chunk.find("x_groq");
  if (groq != chunk.end() && groq->is_object()) return read_usage(groq->value("usage", json()));
  return std::nullopt;
}

// ---- Errors ------------------------------------------------------------------------

// What a provider said about a failure, whatever envelope it used.
struct ProviderError {
  std::string code;    // "invalid_api_key", "insufficient_quota", "401", ...
  std::string type;    // OpenAI's `type`, kept apart to spot insufficient_quota
  std::string message;
};

std::string message_text(const json &message) {
  if (message.is_string()) return message.get<std::string>();
  if (message.is_null()) return {};
  return dump(message); // Mistral 422 nests a validation object in "message"
}

// Understands every envelope the family uses; `parsed` must be an object.
ProviderError read_error_envelope(const json &parsed) {
  ProviderError e;
  const json &err = parsed.contains("error") ? parsed["error"] : parsed;
  if (err.is_string()) { // {"error": "..."} from small compatible servers
    e.message = err.get<std::string>();
    return e;
  }
  if (err.is_object()) {
    e.message = message_text(err.value("message", json()));
    e.type = string_at(err, "type");
    e.code = code_text(err.value("code", json()));
    if (e.code.empty()) e.code = e.type;
    // OpenRouter names the upstream provider's own words in metadata.raw.
    const json meta = err.value("metadata", json());
    if (e.message.empty() && meta.is_object()) e.message = message_text(meta.value("raw", json()));
  }
  if (e.message.empty() && parsed.contains("detail")) e.message = message_text(parsed["detail"]);
  return e;
}

// OpenAI answers "pay first" with a 429 too; these codes say so.
bool is_quota_error(const ProviderError &e) {
  for (const char *code : {"insufficient_quota", "billing_hard_limit_reached", "billing_not_active"})
    if (e.code == code || e.type == code) return true;
  return false;
}

webox_status status_class(int http_status, const ProviderError &e) {
  if (http_status == 401 || http_status == 403) return WEBOX_E_AUTH;
  if (http_status == 402) return WEBOX_E_QUOTA; // OpenRouter: out of credits
  if (http_status == 429) return is_quota_error(e) ? WEBOX_E_QUOTA : WEBOX_E_RATE_LIMITED;
  if (http_status == 400 || http_status == 404 || http_status == 413 || http_status == 422)
    return WEBOX_E_INVALID;
  return WEBOX_E_UPSTREAM;
}

// Turns a non-2xx answer into the Failure the host maps to an exit code.
[[noreturn]] void throw_http_error(const webox_instance &self, const sdk::HttpResponse &resp) {
  const std::string prefix = self.name + ": ";
  const std::string status = std::to_string(resp.status);
  const long long retry = retry_after_ms(resp);
  if (looks_like_html(resp))
    throw sdk::Failure(WEBOX_E_UPSTREAM, prefix + "HTTP " + status + " (HTML error page from the server)",
                       resp.status, retry);
  const bounded_json::Parsed body = bounded_json::parse(resp.body);
  const json &parsed = body.value;
  if (!parsed.is_object()) {
    const std::string what = kit::unparsed_body(body, resp.body);
    throw sdk::Failure(status_class(resp.status, ProviderError{}), prefix + "HTTP " + status + ": " + what,
                       resp.status, retry);
  }
  const ProviderError e = read_error_envelope(parsed);
  std::string message = prefix + status;
  if (!e.code.empty() && e.code != status) message += " " + e.code; // OpenRouter's code is the status
  message += ": " + (e.message.empty() ? snippet(resp.body) : e.message);
  throw sdk::Failure(status_class(resp.status, e), message, resp.status, retry, e.code);
}

// Mistral's error envelope, in a stream or a 200 body: the object itself is
// the error (`{"object":"error","message",...}`), with no `error` member.
bool is_bare_error_object(const json &doc) { return string_at(doc, "object") == "error"; }

// An error inside a 200 answer: the `error` object of a chunk or body.
[[noreturn]] void throw_inband_error(const webox_instance &self, const json &error) {
  ProviderError e = read_error_envelope(json{{"error", error}});
  std::string message = self.name + ": stream error";
  if (!e.code.empty()) message += " " + e.code;
  message += ": " + (e.message.empty() ? std::string("the provider reported an error") : e.message);
  throw sdk::Failure(WEBOX_E_UPSTREAM, message, 0, -1, e.code);
}

// The host's default policy (-1), minus a 429 that says the account is out
// of credit: that one will not heal by waiting.
int retry_unless_out_of_quota(void *, int32_t status, const char *body, size_t size) noexcept {
  if (status != 429) return -1;
  const json parsed = parse_or_discarded(std::string_view(body ? body : "", body ? size : 0));
  return parsed.is_object() && is_quota_error(read_error_envelope(parsed)) ? 0 : -1;
}

// ---- Instance configuration ----------------------------------------------------

webox_instance *make_instance(std::string_view config_text) {
  auto instance = std::make_unique<webox_instance>();
  kit::read_instance_config(config_text, id::kProviderId, id::kDefaultBaseUrl, id::kDefaultKeyVar, *instance);
  return instance.release();
}

// ---- Building the request ----------------------------------------------------------

// Options go into the body as they are (config defaults first, then the
// call's own). A null value removes a field, so `-o temperature=null` can
// undo a configured default. The fields this plugin owns are refused rather
// than silently overridden.
void merge_options(const webox_instance &self, const json &options, json &body) {
  if (!options.is_object()) return;
  for (const auto &[key, value] : options.items()) {
    if (key == "model" || key == "messages" || key == "stream")
      throw sdk::Failure(WEBOX_E_INVALID, self.name + ": option '" + key + "' is set by webox itself");
    if (value.is_null()) {
      body.erase(key);
    } else if (key == "stream_options" && value.is_object() && body.contains(key)) {
      body[key].update(value);
    } else {
      body[key] = value;
    }
  }
}

// ---- Tools in the request ----------------------------------------------------------

// An assistant turn that called tools: arguments as the JSON text the
// model wrote (the API takes a string), content null when there was none.
json assistant_with_calls(const json &message, const json &calls) {
  json out = {{"role", "assistant"}};
  const std::string text = tools::content_text(message.value("content", json()));
  out["content"] = text.empty() ? json() : json(text);
  out["tool_calls"] = json::array();
  for (const auto &call : calls)
    out["tool_calls"].push_back({{"id", string_at(call, "id")},
                                 {"type", "function"},
                                 {"function", {{"name", string_at(call, "name")}, {"arguments", tools::arguments_text(call)}}}});
  return out;
}

// A message whose content holds image parts (ABI 1.4): each becomes an
// `image_url` part with a data: URL, which every OpenAI-compatible vision
// endpoint takes (no upload step). A document part (a PDF sent natively,
// only where the manifest's "pdf" lists the model) becomes a `file` part
// with its bytes as a data: URL in `file_data`.
json with_media_parts(const json &message) {
  json out = message;
  out["content"] = content::map_media(message["content"], [](const json &part) {
    const std::string url = "data:" + content::media_type(part) + ";base64," + content::data(part);
    if (content::is_document(part))
      return json{{"type", "file"}, {"file", {{"filename", content::name(part)}, {"file_data", url}}}};
    return json{{"type", "image_url"}, {"image_url", {{"url", url}}}};
  });
  return out;
}

// webox's messages in this protocol: tool calls and results translated,
// images and documents as data: URLs, everything else as it is (names, ...).
json wire_messages(const webox_instance &self, const json &messages) {
  json out = json::array();
  for (const auto &m : messages) {
    if (tools::is_tool_result(m)) {
      // No error flag in this protocol: the text says it.
      out.push_back({{"role", "tool"},
                     {"tool_call_id", string_at(m, "tool_call_id")},
                     {"content", tools::content_text(m.value("content", json()))}});
      continue;
    }
    const json calls = string_at(m, "role") == "assistant" ? tools::calls_of(m, self.name) : json::array();
    if (!calls.empty()) out.push_back(assistant_with_calls(m, calls));
    else if (content::has_media(m.value("content", json()))) out.push_back(with_media_parts(m));
    else out.push_back(m);
  }
  return out;
}

void place_tools(const webox_instance &self, const json &request, json &body) {
  const tools::Offer offer = tools::read_offer(request, self.name);
  if (offer.tools.empty()) return;
  body["tools"] = tools::tool_list(offer.tools, tools::function_tool);
  switch (offer.choice.kind) {
    case tools::Choice::unset: break;
    case tools::Choice::automatic: body["tool_choice"] = "auto"; break;
    case tools::Choice::none: body["tool_choice"] = "none"; break;
    case tools::Choice::required: body["tool_choice"] = "required"; break;
    case tools::Choice::named:
      body["tool_choice"] = {{"type", "function"}, {"function", {{"name", offer.choice.name}}}};
      break;
  }
}

json build_body(const webox_instance &self, const json &request, bool stream) {
  json body = json::object();
  body["model"] = request["model"];
  body["messages"] = wire_messages(self, request["messages"]);
  place_tools(self, request, body);
  if (stream) {
    body["stream"] = true;
    body["stream_options"] = {{"include_usage", true}};
  }
  merge_options(self, self.default_options, body);
  merge_options(self, request.value("options", json::object()), body);
  return body;
}

sdk::HttpRequest build_http_request(const webox_instance &self, const webox_call *call,
                                    const json &body, bool stream) {
  sdk::HttpRequest r;
  r.url = self.base_url + "/chat/completions";
  r.headers = {"Authorization: Bearer " + kit::api_key(self, call), "Content-Type: application/json",
               stream ? "Accept: text/event-stream" : "Accept: application/json"};
  r.body = dump(body);
  r.framing = stream ? WEBOX_HTTP_SSE : WEBOX_HTTP_RAW;
  r.timeout_ms = self.timeout_ms;
  r.should_retry = retry_unless_out_of_quota;
  return r;
}

// ---- Reading the answer ------------------------------------------------------------

using Answer = kit::ChatAnswer;

// With n > 1 a provider sends several choices; webox asks for one and reads index 0.
const json *first_choice(const json &doc) {
  auto choices = doc.find("choices");
  if (choices == doc.end() || !choices->is_array()) return nullptr;
  for (const auto &choice : *choices)
    if (choice.is_object() && count_at(choice, "index").value_or(0) == 0) return &choice;
  return nullptr;
}

// message.tool_calls of a whole answer: arguments are a JSON string.
json calls_of_message(const webox_instance &self, const json &message, const json &messages) {
  tools::Calls calls(self.name);
  const json *list = webox::json_fields::member(message, "tool_calls");
  if (list && list->is_array())
    for (const auto &c : *list) {
      const json function = kit::object_at(c, "function");
      std::string call_id = string_at(c, "id");
      if (call_id.empty()) call_id = tools::synthesised_id(messages, calls.size());
      calls.add(tools::call_from_value(call_id, string_at(function, "name"), function.value("arguments", json()),
                                       json::object(), self.name));
    }
  return calls.finished();
}

// A whole chat completion's document (a 200 body, or the body of a batch
// result line) as the answer.
Answer answer_of_document(const webox_instance &self, const json &doc, int http_status,
                          const std::string &requested_model, const json &messages) {
  if (doc.contains("error") && !doc["error"].is_null()) throw_inband_error(self, doc["error"]);
  if (is_bare_error_object(doc)) throw_inband_error(self, doc);
  const json *choice = first_choice(doc);
  if (!choice) throw sdk::Failure(WEBOX_E_UPSTREAM, self.name + ": the response has no choices", http_status);
  Answer a;
  a.model = string_at(doc, "model");
  if (a.model.empty()) a.model = requested_model;
  const json message = kit::object_at(*choice, "message");
  a.text = string_at(message, "content"); // null on tool calls
  a.tool_calls = calls_of_message(self, message, messages);
  a.finish_reason = string_at(*choice, "finish_reason");
  if (auto u = usage_of_chunk(doc)) a.usage = *u;
  return a;
}

Answer read_complete_response(const webox_instance &self, const sdk::HttpResponse &resp,
                              const std::string &requested_model, const json &messages) {
  // OpenRouter may send keep-alive whitespace before the JSON: the parser skips it.
  const json doc = kit::parse_response(resp.body, self.name);
  if (!doc.is_object())
    throw sdk::Failure(WEBOX_E_UPSTREAM, self.name + ": " + kit::unparsable(resp.body, "the response", "the response is not valid JSON (cut short?)"), resp.status);
  return answer_of_document(self, doc, resp.status, requested_model, messages);
}

// Consumes the SSE data payloads of one streamed answer.
class StreamReader {
public:
  StreamReader(const webox_instance &self, webox_sink_fn sink, void *user, std::string requested_model,
               const json &messages)
      : m_self(self), m_sink(sink), m_user(user), m_messages(messages), m_calls(self.name, sink, user) {
    m_answer.model = std::move(requested_model);
  }

  void on_data(std::string_view data) {
    if (m_done) return; // nothing meaningful follows [DONE]
    if (data == "[DONE]") {
      m_done = true;
      return;
    }
    const json chunk = kit::parse_response(data, m_self.name);
    if (!chunk.is_object())
      throw sdk::Failure(WEBOX_E_UPSTREAM, m_self.name + ": " + kit::unparsable(data, "a stream event", "unparsable stream event"));
    ++m_events;
    if (chunk.contains("error") && !chunk["error"].is_null()) throw_inband_error(m_self, chunk["error"]);
    if (is_bare_error_object(chunk)) throw_inband_error(m_self, chunk);
    if (auto model = string_at(chunk, "model"); !model.empty()) m_answer.model = model;
    if (auto u = usage_of_chunk(chunk)) m_answer.usage = *u;
    if (const json *choice = first_choice(chunk)) read_choice(*choice);
  }

  bool started() const { return m_events > 0; }

  // Called when the body ended normally: the answer is whole only with [DONE].
  Answer finish() {
    if (!m_done) throw sdk::Failure(WEBOX_E_UPSTREAM, m_self.name + ": stream ended before [DONE] (the answer was cut)");
    close_calls();
    m_answer.tool_calls = m_calls.finished();
    kit::emit_usage(m_sink, m_user, m_answer.usage);
    return m_answer;
  }

private:
  void read_choice(const json &choice) {
    const json delta = kit::object_at(choice, "delta");
    if (auto piece = string_at(delta, "content"); !piece.empty()) { // role-only and null skip here
      m_answer.text += piece;
      sdk::emit(m_sink, m_user, dump(json{{"type", "delta"}, {"text", piece}}));
    }
    if (const json *calls = webox::json_fields::member(delta, "tool_calls"); calls && calls->is_array())
      for (size_t i = 0; i < calls->size(); ++i) read_call_piece((*calls)[i], static_cast<int64_t>(i));
    auto reason = string_at(choice, "finish_reason");
    if (reason == "error") // OpenRouter without an error object: still a failure
      throw sdk::Failure(WEBOX_E_UPSTREAM, m_self.name + ": stream error: the provider ended the answer with an error");
    if (!reason.empty()) {
      m_answer.finish_reason = reason;
      close_calls(); // every call is whole once the choice finished
    }
  }

  // One piece of a call; `position` stands in for a missing index.
  void read_call_piece(const json &piece, int64_t position) {
    const int64_t index = count_at(piece, "index").value_or(position);
    const json function = kit::object_at(piece, "function");
    const std::string call_id = string_at(piece, "id");
    const std::string name = string_at(function, "name");
    if (!call_id.empty() && m_calls.is_open(index) && m_open_ids[index] != call_id)
      close_call(index); // a server that reuses the index for the next call
    if (!call_id.empty() || !name.empty()) {
      m_calls.open(index, call_id, name);
      if (!call_id.empty()) m_open_ids[index] = call_id;
    }
    // Arguments may also come as an object from lax servers.
    const json *args = webox::json_fields::member(function, "arguments");
    if (args && args->is_string()) m_calls.append(index, args->get_ref<const std::string &>());
    else if (args && args->is_object()) m_calls.append(index, dump(*args));
  }

  void close_call(int64_t index) {
    m_calls.close(index, tools::synthesised_id(m_messages, m_calls.size()));
    m_open_ids.erase(index);
  }

  void close_calls() {
    m_calls.close_all([&](size_t n) { return tools::synthesised_id(m_messages, n); });
    m_open_ids.clear();
  }

  const webox_instance &m_self;
  webox_sink_fn m_sink;
  void *m_user;
  const json &m_messages;
  tools::Calls m_calls;
  std::map<int64_t, std::string> m_open_ids; // the provider's id of each open call
  Answer m_answer;
  bool m_done = false;
  size_t m_events = 0;
};

// The host reports a dropped connection as "could not reach <url>"; say
// which provider, and whether the answer had already started.
// ---- Operations ---------------------------------------------------------------------

webox_status chat_complete(webox_instance *self, const webox_call *call, const webox_request *req,
                           webox_result *out) {
  return sdk::guard(&out->error, [&] {
    const json request = kit::parse_chat_request(req);
    const sdk::HttpRequest http = build_http_request(*self, call, build_body(*self, request, false), false);
    const sdk::HttpResponse resp = kit::whole_answer(
        call, http, [&](const sdk::Failure &f, bool started) { return sdk::explain_transport_failure(self->name, f, started); },
        [&](const sdk::HttpResponse &r) { throw_http_error(*self, r); });
    sdk::give(dump(read_complete_response(*self, resp, request["model"].get<std::string>(), request["messages"]).to_json()),
              &out->json);
    return WEBOX_OK;
  });
}

webox_status chat_stream(webox_instance *self, const webox_call *call, const webox_request *req,
                         webox_sink_fn on_event, void *user, webox_result *out) {
  return sdk::guard(&out->error, [&] {
    const json request = kit::parse_chat_request(req);
    const sdk::HttpRequest http = build_http_request(*self, call, build_body(*self, request, true), true);
    StreamReader reader(*self, on_event, user, request["model"].get<std::string>(), request["messages"]);
    const json answer = kit::stream_answer(
        call, http, reader,
        [&](const sdk::Failure &f, bool started) { return sdk::explain_transport_failure(self->name, f, started); },
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
  return sdk::guard(nullptr, [&] {
    json doc = {{"models", kit::model_list(id::kKnownModels)},
                {"capabilities", {"chat", "chat-stream", "tools"}},
                {"base_url", self ? self->base_url : std::string(id::kDefaultBaseUrl)},
                {"base_url_env", std::string(id::kBaseUrlEnv)}};
    if (id::kMediaCapabilities) {
      doc["capabilities"] = {"chat", "chat-stream", "tools", "image", "tts", "stt"};
      doc.update(webox::openai::media_describe());
    }
    if (id::kEmbedCapabilities) doc["capabilities"].push_back("embed");
    if (id::kVisionCapabilities) doc["capabilities"].push_back("vision");
    sdk::give(dump(doc), out_json);
    return WEBOX_OK;
  });
}

// ---- Media (openai only; see openai_media.cpp) ---------------------------------

webox::openai::MediaEndpoint media_endpoint(const webox_instance *self) {
  return {self->name, self->base_url, self->key_var, self->timeout_ms};
}

webox_status image(webox_instance *self, const webox_call *call, const webox_request *req, webox_result *out) {
  return webox::openai::media_image(media_endpoint(self), call, req, out);
}

webox_status tts(webox_instance *self, const webox_call *call, const webox_request *req, webox_sink_fn sink,
                 void *user, webox_result *out) {
  return webox::openai::media_speech(media_endpoint(self), call, req, sink, user, out);
}

webox_status stt(webox_instance *self, const webox_call *call, const webox_request *req, webox_result *out) {
  return webox::openai::media_transcribe(media_endpoint(self), call, req, out);
}

// Embeddings (identities whose manifest lists "embed"; see openai_embed.cpp).
webox_status embed(webox_instance *self, const webox_call *call, const webox_request *req, webox_result *out) {
  return webox::openai::embed({self->name, self->base_url, self->key_var, self->timeout_ms}, call, req, out);
}

// The models the endpoint offers now: `GET {base}/models`, one page (the
// family does not paginate it), read by the shared OpenAI-format reader.
webox_status list_models(webox_instance *self, const webox_call *call, const webox_request *req, webox_result *out) {
  return sdk::guard(&out->error, [&] {
    kit::models::Collector models(req);
    const sdk::HttpRequest http = kit::models::get_request(
        self->base_url + "/models", {"Authorization: Bearer " + kit::api_key(*self, call)}, self->timeout_ms);
    const sdk::HttpResponse resp = kit::whole_answer(
        call, http, [&](const sdk::Failure &f, bool started) { return sdk::explain_transport_failure(self->name, f, started); },
        [&](const sdk::HttpResponse &r) { throw_http_error(*self, r); });
    kit::models::read_openai_page(kit::models::page_object(resp.body, self->name), models);
    sdk::give(dump(models.to_json()), &out->json);
    return WEBOX_OK;
  });
}


// ---- Batch (ABI 1.5, openai only; plugin.h "ABI 1.5 (batch)") -------------
//
// The Batch API: the requests go up as a JSONL file (`POST {base}/files`,
// multipart, purpose=batch), one line per request {"custom_id", "method":
// "POST", "url": "/v1/chat/completions", "body": <what chat_complete would
// send>}; `POST {base}/batches` starts the batch; `GET {base}/batches/{id}`
// says validating, in_progress, finalizing, completed, failed, expired,
// cancelling or cancelled with `request_counts` and, once done, an
// `output_file_id` (answers) and an `error_file_id` (failed requests, and the
// requests left when the batch expired or was cancelled); each is read with
// `GET {base}/files/{id}/content`, one line per request: {"custom_id",
// "response": {"status_code", "body"}, "error": {"code", "message"}|null}.
// Both POSTs are WEBOX_HTTP_ONCE: a repeated batch would be paid twice.

namespace batch_kit = webox::kit::batch;

std::string openai_batch_status(const std::string &provider_status) {
  if (provider_status == "completed") return "ended";
  if (provider_status == "failed") return "failed";
  if (provider_status == "expired") return "expired";
  if (provider_status == "cancelling") return "cancelling";
  if (provider_status == "cancelled") return "cancelled";
  return "in_progress"; // validating, in_progress, finalizing, and words added later
}

std::string iso_time(const json &doc, const char *key) {
  auto t = count_at(doc, key);
  if (!t || *t <= 0) return {};
  const std::time_t seconds = static_cast<std::time_t>(*t);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

batch_kit::Status openai_batch_doc(const webox_instance &self, const json &doc) {
  batch_kit::Status st;
  st.id = string_at(doc, "id");
  if (st.id.empty()) throw sdk::Failure(WEBOX_E_UPSTREAM, self.name + ": the batch answer has no id");
  st.provider_status = string_at(doc, "status");
  st.status = openai_batch_status(st.provider_status);
  const json counts = kit::object_at(doc, "request_counts");
  st.total = count_at(counts, "total").value_or(0);
  st.succeeded = count_at(counts, "completed").value_or(0);
  st.failed = count_at(counts, "failed").value_or(0);
  st.created_at = iso_time(doc, "created_at");
  const json errors = kit::object_at(doc, "errors");
  if (const json *list = webox::json_fields::member(errors, "data"); list && list->is_array() && !list->empty())
    st.message = string_at((*list)[0], "message");
  return st;
}

sdk::HttpResponse openai_batch_http(const webox_instance &self, const webox_call *call, sdk::HttpRequest http) {
  http.timeout_ms = self.timeout_ms;
  http.should_retry = retry_unless_out_of_quota;
  http.headers.push_back("Authorization: Bearer " + kit::api_key(self, call));
  return kit::whole_answer(
      call, http, [&](const sdk::Failure &f, bool started) { return sdk::explain_transport_failure(self.name, f, started); },
      [&](const sdk::HttpResponse &r) { throw_http_error(self, r); });
}

json openai_batch_object(const webox_instance &self, const sdk::HttpResponse &resp) {
  json doc = kit::parse_response(resp.body, self.name);
  if (!doc.is_object()) throw sdk::Failure(WEBOX_E_UPSTREAM, self.name + ": the batch answer is not a JSON object");
  return doc;
}

json openai_batch_get(const webox_instance &self, const webox_call *call, const std::string &id) {
  sdk::HttpRequest http;
  http.method = "GET";
  http.url = self.base_url + "/batches/" + id;
  http.headers = {"Accept: application/json"};
  return openai_batch_object(self, openai_batch_http(self, call, http));
}

json openai_batch_submit(const webox_instance &self, const webox_call *call, const webox_request *req,
                         const json &request) {
  std::string jsonl;
  batch_kit::for_each_request(std::string_view(req->blob ? req->blob : "", req->blob ? req->blob_size : 0), self.name,
                              [&](const std::string &custom_id, const json &chat_request) {
                                jsonl += dump(json{{"custom_id", custom_id},
                                                   {"method", "POST"},
                                                   {"url", "/v1/chat/completions"},
                                                   {"body", build_body(self, chat_request, false)}});
                                jsonl += '\n';
                              });
  webox::media_plugin::Multipart form;
  form.field("purpose", "batch");
  form.file("file", "webox-batch.jsonl", "application/jsonl", std::move(jsonl));
  sdk::HttpRequest upload;
  upload.url = self.base_url + "/files";
  upload.body = form.body();
  upload.headers = {"Content-Type: " + form.content_type(), "Accept: application/json"};
  upload.flags = WEBOX_HTTP_ONCE;
  const std::string file_id = string_at(openai_batch_object(self, openai_batch_http(self, call, upload)), "id");
  upload.body.clear();
  upload.body.shrink_to_fit();
  if (file_id.empty()) throw sdk::Failure(WEBOX_E_UPSTREAM, self.name + ": the file upload answered no id");
  json create = {{"input_file_id", file_id}, {"endpoint", "/v1/chat/completions"}, {"completion_window", "24h"}};
  const json metadata = kit::object_at(request, "metadata");
  if (!metadata.empty()) create["metadata"] = metadata;
  sdk::HttpRequest start;
  start.url = self.base_url + "/batches";
  start.body = dump(create);
  start.headers = {"Content-Type: application/json", "Accept: application/json"};
  start.flags = WEBOX_HTTP_ONCE;
  return openai_batch_object(self, openai_batch_http(self, call, start));
}

webox_status batch(webox_instance *self, const webox_call *call, const webox_request *req, webox_result *out) {
  return sdk::guard(&out->error, [&] {
    const json request = batch_kit::parse_action(req, self->name);
    const std::string action = string_at(request, "action");
    json doc;
    if (action == "submit") {
      doc = openai_batch_submit(*self, call, req, request);
    } else if (action == "status") {
      doc = openai_batch_get(*self, call, batch_kit::checked_id(request, self->name));
    } else {
      sdk::HttpRequest http;
      http.url = self->base_url + "/batches/" + batch_kit::checked_id(request, self->name) + "/cancel";
      http.headers = {"Content-Type: application/json", "Accept: application/json"};
      http.body = "{}";
      doc = openai_batch_object(*self, openai_batch_http(*self, call, http));
    }
    sdk::give(dump(openai_batch_doc(*self, doc).to_json()), &out->json);
    return WEBOX_OK;
  });
}

// One line of an output or error file as a result event.
json openai_result_line(const webox_instance &self, const json &line, std::string &why) {
  const std::string custom_id = string_at(line, "custom_id");
  if (custom_id.empty()) {
    why = "no custom_id";
    return json(json::value_t::discarded);
  }
  json event = {{"custom_id", custom_id}};
  const json error = kit::object_at(line, "error");
  if (!error.empty()) {
    const std::string code = string_at(error, "code");
    const std::string kind = code == "batch_expired" ? "expired" : code == "batch_cancelled" ? "cancelled" : "errored";
    event["ok"] = false;
    event["error"] = batch_kit::error_doc(kind, self.name + ": " + (code.empty() ? "" : code + ": ") + string_at(error, "message"), 0, code);
    return event;
  }
  const json response = kit::object_at(line, "response");
  const int status = static_cast<int>(count_at(response, "status_code").value_or(0));
  const json body = kit::object_at(response, "body");
  if (status / 100 != 2) {
    const ProviderError e = read_error_envelope(body);
    event["ok"] = false;
    event["error"] = batch_kit::error_doc("errored", self.name + ": " + std::to_string(status) + (e.code.empty() ? "" : " " + e.code) +
                                                         ": " + (e.message.empty() ? std::string("the request failed") : e.message),
                                          status, e.code);
    return event;
  }
  try {
    event["answer"] = answer_of_document(self, body, status, "", json::array()).to_json();
    event["ok"] = true;
  } catch (const sdk::Failure &f) {
    event["ok"] = false;
    event["error"] = batch_kit::error_doc("errored", f.message, status);
  }
  return event;
}

webox_status batch_results(webox_instance *self, const webox_call *call, const webox_request *req, webox_sink_fn sink,
                           void *user, webox_result *out) {
  return sdk::guard(&out->error, [&] {
    json request = bounded_json::parse_or_discarded(std::string_view(req->json, req->json_size));
    const std::string id = batch_kit::checked_id(request, self->name);
    const json doc = openai_batch_get(*self, call, id);
    batch_kit::ResultReader reader(self->name, sink, user, batch_kit::max_results_of(request));
    for (const char *file : {"output_file_id", "error_file_id"}) {
      const std::string file_id = string_at(doc, file);
      if (file_id.empty()) continue;
      if (!batch_kit::valid_custom_id(file_id))
        throw sdk::Failure(WEBOX_E_UPSTREAM, self->name + ": the batch names a file id webox will not put in a URL");
      sdk::HttpRequest http;
      http.url = self->base_url + "/files/" + file_id + "/content";
      http.headers = {"Authorization: Bearer " + kit::api_key(*self, call)};
      http.timeout_ms = self->timeout_ms;
      sdk::HttpResponse resp = reader.read_file(
          call, http, [&](const json &l, std::string &why) { return openai_result_line(*self, l, why); });
      if (resp.status / 100 != 2) throw_http_error(*self, resp);
    }
    sdk::give(dump(reader.summary()), &out->json);
    return WEBOX_OK;
  });
}

const webox_plugin kDescriptor = {
    .struct_size = sizeof(webox_plugin),
    .abi_major = WEBOX_ABI_MAJOR,
    .min_host_minor = static_cast<uint16_t>(id::kBatchCapabilities ? 5 : 4), // batch (ABI 1.5), list_models (1.4)
    .id = id::kProviderId,
    .version = id::kProviderVersion,
    .capabilities = WEBOX_CAP_CHAT | WEBOX_CAP_CHAT_STREAM | WEBOX_CAP_TOOLS | WEBOX_CAP_LIST_MODELS | id::kMediaCapabilities |
                    id::kEmbedCapabilities | id::kVisionCapabilities | id::kBatchCapabilities,
    .create = create,
    .destroy = destroy,
    .describe = describe,
    .chat = chat_complete,
    .chat_stream = chat_stream,
    .embed = embed,
    .image = image,
    .tts = tts,
    .stt = stt,
    .social_collect = nullptr,
    .social_send = nullptr,
    .list_models = list_models,
    .webhook = nullptr,
    .batch = batch,
    .batch_results = batch_results,
    .auth = nullptr,
};

} // namespace

WEBOX_DEFINE_ENTRY(kDescriptor)
