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
//   - Go's JSON encoder writes `<`, `>` and `&` as \u003c, \u003e, \u0026;
//     a real JSON parser makes that a non-issue.
#include <webox/plugin.hpp>

#include "plugins/common/provider_kit.hpp"

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


// Ollama wants a plain string per message; text blocks are joined.
json ollama_message(const webox_instance &self, const json &m) {
  const json content = m.value("content", json(""));
  std::string text;
  if (content.is_string()) {
    text = content.get<std::string>();
  } else if (content.is_array()) {
    for (const auto &block : content) text += block.is_string() ? block.get<std::string>() : string_at(block, "text");
  } else if (!content.is_null()) {
    throw sdk::Failure(WEBOX_E_INVALID, self.name + ": message content must be text");
  }
  json out = m; // keep extra fields such as `images`
  out["content"] = text;
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

json build_body(const webox_instance &self, const json &request, bool stream) {
  json body = json::object();
  body["model"] = request["model"];
  body["messages"] = json::array();
  for (const auto &m : request["messages"]) body["messages"].push_back(ollama_message(self, m));
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

struct Answer {
  std::string text;
  std::string model;
  std::string finish_reason;
  Usage usage;
  bool done = false;

  json to_json() const {
    json out = {{"text", text}, {"model", model}};
    if (!finish_reason.empty()) out["finish_reason"] = finish_reason;
    if (usage.known()) out["usage"] = usage.to_json();
    return out;
  }
};

// Reads one answer object (the whole answer, or one NDJSON line) into `a`;
// returns the text it carried.
std::string absorb_object(const webox_instance &self, const json &doc, Answer &a) {
  if (doc.contains("error")) throw_inband_error(self, doc["error"]);
  if (auto model = string_at(doc, "model"); !model.empty()) a.model = model;
  std::string text = string_at(kit::object_at(doc, "message"), "content"); // `thinking` is skipped
  a.text += text;
  if (kit::flag_at(doc, "done")) {
    a.done = true;
    a.finish_reason = string_at(doc, "done_reason");
    a.usage = Usage{count_at(doc, "prompt_eval_count"), count_at(doc, "eval_count")};
  }
  return text;
}

Answer read_complete_response(const webox_instance &self, const sdk::HttpResponse &resp,
                              const std::string &requested_model) {
  const json doc = kit::parse_response(resp.body, self.name);
  if (!doc.is_object())
    throw sdk::Failure(WEBOX_E_UPSTREAM, self.name + ": " + kit::unparsable(resp.body, "the response", "the response is not valid JSON (cut short?)"), resp.status);
  Answer a;
  a.model = requested_model;
  absorb_object(self, doc, a);
  return a;
}

class StreamReader {
public:
  StreamReader(const webox_instance &self, webox_sink_fn sink, void *user, std::string requested_model)
      : m_self(self), m_sink(sink), m_user(user) {
    m_answer.model = std::move(requested_model);
  }

  void on_data(std::string_view line) {
    const json doc = kit::parse_response(line, m_self.name);
    if (!doc.is_object())
      throw sdk::Failure(WEBOX_E_UPSTREAM, m_self.name + ": " + kit::unparsable(line, "a stream line", "unparsable stream line"));
    ++m_events;
    std::string piece = absorb_object(m_self, doc, m_answer);
    if (!piece.empty()) sdk::emit(m_sink, m_user, dump(json{{"type", "delta"}, {"text", piece}}));
  }

  bool started() const { return m_events > 0; }

  Answer finish() {
    if (!m_answer.done)
      throw sdk::Failure(WEBOX_E_UPSTREAM, m_self.name + ": stream ended before done:true (the answer was cut)");
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
    sdk::HttpResponse resp;
    try {
      resp = sdk::http(call, http);
    } catch (const sdk::Failure &f) {
      throw explain_transport_failure(*self, f, false);
    }
    if (resp.status / 100 != 2) throw_http_error(*self, resp);
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

const webox_plugin kDescriptor =
    kit::chat_descriptor(kProviderId, kVersion, create, destroy, describe, chat_complete, chat_stream);

} // namespace

WEBOX_DEFINE_ENTRY(kDescriptor)
