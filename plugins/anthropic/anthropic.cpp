// anthropic.cpp: the Anthropic Messages API.
//
// THE PROTOCOL. One request, `POST {base}/v1/messages`, where the base is the
// bare host (`https://api.anthropic.com`). Two headers identify the caller:
// `x-api-key: <key>` and `anthropic-version: 2023-06-01`, the dated protocol
// revision this code speaks (the API keeps old revisions stable, so this is
// pinned on purpose, not forgotten). The body is `{"model", "max_tokens",
// "messages":[{"role":"user"|"assistant","content"}], "system"?, ...}`.
//   - Without `stream`, the answer is one message: `content` is a list of
//     blocks, the text is the concatenation of the `text` blocks, the reason
//     it stopped is `stop_reason`, and `usage` has `input_tokens` and
//     `output_tokens`.
//   - With `"stream": true` the answer is Server-Sent Events with a NAME on
//     each event (`event: content_block_delta`) that the JSON `type` repeats,
//     so reading the JSON is enough. The sequence is `message_start` (model,
//     input tokens), then per content block `content_block_start`, any number
//     of `content_block_delta` (text in `delta.text` when `delta.type` is
//     `text_delta`), `content_block_stop`; then `message_delta` (stop reason,
//     cumulative output tokens) and finally `message_stop`.
//
// THE STEPS. Resolve the key through the host; move system messages out of
// the list into the top-level `system` field; fill `max_tokens` if the user
// gave none; POST through the host (retries, SSE framing); fold the events
// into text, usage and stop reason; require `message_stop`.
//
// WHAT IS SURPRISING.
//   - `max_tokens` is REQUIRED, unlike every other provider: a request
//     without it is refused with a 400. Webox sends 4096 unless told.
//   - There is no "system" role. A system message in the list is an error,
//     so they are joined into the top-level `system` string.
//   - Usage is split across two events: input tokens in `message_start`,
//     output tokens (cumulative, not increments) in `message_delta`.
//   - `ping` events come anywhere, and new event types appear over time: the
//     documentation says to ignore unknown ones, and this code does.
//   - Recorded payloads carry runs of spaces before the closing brace, so
//     events are parsed as JSON, never matched as strings.
//   - Tools are `{name, description, input_schema}`. A call is a content
//     block: `content_block_start` with a `tool_use` block (id, name, an
//     empty `input`), `content_block_delta`s of type `input_json_delta`
//     whose `partial_json` pieces join into the input's JSON text, then
//     `content_block_stop`; the answer stops with `tool_use`. In the history,
//     the assistant turn is content blocks (text, then tool_use with the
//     input as an object) and the results are ONE user message of
//     `tool_result` blocks (tool_use_id, content, is_error): consecutive
//     `tool` messages merge into it. With extended thinking on, the
//     assistant turn that called a tool must start with the thinking blocks
//     (and their signatures) of that answer, or the API refuses it: they
//     travel in the first call's "extra" as `thinking_blocks`.
//   - Failures after the 200 come as `event: error` with `{"type":"error",
//     "error":{"type":"overloaded_error",...}}`, then the stream stops
//     without `message_stop`. Before the 200, the same envelope comes with an
//     HTTP status; 529 ("overloaded") is Anthropic's own 5xx and is retried
//     like any 5xx by the host.
#include <webox/plugin.hpp>

#include "plugins/common/batch_kit.hpp"
#include "plugins/common/models_kit.hpp"
#include "plugins/common/content_kit.hpp"
#include "plugins/common/provider_kit.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace {

using nlohmann::json;
namespace sdk = webox::sdk;

constexpr const char *kProviderId = WEBOX_PROVIDER_ID;
constexpr const char *kDefaultKeyVar = WEBOX_PROVIDER_KEY_VAR; // secrets[0]
constexpr const char *kDefaultBaseUrl = WEBOX_PROVIDER_DEFAULT_BASE_URL;
constexpr const char *kApiVersion = "2023-06-01";
constexpr int64_t kDefaultMaxTokens = 4096;
// webox_add_plugin() reads these from plugin.json, so the descriptor, describe
// and the manifest agree.
constexpr const char *kVersion = WEBOX_PROVIDER_VERSION;
constexpr std::string_view kKnownModels = WEBOX_PROVIDER_MODELS; // comma-separated

} // namespace

// The host root as base_url, e.g. https://api.anthropic.com.
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

// Anthropic's counts are cumulative: a newer figure replaces the older one.
void update_usage(kit::Usage &u, const json &usage) {
  if (auto in = count_at(usage, "input_tokens")) u.input = in;
  if (auto o = count_at(usage, "output_tokens")) u.output = o;
}

// Anthropic's stop reasons, in the vocabulary every webox plugin reports so
// that `webox compare` can line providers up.
std::string normalized_stop_reason(const std::string &reason) {
  if (reason == "end_turn" || reason == "stop_sequence") return "stop";
  if (reason == "max_tokens") return "length";
  if (reason == "tool_use") return "tool_calls";
  if (reason == "refusal") return "content_filter";
  return reason;
}

// ---- Errors ------------------------------------------------------------------------

webox_status status_class(int http_status, const std::string &error_type) {
  if (http_status == 401 || http_status == 403) return WEBOX_E_AUTH;
  if (http_status == 402 || error_type == "billing_error") return WEBOX_E_QUOTA;
  if (http_status == 429) return WEBOX_E_RATE_LIMITED;
  if (http_status == 400 || http_status == 404 || http_status == 413 || http_status == 422)
    return WEBOX_E_INVALID;
  return WEBOX_E_UPSTREAM; // 500 api_error, 529 overloaded_error, anything odd
}

// `{"type":"error","error":{"type","message"},"request_id"}` before the 200.
[[noreturn]] void throw_http_error(const webox_instance &self, const sdk::HttpResponse &resp) {
  const std::string prefix = self.name + ": ";
  const std::string status = std::to_string(resp.status);
  const long long retry = retry_after_ms(resp);
  if (looks_like_html(resp))
    throw sdk::Failure(WEBOX_E_UPSTREAM, prefix + "HTTP " + status + " (HTML error page from the server)",
                       resp.status, retry);
  const bounded_json::Parsed body = bounded_json::parse(resp.body);
  const json &parsed = body.value;
  const json error = parsed.is_object() ? parsed.value("error", json()) : json();
  if (!error.is_object()) {
    const std::string what = kit::unparsed_body(body, resp.body);
    throw sdk::Failure(status_class(resp.status, {}), prefix + "HTTP " + status + ": " + what, resp.status, retry);
  }
  const std::string type = string_at(error, "type");
  std::string message = prefix + status;
  if (!type.empty()) message += " " + type;
  message += ": " + string_at(error, "message");
  throw sdk::Failure(status_class(resp.status, type), message, resp.status, retry, type);
}

// `event: error` after the 200: the stream is over and the call failed.
[[noreturn]] void throw_stream_error(const webox_instance &self, const json &event) {
  const json error = kit::object_at(event, "error");
  std::string type = string_at(error, "type");
  std::string message = self.name + ": stream error";
  if (!type.empty()) message += " " + type;
  std::string said = string_at(error, "message");
  message += ": " + (said.empty() ? std::string("the provider reported an error") : said);
  throw sdk::Failure(WEBOX_E_UPSTREAM, message, 0, -1, type);
}

// ---- Instance configuration ----------------------------------------------------

webox_instance *make_instance(std::string_view config_text) {
  auto instance = std::make_unique<webox_instance>();
  kit::read_instance_config(config_text, kProviderId, kDefaultBaseUrl, kDefaultKeyVar, *instance);
  return instance.release();
}

// ---- Building the request ----------------------------------------------------------

// The text of a system message, whether a string or a list of text blocks.
std::string system_text(const webox_instance &self, const json &content) {
  if (content.is_string()) return content.get<std::string>();
  std::string text;
  if (content.is_array())
    for (const auto &block : content) text += string_at(block, "text");
  else if (!content.is_null())
    throw sdk::Failure(WEBOX_E_INVALID, self.name + ": a system message must be text");
  return text;
}

// An assistant turn that called tools: its text (an empty text block is
// refused by the API), then one tool_use block per call.
json assistant_with_calls(const json &message, const json &calls) {
  const json extra = tools::extra_of(calls[0]);
  json blocks = json::array();
  if (const json *thinking = webox::json_fields::member(extra, "thinking_blocks"); thinking && thinking->is_array())
    blocks = *thinking;
  const std::string text = tools::content_text(message.value("content", json()));
  if (!text.empty()) blocks.push_back({{"type", "text"}, {"text", text}});
  for (const auto &call : calls)
    blocks.push_back({{"type", "tool_use"},
                      {"id", string_at(call, "id")},
                      {"name", string_at(call, "name")},
                      {"input", tools::arguments_object(call)}});
  return {{"role", "assistant"}, {"content", std::move(blocks)}};
}

json tool_result_block(const json &message) {
  json block = {{"type", "tool_result"},
                {"tool_use_id", string_at(message, "tool_call_id")},
                {"content", tools::content_text(message.value("content", json()))}};
  if (kit::flag_at(message, "is_error")) block["is_error"] = true;
  return block;
}

// A message's content: image parts (ABI 1.4) become `image` blocks and
// document parts (a PDF sent natively) `document` blocks, both with a base64
// source; a string and text blocks go as they are.
json anthropic_content(const json &value) {
  if (!content::has_media(value)) return value;
  return content::map_media(value, [](const json &part) {
    json block = {{"type", content::is_document(part) ? "document" : "image"},
                  {"source", {{"type", "base64"}, {"media_type", content::media_type(part)}, {"data", content::data(part)}}}};
    if (content::is_document(part) && !content::name(part).empty()) block["title"] = content::name(part);
    return block;
  });
}

// Splits webox's flat list into Anthropic's top-level `system` (all system
// messages, in order, joined by a blank line) and the conversation turns.
void place_messages(const webox_instance &self, const json &messages, json &body) {
  std::string system;
  json turns = json::array();
  bool last_is_results = false; // turns.back() is a user turn of tool_result blocks
  for (const auto &m : messages) {
    const std::string role = string_at(m, "role");
    if (role == "system") {
      std::string text = system_text(self, m.value("content", json()));
      if (!text.empty()) system += (system.empty() ? "" : "\n\n") + text;
      continue;
    }
    if (tools::is_tool_result(m)) {
      // The results of one step answer together, in one user message.
      if (!last_is_results) turns.push_back({{"role", "user"}, {"content", json::array()}});
      turns.back()["content"].push_back(tool_result_block(m));
      last_is_results = true;
      continue;
    }
    last_is_results = false;
    const json calls = role == "assistant" ? tools::calls_of(m, self.name) : json::array();
    if (!calls.empty())
      turns.push_back(assistant_with_calls(m, calls));
    else
      turns.push_back({{"role", role}, {"content", anthropic_content(m.value("content", json("")))}});
  }
  if (turns.empty()) throw sdk::Failure(WEBOX_E_INVALID, self.name + ": the conversation has no user message");
  body["messages"] = std::move(turns);
  if (!system.empty()) body["system"] = system;
}

void merge_options(const webox_instance &self, const json &options, json &body) {
  if (!options.is_object()) return;
  for (const auto &[key, value] : options.items()) {
    if (key == "model" || key == "messages" || key == "stream" || key == "system")
      throw sdk::Failure(WEBOX_E_INVALID, self.name + ": option '" + key + "' is set by webox itself");
    if (value.is_null())
      body.erase(key);
    else
      body[key] = value;
  }
}

json anthropic_tool(const tools::Tool &t) {
  json tool = {{"name", t.name}, {"input_schema", t.input_schema}};
  if (!t.description.empty()) tool["description"] = t.description;
  return tool;
}

void place_tools(const webox_instance &self, const json &request, json &body) {
  const tools::Offer offer = tools::read_offer(request, self.name);
  if (offer.tools.empty()) return;
  body["tools"] = tools::tool_list(offer.tools, anthropic_tool);
  switch (offer.choice.kind) {
    case tools::Choice::unset: break;
    case tools::Choice::automatic: body["tool_choice"] = {{"type", "auto"}}; break;
    case tools::Choice::none: body["tool_choice"] = {{"type", "none"}}; break;
    case tools::Choice::required: body["tool_choice"] = {{"type", "any"}}; break;
    case tools::Choice::named: body["tool_choice"] = {{"type", "tool"}, {"name", offer.choice.name}}; break;
  }
}

json build_body(const webox_instance &self, const json &request, bool stream) {
  json body = json::object();
  body["model"] = request["model"];
  place_messages(self, request["messages"], body);
  place_tools(self, request, body);
  if (stream) body["stream"] = true;
  merge_options(self, self.default_options, body);
  merge_options(self, request.value("options", json::object()), body);
  if (!body.contains("max_tokens")) body["max_tokens"] = kDefaultMaxTokens; // required by the API
  return body;
}

sdk::HttpRequest build_http_request(const webox_instance &self, const webox_call *call, const json &body,
                                    bool stream) {
  sdk::HttpRequest r;
  r.url = self.base_url + "/v1/messages";
  r.headers = {"x-api-key: " + kit::api_key(self, call), std::string("anthropic-version: ") + kApiVersion,
               "content-type: application/json",
               stream ? "accept: text/event-stream" : "accept: application/json"};
  r.body = dump(body);
  r.framing = stream ? WEBOX_HTTP_SSE : WEBOX_HTTP_RAW;
  r.timeout_ms = self.timeout_ms;
  return r; // the host's default retry policy already covers 429, 5xx and 529
}

// ---- Reading the answer ------------------------------------------------------------

using Answer = kit::ChatAnswer;

// The first call of an answer carries the answer's thinking blocks.
json thinking_extra(const json &thinking, size_t call_number) {
  if (call_number != 0 || thinking.empty()) return json::object();
  return {{"thinking_blocks", thinking}};
}

// A whole Messages answer (a 200 body, or a batch result's `message`).
Answer answer_of_message(const webox_instance &self, const json &doc, const std::string &requested_model) {
  if (string_at(doc, "type") == "error") throw_stream_error(self, doc);
  Answer a;
  a.model = string_at(doc, "model");
  if (a.model.empty()) a.model = requested_model;
  const json content = doc.value("content", json::array());
  tools::Calls calls(self.name);
  json thinking = json::array();
  if (content.is_array())
    for (const auto &block : content) {
      const std::string type = string_at(block, "type");
      if (type == "text") a.text += string_at(block, "text");
      if (type == "thinking" || type == "redacted_thinking") thinking.push_back(block);
      if (type == "tool_use")
        calls.add(tools::call_from_value(string_at(block, "id"), string_at(block, "name"), block.value("input", json()),
                                         thinking_extra(thinking, calls.size()), self.name));
    }
  a.tool_calls = calls.finished();
  a.finish_reason = normalized_stop_reason(string_at(doc, "stop_reason"));
  update_usage(a.usage, kit::object_at(doc, "usage"));
  return a;
}

Answer read_complete_response(const webox_instance &self, const sdk::HttpResponse &resp,
                              const std::string &requested_model) {
  const json doc = kit::parse_response(resp.body, self.name);
  if (!doc.is_object())
    throw sdk::Failure(WEBOX_E_UPSTREAM, self.name + ": " + kit::unparsable(resp.body, "the response", "the response is not valid JSON (cut short?)"), resp.status);
  return answer_of_message(self, doc, requested_model);
}

// Folds the stream's events into an Answer, emitting text as it comes.
class StreamReader {
public:
  StreamReader(const webox_instance &self, webox_sink_fn sink, void *user, std::string requested_model)
      : m_self(self), m_sink(sink), m_user(user), m_calls(self.name, sink, user) {
    m_answer.model = std::move(requested_model);
  }

  void on_data(std::string_view data) {
    const json event = kit::parse_response(data, m_self.name);
    if (!event.is_object())
      throw sdk::Failure(WEBOX_E_UPSTREAM, m_self.name + ": " + kit::unparsable(data, "a stream event", "unparsable stream event"));
    ++m_events;
    const std::string type = string_at(event, "type");
    if (type == "message_start") on_message_start(kit::object_at(event, "message"));
    else if (type == "content_block_start") on_block_start(event);
    else if (type == "content_block_delta") on_block_delta(event);
    else if (type == "content_block_stop") on_block_stop(event);
    else if (type == "message_delta") on_message_delta(event);
    else if (type == "message_stop") m_stopped = true;
    else if (type == "error") throw_stream_error(m_self, event);
    // ping and types added later carry nothing we need.
  }

  bool started() const { return m_events > 0; }

  Answer finish() {
    if (!m_stopped)
      throw sdk::Failure(WEBOX_E_UPSTREAM, m_self.name + ": stream ended before message_stop (the answer was cut)");
    if (m_calls.has_open())
      throw sdk::Failure(WEBOX_E_UPSTREAM, m_self.name + ": a tool_use block never ended (content_block_stop)");
    m_answer.tool_calls = m_calls.finished();
    kit::emit_usage(m_sink, m_user, m_answer.usage);
    return m_answer;
  }

private:
  void on_message_start(const json &message) {
    if (auto model = string_at(message, "model"); !model.empty()) m_answer.model = model;
    update_usage(m_answer.usage, kit::object_at(message, "usage"));
  }

  // A tool_use block opens a call; its input follows as JSON text pieces.
  void on_block_start(const json &event) {
    const json block = kit::object_at(event, "content_block");
    const std::string type = string_at(block, "type");
    if (type == "thinking" || type == "redacted_thinking") {
      m_thinking_at[block_index(event)] = m_thinking.size();
      m_thinking.push_back(block);
    }
    if (type != "tool_use") return;
    m_calls.open(block_index(event), string_at(block, "id"), string_at(block, "name"),
                 thinking_extra(m_thinking, m_calls.size() + (m_calls.has_open() ? 1 : 0)));
  }

  // Thinking text and its signature, kept whole for the next request.
  void on_thinking_delta(int64_t index, const json &delta) {
    auto at = m_thinking_at.find(index);
    if (at == m_thinking_at.end()) return;
    json &block = m_thinking[at->second];
    if (string_at(delta, "type") == "thinking_delta")
      block["thinking"] = string_at(block, "thinking") + string_at(delta, "thinking");
    else
      block["signature"] = string_at(block, "signature") + string_at(delta, "signature");
  }

  void on_block_stop(const json &event) {
    const int64_t index = block_index(event);
    if (m_calls.is_open(index)) m_calls.close(index, "toolu_" + std::to_string(index));
  }

  static int64_t block_index(const json &event) { return count_at(event, "index").value_or(0); }

  // Only text deltas are answer text; thinking and signatures are not
  // shown; input_json_delta pieces build a call's input.
  void on_block_delta(const json &event) {
    const json delta = kit::object_at(event, "delta");
    if (string_at(delta, "type") == "input_json_delta") {
      if (m_calls.is_open(block_index(event))) m_calls.append(block_index(event), string_at(delta, "partial_json"));
      return;
    }
    if (string_at(delta, "type") == "thinking_delta" || string_at(delta, "type") == "signature_delta") {
      on_thinking_delta(block_index(event), delta);
      return;
    }
    if (string_at(delta, "type") != "text_delta") return;
    std::string piece = string_at(delta, "text");
    if (piece.empty()) return;
    m_answer.text += piece;
    sdk::emit(m_sink, m_user, dump(json{{"type", "delta"}, {"text", piece}}));
  }

  void on_message_delta(const json &event) {
    auto reason = string_at(kit::object_at(event, "delta"), "stop_reason");
    if (!reason.empty()) m_answer.finish_reason = normalized_stop_reason(reason);
    update_usage(m_answer.usage, kit::object_at(event, "usage"));
  }

  const webox_instance &m_self;
  webox_sink_fn m_sink;
  void *m_user;
  tools::Calls m_calls;
  json m_thinking = json::array();         // this answer's thinking blocks, in order
  std::map<int64_t, size_t> m_thinking_at; // block index → place in m_thinking
  Answer m_answer;
  bool m_stopped = false;
  size_t m_events = 0;
};

// ---- Operations ---------------------------------------------------------------------

webox_status chat_complete(webox_instance *self, const webox_call *call, const webox_request *req,
                           webox_result *out) {
  return sdk::guard(&out->error, [&] {
    const json request = kit::parse_chat_request(req);
    const sdk::HttpRequest http = build_http_request(*self, call, build_body(*self, request, false), false);
    const sdk::HttpResponse resp = kit::whole_answer(
        call, http, [&](const sdk::Failure &f, bool started) { return sdk::explain_transport_failure(self->name, f, started); },
        [&](const sdk::HttpResponse &r) { throw_http_error(*self, r); });
    sdk::give(dump(read_complete_response(*self, resp, request["model"].get<std::string>()).to_json()),
              &out->json);
    return WEBOX_OK;
  });
}

webox_status chat_stream(webox_instance *self, const webox_call *call, const webox_request *req,
                         webox_sink_fn on_event, void *user, webox_result *out) {
  return sdk::guard(&out->error, [&] {
    const json request = kit::parse_chat_request(req);
    const sdk::HttpRequest http = build_http_request(*self, call, build_body(*self, request, true), true);
    StreamReader reader(*self, on_event, user, request["model"].get<std::string>());
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

// The models the key may use: `GET {base}/v1/models?limit=1000`, then
// `&after_id=<last_id>` while `has_more` says there are more.
webox_status list_models(webox_instance *self, const webox_call *call, const webox_request *req, webox_result *out) {
  return sdk::guard(&out->error, [&] {
    kit::models::Collector models(req);
    const std::vector<std::string> headers = {"x-api-key: " + kit::api_key(*self, call),
                                              std::string("anthropic-version: ") + kApiVersion};
    std::string after;
    for (int page = 0;; ++page) {
      if (page == kit::models::kMaxPages) {
        models.stopped_early();
        break;
      }
      std::string url = self->base_url + "/v1/models?limit=1000";
      if (!after.empty()) url += "&after_id=" + webox::common::percent_encode(after);
      const sdk::HttpResponse resp = kit::whole_answer(
          call, kit::models::get_request(url, headers, self->timeout_ms),
          [&](const sdk::Failure &f, bool started) { return sdk::explain_transport_failure(self->name, f, started); },
          [&](const sdk::HttpResponse &r) { throw_http_error(*self, r); });
      const json doc = kit::models::page_object(resp.body, self->name);
      const json *data = webox::json_fields::member(doc, "data");
      if (data && data->is_array())
        for (const auto &item : *data) {
          kit::models::ModelInfo m;
          m.id = string_at(item, "id");
          m.display_name = string_at(item, "display_name");
          m.context_window = kit::models::context_window_of(item);
          if (!models.add(std::move(m))) break;
        }
      const std::string last = string_at(doc, "last_id");
      if (models.full() || !kit::flag_at(doc, "has_more") || last.empty() || last == after) break;
      after = last;
    }
    sdk::give(dump(models.to_json()), &out->json);
    return WEBOX_OK;
  });
}


// ---- Message Batches (ABI 1.5; plugin.h "ABI 1.5 (batch)") --------------------
//
// `POST {base}/v1/messages/batches` with {"requests": [{"custom_id",
// "params": <what chat_complete would send>}]} starts a batch;
// `GET {base}/v1/messages/batches/{id}` says processing_status in_progress,
// canceling or ended, with request_counts {processing, succeeded, errored,
// canceled, expired} and `cancel_initiated_at`; once ended, the results are
// JSONL at `{base}/v1/messages/batches/{id}/results`, one line per request:
// {"custom_id", "result": {"type": succeeded|errored|canceled|expired,
// "message"|"error"}}. The answer's `results_url` is not followed: the key
// goes only to the configured base URL. The create POST is WEBOX_HTTP_ONCE.

namespace batch_kit = webox::kit::batch;

sdk::HttpResponse anthropic_batch_http(const webox_instance &self, const webox_call *call, sdk::HttpRequest http) {
  http.timeout_ms = self.timeout_ms;
  http.headers.push_back("x-api-key: " + kit::api_key(self, call));
  http.headers.push_back(std::string("anthropic-version: ") + kApiVersion);
  return kit::whole_answer(
      call, http, [&](const sdk::Failure &f, bool started) { return sdk::explain_transport_failure(self.name, f, started); },
      [&](const sdk::HttpResponse &r) { throw_http_error(self, r); });
}

batch_kit::Status anthropic_batch_doc(const webox_instance &self, const sdk::HttpResponse &resp) {
  const json doc = kit::parse_response(resp.body, self.name);
  batch_kit::Status st;
  st.id = string_at(doc, "id");
  if (!doc.is_object() || st.id.empty()) throw sdk::Failure(WEBOX_E_UPSTREAM, self.name + ": the batch answer has no id");
  st.provider_status = string_at(doc, "processing_status");
  const json counts = kit::object_at(doc, "request_counts");
  const int64_t processing = count_at(counts, "processing").value_or(0);
  st.succeeded = count_at(counts, "succeeded").value_or(0);
  const int64_t errored = count_at(counts, "errored").value_or(0), canceled = count_at(counts, "canceled").value_or(0),
                expired = count_at(counts, "expired").value_or(0);
  st.failed = errored + canceled + expired;
  st.total = processing + st.succeeded + st.failed;
  const bool cancel_asked = !string_at(doc, "cancel_initiated_at").empty();
  if (st.provider_status == "ended") st.status = cancel_asked ? "cancelled" : expired > 0 ? "expired" : "ended";
  else if (st.provider_status == "canceling") st.status = "cancelling";
  else st.status = "in_progress";
  st.created_at = string_at(doc, "created_at");
  return st;
}

webox_status batch(webox_instance *self, const webox_call *call, const webox_request *req, webox_result *out) {
  return sdk::guard(&out->error, [&] {
    const json request = batch_kit::parse_action(req, self->name);
    const std::string action = string_at(request, "action");
    sdk::HttpRequest http;
    http.headers = {"content-type: application/json", "accept: application/json"};
    if (action == "submit") {
      std::string body = "{\"requests\":[";
      bool first = true;
      batch_kit::for_each_request(std::string_view(req->blob ? req->blob : "", req->blob ? req->blob_size : 0), self->name,
                                  [&](const std::string &custom_id, const json &chat_request) {
                                    if (!first) body += ',';
                                    first = false;
                                    body += dump(json{{"custom_id", custom_id}, {"params", build_body(*self, chat_request, false)}});
                                  });
      body += "]}";
      http.url = self->base_url + "/v1/messages/batches";
      http.body = std::move(body);
      http.flags = WEBOX_HTTP_ONCE;
    } else if (action == "status") {
      http.method = "GET";
      http.url = self->base_url + "/v1/messages/batches/" + batch_kit::checked_id(request, self->name);
    } else {
      http.url = self->base_url + "/v1/messages/batches/" + batch_kit::checked_id(request, self->name) + "/cancel";
    }
    sdk::give(dump(anthropic_batch_doc(*self, anthropic_batch_http(*self, call, http)).to_json()), &out->json);
    return WEBOX_OK;
  });
}

// One line of the results as a result event.
json anthropic_result_line(const webox_instance &self, const json &line, std::string &why) {
  const std::string custom_id = string_at(line, "custom_id");
  const json result = kit::object_at(line, "result");
  const std::string type = string_at(result, "type");
  if (custom_id.empty() || type.empty()) {
    why = custom_id.empty() ? "no custom_id" : "no result type";
    return json(json::value_t::discarded);
  }
  json event = {{"custom_id", custom_id}, {"ok", false}};
  if (type == "succeeded") {
    try {
      event["answer"] = answer_of_message(self, kit::object_at(result, "message"), "").to_json();
      event["ok"] = true;
    } catch (const sdk::Failure &f) {
      event["error"] = batch_kit::error_doc("errored", f.message);
    }
  } else if (type == "errored") {
    // {"type":"error","error":{"type":"invalid_request_error","message":...}}
    const json outer = kit::object_at(result, "error");
    const json inner = outer.contains("error") ? kit::object_at(outer, "error") : outer;
    const std::string code = string_at(inner, "type");
    event["error"] = batch_kit::error_doc("errored", self.name + ": " + (code.empty() ? "" : code + ": ") + string_at(inner, "message"), 0, code);
  } else if (type == "canceled" || type == "expired") {
    const std::string kind = type == "canceled" ? "cancelled" : "expired";
    event["error"] = batch_kit::error_doc(kind, self.name + ": the request was " + kind + " before it ran");
  } else {
    why = "unknown result type '" + type.substr(0, 40) + "'";
    return json(json::value_t::discarded);
  }
  return event;
}

webox_status batch_results(webox_instance *self, const webox_call *call, const webox_request *req, webox_sink_fn sink,
                           void *user, webox_result *out) {
  return sdk::guard(&out->error, [&] {
    json request = bounded_json::parse_or_discarded(std::string_view(req->json, req->json_size));
    const std::string id = batch_kit::checked_id(request, self->name);
    batch_kit::ResultReader reader(self->name, sink, user, batch_kit::max_results_of(request));
    sdk::HttpRequest http;
    http.url = self->base_url + "/v1/messages/batches/" + id + "/results";
    http.headers = {"x-api-key: " + kit::api_key(*self, call), std::string("anthropic-version: ") + kApiVersion};
    http.timeout_ms = self->timeout_ms;
    sdk::HttpResponse resp = reader.read_file(
        call, http, [&](const json &l, std::string &why) { return anthropic_result_line(*self, l, why); });
    if (resp.status / 100 != 2) throw_http_error(*self, resp);
    sdk::give(dump(reader.summary()), &out->json);
    return WEBOX_OK;
  });
}

const webox_plugin kDescriptor = kit::batch::with_batch(
    kit::models::with_list_models(
        kit::chat_descriptor(kProviderId, kVersion, create, destroy, describe, chat_complete, chat_stream), list_models),
    batch, batch_results);

} // namespace

WEBOX_DEFINE_ENTRY(kDescriptor)
