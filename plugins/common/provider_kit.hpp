// provider_kit.hpp: what every in-tree AI provider plugin needs besides its
// protocol: reading the instance configuration the host resolved, the key,
// the chat request, tolerant JSON helpers, error-body heuristics and the
// describe document. Header-only and compiled into each plugin; NOT part of
// the ABI or of the SDK that out-of-tree authors get (that is plugin.hpp).
#ifndef WEBOX_PROVIDER_KIT_HPP
#define WEBOX_PROVIDER_KIT_HPP

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>
#include <webox/plugin.hpp>

#include "plugins/common/json_fields.hpp"
#include "plugins/common/shared/bounded_json.hpp"
#include "plugins/common/tool_kit.hpp"

namespace webox::kit {

using nlohmann::json;

// ---- Tolerant JSON -------------------------------------------------------------

// Never throws on invalid UTF-8 coming from a server: it is replaced.
inline std::string dump(const json &j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

// Tolerant field readers (see json_fields.hpp): a field of the wrong type
// is treated as absent instead of throwing an "internal error".
using json_fields::flag_at;
using json_fields::object_at;
using json_fields::string_at;
inline std::optional<int64_t> count_at(const json &j, const char *key) { return json_fields::integer_at(j, key); }

// Discarded when the text is not JSON or nests deeper than
// bounded_json::kMaxDepth (see bounded_json.hpp): never throws, so it is safe
// in the noexcept retry policies.
inline json parse_or_discarded(std::string_view text) { return bounded_json::parse_or_discarded(text); }

// A server's body or stream event: discarded when it is not JSON (the caller
// says what it expected), a failure naming the reason when it nests too deep.
inline json parse_response(std::string_view text, const std::string &who) {
  bounded_json::Parsed parsed = bounded_json::parse(text);
  if (parsed.too_deep) throw sdk::Failure(WEBOX_E_UPSTREAM, who + ": response " + bounded_json::too_deep_text());
  return std::move(parsed.value);
}

// The start of an unexpected body, on one line, for an error message.
inline std::string snippet(std::string_view text, size_t limit = 200);

// What to say about an error body that did not parse: its start, or that it
// nests too deep (its start would be a wall of brackets).
inline std::string unparsed_body(const bounded_json::Parsed &parsed, std::string_view body) {
  if (body.empty()) return "empty body";
  return parsed.too_deep ? "response " + bounded_json::too_deep_text() : snippet(body);
}

inline std::string snippet(std::string_view text, size_t limit) {
  std::string out;
  for (char c : text) {
    const bool space = c == ' ' || c == '\n' || c == '\r' || c == '\t';
    if (space && (out.empty() || out.back() == ' ')) continue; // collapse pretty-printing
    out += space ? ' ' : c;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  if (out.size() <= limit) return out;
  // Cut on a character boundary: half a UTF-8 sequence would make the error
  // JSON invalid, and the host would lose the whole message.
  while (limit > 0 && (static_cast<unsigned char>(out[limit]) & 0xC0) == 0x80) --limit;
  return out.substr(0, limit) + "...";
}

// Why `text`, a body or stream event the server sent, did not parse as JSON.
// nlohmann refuses invalid UTF-8, and the snippet would look like fine JSON:
// that case is named. Otherwise `otherwise` + ": " + the snippet.
inline std::string unparsable(std::string_view text, const std::string &where, const std::string &otherwise) {
  if (auto at = sdk::invalid_utf8_at(text))
    return "the provider sent invalid UTF-8 in " + where + " (at byte " + std::to_string(*at) + ")";
  return otherwise + ": " + snippet(text);
}

// ---- Token counts ------------------------------------------------------------------

struct Usage {
  std::optional<int64_t> input;
  std::optional<int64_t> output;

  bool known() const { return input || output; }
  json to_json() const {
    json u = json::object();
    if (input) u["input_tokens"] = *input;
    if (output) u["output_tokens"] = *output;
    return u;
  }
};

// The `usage` event a streamed answer ends with, when the provider counted.
inline void emit_usage(webox_sink_fn sink, void *user, const Usage &usage) {
  if (!usage.known()) return;
  json event = usage.to_json();
  event["type"] = "usage";
  sdk::emit(sink, user, dump(event));
}

// ---- The answer ----------------------------------------------------------------------

// What every chat plugin hands back as result.json. `finish_reason` is
// "tool_calls" whenever the model called a tool: providers say "stop"
// (Gemini, Ollama, some OpenAI-compatible servers) or "tool_use".
struct ChatAnswer {
  std::string text;
  std::string model;
  std::string finish_reason; // normalized; empty when the provider said nothing
  Usage usage;
  json tool_calls = json::array();

  json to_json() const {
    json out = {{"text", text}, {"model", model}};
    if (!tool_calls.empty()) {
      out["tool_calls"] = tool_calls;
      out["finish_reason"] = "tool_calls";
    } else if (!finish_reason.empty()) {
      out["finish_reason"] = finish_reason;
    }
    if (usage.known()) out["usage"] = usage.to_json();
    return out;
  }
};

// ---- Error bodies ------------------------------------------------------------------

// A gateway's HTML page (502/504 from nginx or a CDN) instead of the API's JSON.
inline bool looks_like_html(const sdk::HttpResponse &resp) {
  if (resp.header("content-type").find("text/html") != std::string::npos) return true;
  std::string_view b = resp.body;
  while (!b.empty() && (b.front() == ' ' || b.front() == '\n' || b.front() == '\r' || b.front() == '\t'))
    b.remove_prefix(1);
  return !b.empty() && b.front() == '<';
}

// `retry-after-ms` (OpenAI) or `retry-after` in seconds; -1 when absent, an
// HTTP date (the host reads those) or not a sane number.
inline long long retry_after_ms(const sdk::HttpResponse &resp) { return sdk::retry_after_header_ms(resp); }

// ---- The instance -------------------------------------------------------------------

// The settings the host resolved for one instance (see docs/ARCHITECTURE.md,
// "Instance configuration"). A plugin's webox_instance derives from it.
struct InstanceConfig {
  std::string name;     // how the user named it ("openai", or a configured alias)
  std::string base_url; // no trailing slash
  std::string key_var;  // the secret to ask the host for ("" = none needed)
  int32_t timeout_ms = 0;
  json default_options = json::object();
};

inline std::string without_trailing_slash(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

// Fills `out` from the create() document, with the plugin's defaults.
inline void read_instance_config(std::string_view config_text, const std::string &provider_id,
                                 const std::string &default_base_url, const std::string &default_key_var,
                                 InstanceConfig &out) {
  json config = parse_or_discarded(config_text);
  if (!config.is_object())
    throw sdk::Failure(WEBOX_E_INVALID, provider_id + ": instance configuration is not a JSON object");
  out.name = string_at(config, "instance");
  if (out.name.empty()) out.name = provider_id;
  out.base_url = string_at(config, "base_url");
  if (out.base_url.empty()) out.base_url = default_base_url;
  out.base_url = without_trailing_slash(out.base_url);
  out.key_var = string_at(config, "api_key_name");
  if (out.key_var.empty()) out.key_var = default_key_var;
  if (auto t = count_at(config, "timeout_ms")) out.timeout_ms = static_cast<int32_t>(*t);
  if (config.contains("options") && config["options"].is_object()) out.default_options = config["options"];
}

// The instance's key, or the AUTH failure telling the user how to give one.
inline std::string api_key(const InstanceConfig &self, const webox_call *call) {
  auto key = sdk::secret(call, self.key_var);
  if (!key || key->empty())
    throw sdk::Failure(WEBOX_E_AUTH,
                       self.name + ": no API key: set " + self.key_var + " or run 'webox keys set " + self.name + "'");
  return *key;
}

// ---- The chat request ---------------------------------------------------------------

inline json parse_chat_request(const webox_request *req) {
  json request = parse_or_discarded(std::string_view(req->json, req->json_size));
  if (!request.is_object()) throw sdk::Failure(WEBOX_E_INVALID, "the chat request is not a JSON object");
  if (string_at(request, "model").empty()) throw sdk::Failure(WEBOX_E_INVALID, "the chat request names no model");
  const json &messages = request.value("messages", json());
  if (!messages.is_array() || messages.empty()) throw sdk::Failure(WEBOX_E_INVALID, "the chat request has no messages");
  return request;
}

// ---- Operations ------------------------------------------------------------------------

// Sends a request for a whole answer. A transport failure goes through
// `explain(failure, false)`; a non-2xx answer to `on_http_error`, which
// throws. Returns the 2xx response.
template <class Explain, class OnHttpError>
sdk::HttpResponse whole_answer(const webox_call *call, const sdk::HttpRequest &http, const Explain &explain,
                               const OnHttpError &on_http_error) {
  sdk::HttpResponse resp;
  try {
    resp = sdk::http(call, http);
  } catch (const sdk::Failure &f) {
    throw explain(f, false);
  }
  if (resp.status / 100 != 2) on_http_error(resp);
  return resp;
}

// Sends a streamed request and feeds each framed unit to `reader` (which has
// on_data(string_view), started() and finish()). A transport failure goes
// through `explain(failure, started)`; a non-2xx answer to `on_http_error`,
// which throws. Returns the finished answer's document.
template <class Reader, class Explain, class OnHttpError>
json stream_answer(const webox_call *call, const sdk::HttpRequest &http, Reader &reader, const Explain &explain,
                   const OnHttpError &on_http_error) {
  sdk::HttpResponse resp;
  try {
    resp = sdk::http_stream(call, http, [&](std::string_view unit) {
      reader.on_data(unit);
      return true;
    });
  } catch (const sdk::Failure &f) {
    throw explain(f, reader.started());
  }
  if (resp.status / 100 != 2) on_http_error(resp);
  return reader.finish().to_json(); // a ChatAnswer
}

// The `create` slot for an instance built by `make` from the config text.
template <class Instance>
webox_status create_instance(const char *config_json, size_t config_size, Instance **out, webox_buf *error,
                             Instance *(*make)(std::string_view)) {
  return sdk::guard(error, [&] {
    *out = make(std::string_view(config_json ? config_json : "", config_json ? config_size : 0));
    return WEBOX_OK;
  });
}

// The vision bit (ABI 1.4) when the plugin's manifest declares it: images
// are a matter of the provider's models, not of the code shared here.
#ifdef WEBOX_PLUGIN_CAPABILITIES
inline constexpr uint64_t kManifestVision = (WEBOX_PLUGIN_CAPABILITIES) & WEBOX_CAP_VISION;
#else
inline constexpr uint64_t kManifestVision = 0;
#endif

// The descriptor of a chat provider (chat and chat-stream with tool calls,
// images when the manifest says so, nothing else).
constexpr webox_plugin chat_descriptor(const char *id, const char *version,
                                       decltype(webox_plugin::create) create, decltype(webox_plugin::destroy) destroy,
                                       decltype(webox_plugin::describe) describe, webox_op_fn chat,
                                       webox_stream_op_fn chat_stream) {
  webox_plugin d{};
  d.struct_size = sizeof(webox_plugin);
  d.abi_major = WEBOX_ABI_MAJOR;
  d.min_host_minor = 0;
  d.id = id;
  d.version = version;
  d.capabilities = WEBOX_CAP_CHAT | WEBOX_CAP_CHAT_STREAM | WEBOX_CAP_TOOLS | kManifestVision;
  d.create = create;
  d.destroy = destroy;
  d.describe = describe;
  d.chat = chat;
  d.chat_stream = chat_stream;
  return d;
}

// ---- describe -------------------------------------------------------------------------

// "a,b,c" (a manifest's model list as CMake hands it over) as a JSON array.
inline json model_list(std::string_view csv) {
  json models = json::array();
  while (!csv.empty()) {
    size_t comma = csv.find(',');
    if (comma != 0) models.push_back(std::string(csv.substr(0, comma)));
    if (comma == std::string_view::npos) break;
    csv.remove_prefix(comma + 1);
  }
  return models;
}

inline webox_status describe_chat_provider(std::string_view models_csv, const std::string &base_url,
                                           webox_buf *out_json) {
  return sdk::guard(nullptr, [&] {
    json doc = {{"models", model_list(models_csv)}, {"capabilities", {"chat", "chat-stream", "tools"}}, {"base_url", base_url}};
    if (kManifestVision) doc["capabilities"].push_back("vision");
    sdk::give(dump(doc), out_json);
    return WEBOX_OK;
  });
}

} // namespace webox::kit

#endif // WEBOX_PROVIDER_KIT_HPP
