// ollama.cpp: a local (or LAN) Ollama server's native chat API.
//
// THE PROTOCOL. `POST {host}/api/chat` with `{"model", "messages":[{"role",
// "content"}], "stream": true|false, "options":{...}}` and no key: Ollama
// trusts whoever can reach it. The answer objects all look alike:
// `message.content` is text, `done` says whether this is the last one, and
// the last one carries `done_reason`, `prompt_eval_count` (input tokens) and
// `eval_count` (output tokens).
//   - `"stream": false`: one JSON object (with no trailing newline).
//   - `"stream": true`: NDJSON, one compact object per line, each a piece of
//     the answer, the last with `"done": true`.
//
// THE STEPS. Normalize the server address; build the body with sampling
// options under `options` (Ollama's own names, `num_predict` for the token
// limit); POST through the host with NDJSON framing (one line per call);
// read each line for an error, text and the final counts; require `done`.
//
// WHAT IS SURPRISING.
//   - Streaming is the server's DEFAULT: leaving `stream` out of the body
//     gives NDJSON even to a caller that wanted one object. So `stream` is
//     always written, true or false.
//   - OLLAMA_HOST is the variable the server itself binds to, so users set
//     it the server's way: a bare `host:port`, even a bare host, with no
//     scheme. Ollama's own client then assumes http and port 11434; so does
//     this plugin.
//   - Sampling options do not live at the top of the body but under
//     `options`, with llama.cpp names (`num_predict`, `num_ctx`, `top_k`);
//     only a few request fields (`format`, `keep_alive`, `think`, `tools`)
//     are top level.
//   - Errors are a bare `{"error":"..."}` object, before the stream (with an
//     HTTP status: 404 for a model that was never pulled) or as a line inside
//     a 200 stream. Both are failures.
//   - Tools are OpenAI-like (`{type:"function", function:{name,
//     description, parameters}}`), but a call's `arguments` is a JSON
//     OBJECT, not a string, and a call comes whole in one NDJSON line (the
//     model's text before it streams as usual). Older servers give calls no
//     id: webox makes one. The answer still ends with done_reason "stop".
//     A result goes back as `role: tool` with `tool_name`. There is no
//     tool_choice: "none" sends no tools, the others are the model's call.
//   - Go's JSON encoder writes `<`, `>` and `&` as \u003c, \u003e, \u0026;
//     a real JSON parser makes that a non-issue.
#include <webox/plugin.hpp>

#include "plugins/common/embed_kit.hpp"
#include "plugins/common/models_kit.hpp"
#include "plugins/common/content_kit.hpp"
#include "plugins/common/provider_kit.hpp"
#include "ollama_embed.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

using nlohmann::json;
namespace sdk = webox::sdk;

constexpr const char *kProviderId = WEBOX_PROVIDER_ID;
constexpr const char *kDefaultBaseUrl = WEBOX_PROVIDER_DEFAULT_BASE_URL;
constexpr const char *kDefaultPort = "11434";
// webox_add_plugin() reads these from plugin.json, so the descriptor, describe
// and the manifest agree.
constexpr const char *kVersion = WEBOX_PROVIDER_VERSION;
constexpr std::string_view kKnownModels = WEBOX_PROVIDER_MODELS; // comma-separated

} // namespace

// base_url is scheme://host:port; key_var is usually empty (set for an
// Ollama behind an auth proxy).
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

// ---- Errors ------------------------------------------------------------------------

webox_status status_class(int http_status) {
  if (http_status == 401 || http_status == 403) return WEBOX_E_AUTH; // an auth proxy in front
  if (http_status == 429) return WEBOX_E_RATE_LIMITED;
  if (http_status == 400 || http_status == 404 || http_status == 413 || http_status == 422)
    return WEBOX_E_INVALID; // 404: the model was never pulled
  return WEBOX_E_UPSTREAM;
}

[[noreturn]] void throw_http_error(const webox_instance &self, const sdk::HttpResponse &resp) {
  const std::string prefix = self.name + ": ";
  const std::string status = std::to_string(resp.status);
  if (looks_like_html(resp))
    throw sdk::Failure(WEBOX_E_UPSTREAM, prefix + "HTTP " + status + " (HTML error page from the server)",
                       resp.status);
  const bounded_json::Parsed body = bounded_json::parse(resp.body);
  std::string said = string_at(body.value, "error");
  if (said.empty()) said = kit::unparsed_body(body, resp.body);
  std::string message = prefix + status + ": " + said;
  if (resp.status == 404 && said.find("not found") != std::string::npos)
    message += " (try 'ollama pull <model>')";
  throw sdk::Failure(status_class(resp.status), message, resp.status);
}

[[noreturn]] void throw_inband_error(const webox_instance &self, const json &error) {
  std::string said = error.is_string() ? error.get<std::string>() : dump(error);
  throw sdk::Failure(WEBOX_E_UPSTREAM, self.name + ": stream error: " + said);
}

// ---- Instance configuration ----------------------------------------------------

// OLLAMA_HOST as the server reads it: `host`, `host:port`, `[::1]:port`, or a
// full URL. No scheme means http; no port (without a scheme) means 11434.
std::string normalized_base_url(std::string raw) {
  while (!raw.empty() && (raw.back() == '/' || raw.back() == ' ')) raw.pop_back();
  while (!raw.empty() && raw.front() == ' ') raw.erase(0, 1);
  if (raw.empty()) return kDefaultBaseUrl;
  if (raw.find("://") != std::string::npos) return raw;
  const size_t path = raw.find('/');
  const std::string authority = raw.substr(0, path);
  const size_t bracket = authority.rfind(']');
  const size_t colon = authority.rfind(':');
  const bool has_port = colon != std::string::npos && (bracket == std::string::npos || colon > bracket);
  std::string url = "http://" + authority + (has_port ? "" : std::string(":") + kDefaultPort);
  if (path != std::string::npos) url += raw.substr(path);
  return url;
}

webox_instance *make_instance(std::string_view config_text) {
  auto instance = std::make_unique<webox_instance>();
  kit::read_instance_config(config_text, kProviderId, kDefaultBaseUrl, "", *instance);
  // Not the URL as given: OLLAMA_HOST may be a bare host or host:port.
  json config = parse_or_discarded(config_text);
  instance->base_url = normalized_base_url(string_at(config, "base_url"));
  return instance.release();
}

// ---- Building the request ----------------------------------------------------------


// An assistant turn that called tools, with arguments as objects.
json assistant_with_calls(const json &message, const json &calls) {
  json out = {{"role", "assistant"}, {"content", tools::content_text(message.value("content", json()))}};
  out["tool_calls"] = json::array();
  for (const auto &call : calls)
    out["tool_calls"].push_back(
        {{"function", {{"name", string_at(call, "name")}, {"arguments", tools::arguments_object(call)}}}});
  return out;
}

// A tool result names its tool; the call it answers does when the message
// does not.
json tool_result(const json &message, const json &calls_by_id) {
  std::string name = string_at(message, "name");
  if (name.empty() && calls_by_id.is_object())
    name = string_at(calls_by_id.value(string_at(message, "tool_call_id"), json::object()), "name");
  return {{"role", "tool"}, {"content", tools::content_text(message.value("content", json()))}, {"tool_name", name}};
}

// Ollama wants a plain string per message; text blocks are joined, and
// image parts (ABI 1.4) go to the message's `images`, base64 without a
// media type (Ollama sniffs it).
json ollama_message(const webox_instance &self, const json &m) {
  const json content = m.value("content", json(""));
  std::string text;
  json images = json::array();
  if (content.is_string()) {
    text = content.get<std::string>();
  } else if (content.is_array()) {
    for (const auto &block : content) {
      if (content::is_image(block)) images.push_back(content::data(block));
      else text += block.is_string() ? block.get<std::string>() : string_at(block, "text");
    }
  } else if (!content.is_null()) {
    throw sdk::Failure(WEBOX_E_INVALID, self.name + ": message content must be text");
  }
  json out = m; // keep extra fields such as `images`
  out["content"] = text;
  if (!images.empty()) out["images"] = std::move(images);
  return out;
}

bool is_top_level_field(const std::string &key) {
  return key == "format" || key == "keep_alive" || key == "think" || key == "tools";
}

void merge_options(const webox_instance &self, const json &options, json &body) {
  if (!options.is_object()) return;
  json &sampling = body["options"];
  for (const auto &[key, value] : options.items()) {
    if (key == "model" || key == "messages" || key == "stream")
      throw sdk::Failure(WEBOX_E_INVALID, self.name + ": option '" + key + "' is set by webox itself");
    if (key == "options" && value.is_object()) {
      sampling.update(value);
      continue;
    }
    std::string name = key == "max_tokens" ? "num_predict" : key; // webox's name → Ollama's
    json &target = is_top_level_field(name) ? body : sampling;
    if (value.is_null())
      target.erase(name);
    else
      target[name] = value;
  }
}

json wire_messages(const webox_instance &self, const json &messages) {
  json out = json::array();
  json calls_by_id = json::object();
  for (const auto &m : messages) {
    if (tools::is_tool_result(m)) {
      out.push_back(tool_result(m, calls_by_id));
      continue;
    }
    const json calls = string_at(m, "role") == "assistant" ? tools::calls_of(m, self.name) : json::array();
    for (const auto &call : calls) calls_by_id[string_at(call, "id")] = call;
    out.push_back(calls.empty() ? ollama_message(self, m) : assistant_with_calls(m, calls));
  }
  return out;
}

void place_tools(const webox_instance &self, const json &request, json &body) {
  const tools::Offer offer = tools::read_offer(request, self.name);
  if (offer.tools.empty() || offer.choice.kind == tools::Choice::none) return;
  body["tools"] = tools::tool_list(offer.tools, tools::function_tool);
}

json build_body(const webox_instance &self, const json &request, bool stream) {
  json body = json::object();
  body["model"] = request["model"];
  body["messages"] = wire_messages(self, request["messages"]);
  place_tools(self, request, body);
  body["stream"] = stream; // always explicit: the server streams when it is absent
  body["options"] = json::object();
  merge_options(self, self.default_options, body);
  merge_options(self, request.value("options", json::object()), body);
  if (body["options"].empty()) body.erase("options");
  return body;
}

// Ollama itself has no keys; an instance configured with api_key_name (an
// Ollama behind an authenticating proxy) sends it as a bearer token.
std::vector<std::string> auth_headers(const webox_instance &self, const webox_call *call) {
  if (self.key_var.empty()) return {};
  auto key = sdk::secret(call, self.key_var);
  if (!key || key->empty()) return {};
  return {"Authorization: Bearer " + *key};
}

sdk::HttpRequest build_http_request(const webox_instance &self, const webox_call *call, const json &body,
                                    bool stream) {
  sdk::HttpRequest r;
  r.url = self.base_url + "/api/chat";
  r.headers = auth_headers(self, call);
  r.headers.push_back("Content-Type: application/json");
  r.headers.push_back(stream ? "Accept: application/x-ndjson" : "Accept: application/json");
  r.body = dump(body);
  r.framing = stream ? WEBOX_HTTP_NDJSON : WEBOX_HTTP_RAW;
  r.timeout_ms = self.timeout_ms;
  return r;
}

// ---- Reading the answer ------------------------------------------------------------

struct Answer : kit::ChatAnswer {
  bool done = false;
};

// Reads one answer object (the whole answer, or one NDJSON line) into `a`
// and `calls`; returns the text it carried.
std::string absorb_object(const webox_instance &self, const json &doc, Answer &a, tools::Calls &calls,
                          const json &messages) {
  if (doc.contains("error")) throw_inband_error(self, doc["error"]);
  if (auto model = string_at(doc, "model"); !model.empty()) a.model = model;
  const json message = kit::object_at(doc, "message");
  std::string text = string_at(message, "content"); // `thinking` is skipped
  a.text += text;
  if (const json *list = webox::json_fields::member(message, "tool_calls"); list && list->is_array())
    for (const auto &c : *list) {
      const json function = kit::object_at(c, "function");
      std::string id = string_at(c, "id");
      if (id.empty()) id = tools::synthesised_id(messages, calls.size());
      calls.add(tools::call_from_value(id, string_at(function, "name"), function.value("arguments", json()),
                                       json::object(), self.name));
    }
  if (kit::flag_at(doc, "done")) {
    a.done = true;
    a.finish_reason = string_at(doc, "done_reason");
    a.usage = Usage{count_at(doc, "prompt_eval_count"), count_at(doc, "eval_count")};
  }
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
  absorb_object(self, doc, a, calls, messages);
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

  void on_data(std::string_view line) {
    const json doc = kit::parse_response(line, m_self.name);
    if (!doc.is_object())
      throw sdk::Failure(WEBOX_E_UPSTREAM, m_self.name + ": " + kit::unparsable(line, "a stream line", "unparsable stream line"));
    ++m_events;
    std::string piece = absorb_object(m_self, doc, m_answer, m_calls, m_messages);
    if (!piece.empty()) sdk::emit(m_sink, m_user, dump(json{{"type", "delta"}, {"text", piece}}));
  }

  bool started() const { return m_events > 0; }

  Answer finish() {
    if (!m_answer.done)
      throw sdk::Failure(WEBOX_E_UPSTREAM, m_self.name + ": stream ended before done:true (the answer was cut)");
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

// "could not reach http://127.0.0.1:11434/api/chat" most often means the
// server is not running: say so.
sdk::Failure explain_transport_failure(const webox_instance &self, const sdk::Failure &f, bool started) {
  sdk::Failure named = sdk::explain_transport_failure(self.name, f, started);
  if (started || f.status != WEBOX_E_NETWORK) return named;
  return sdk::Failure(f.status, named.message + " (is 'ollama serve' running? OLLAMA_HOST sets its address)");
}

// ---- Operations ---------------------------------------------------------------------

webox_status chat_complete(webox_instance *self, const webox_call *call, const webox_request *req,
                           webox_result *out) {
  return sdk::guard(&out->error, [&] {
    const json request = kit::parse_chat_request(req);
    const sdk::HttpRequest http = build_http_request(*self, call, build_body(*self, request, false), false);
    const sdk::HttpResponse resp = kit::whole_answer(
        call, http, [&](const sdk::Failure &f, bool started) { return explain_transport_failure(*self, f, started); },
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
        call, http, reader, [&](const sdk::Failure &f, bool started) { return explain_transport_failure(*self, f, started); },
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

// Embeddings: ollama_embed.cpp.
webox_status embed(webox_instance *self, const webox_call *call, const webox_request *req, webox_result *out) {
  return webox::ollama::embed(*self, [&] { return auth_headers(*self, call); }, call, req, out);
}

// The models pulled on this server: `GET {host}/api/tags` (one page). Their
// names carry the tag ("llama3.2:latest"), as /api/chat takes them.
webox_status list_models(webox_instance *self, const webox_call *call, const webox_request *req, webox_result *out) {
  return sdk::guard(&out->error, [&] {
    kit::models::Collector models(req);
    const sdk::HttpResponse resp = kit::whole_answer(
        call, kit::models::get_request(self->base_url + "/api/tags", auth_headers(*self, call), self->timeout_ms),
        [&](const sdk::Failure &f, bool started) { return explain_transport_failure(*self, f, started); },
        [&](const sdk::HttpResponse &r) { throw_http_error(*self, r); });
    const json doc = kit::models::page_object(resp.body, self->name);
    if (const json *list = webox::json_fields::member(doc, "models"); list && list->is_array())
      for (const auto &item : *list) {
        kit::models::ModelInfo m;
        m.id = string_at(item, "name");
        if (m.id.empty()) m.id = string_at(item, "model");
        if (!models.add(std::move(m))) break;
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
