#include "lib/plugin/provider.hpp"

#include "lib/core/cancel.hpp"
#include "lib/core/logging.hpp"
#include "lib/core/paths.hpp"
#include "lib/plugin/host_api.hpp"
#include "lib/plugin/operation.hpp"
#include "lib/plugin/registry.hpp"
#include "lib/core/json_limits.hpp"

namespace webox::plugin {
namespace {

using detail::BufGuard;
using detail::Exchange;
using detail::ResultGuard;

const char *status_name(webox_status s) {
  switch (s) {
    case WEBOX_E_INVALID: return "invalid request";
    case WEBOX_E_UNSUPPORTED: return "unsupported";
    case WEBOX_E_AUTH: return "authentication failed";
    case WEBOX_E_RATE_LIMITED: return "rate limited";
    case WEBOX_E_NETWORK: return "network error";
    case WEBOX_E_TIMEOUT: return "timed out";
    case WEBOX_E_CANCELLED: return "cancelled";
    case WEBOX_E_UPSTREAM: return "the service failed";
    case WEBOX_E_QUOTA: return "quota exhausted";
    default: return "internal error";
  }
}

} // namespace

ProviderError::ProviderError(webox_status status, const std::string &message, nlohmann::json detail)
    : Error(message, detail.is_object() && detail.value("permanent", false)
                         ? ExitCode::config
                         : exit_code_for(status, detail.is_object() ? detail.value("http_status", 0) : 0)),
      m_status(status), m_detail(std::move(detail)) {}

int ProviderError::http_status() const { return m_detail.is_object() ? m_detail.value("http_status", 0) : 0; }

ExitCode exit_code_for(webox_status status, int http_status) {
  switch (status) {
    case WEBOX_OK: return ExitCode::ok;
    case WEBOX_E_AUTH: return ExitCode::config;
    case WEBOX_E_QUOTA: return ExitCode::quota;
    case WEBOX_E_RATE_LIMITED:
    case WEBOX_E_NETWORK:
    case WEBOX_E_TIMEOUT: return ExitCode::temporary;
    case WEBOX_E_UPSTREAM: return http_status >= 500 ? ExitCode::temporary : ExitCode::failure;
    case WEBOX_E_INVALID:
    case WEBOX_E_UNSUPPORTED: return ExitCode::usage;
    case WEBOX_E_CANCELLED: return cancel::requested() ? ExitCode::interrupted : ExitCode::failure;
    default: return ExitCode::failure;
  }
}

// A malformed base URL is a setting to fix (exit 4), said before any request:
// sent, it would fail as a network error (exit 75) that a cron job retries
// forever. A bare host[:port] (OLLAMA_HOST's form, which that plugin
// completes) is checked with the http:// it gets.
static void check_base_url(const std::string &base_url, const std::string &source) {
  if (base_url.empty()) return; // a plugin without a server
  std::string url = base_url.find("://") == std::string::npos ? "http://" + base_url : base_url;
  if (auto problem = net::url_problem(url))
    throw Error("invalid base URL '" + base_url + "' from " + source + ": " + *problem, ExitCode::config);
}

ProviderBinding bind_provider(Registry &registry, const Config &config, const std::string &instance) {
  ProviderSettings settings;
  if (auto it = config.providers.find(instance); it != config.providers.end()) settings = it->second;
  std::string plugin_id = settings.plugin.empty() ? instance : settings.plugin;

  ProviderBinding b;
  b.instance = instance;
  b.plugin = &registry.load(plugin_id);
  const Manifest &m = b.plugin->manifest;

  std::string base_url = m.default_base_url;
  std::string source = "the plugin's default base URL";
  if (!settings.base_url.empty()) {
    base_url = settings.base_url;
    source = "providers." + instance + ".base_url in " + config.source.string();
  }
  // OPENAI_BASE_URL is about the openai provider, not about a configured
  // server that merely speaks the same protocol.
  if (instance == plugin_id && !m.base_url_env.empty()) {
    std::string from_env = paths::env(m.base_url_env.c_str());
    if (!from_env.empty()) {
      base_url = from_env;
      source = m.base_url_env;
    }
  }
  while (base_url.size() > 1 && base_url.back() == '/') base_url.pop_back();
  check_base_url(base_url, source);

  b.config = {
      {"instance", instance},
      {"base_url", base_url},
      {"api_key_name", settings.api_key_env.empty() ? m.primary_secret() : settings.api_key_env},
      {"timeout_ms", config.http.read_timeout_ms.value_or(0)},
      {"options", parse_json_or_discarded(settings.options_json)},
  };
  if (b.config["options"].is_discarded()) b.config["options"] = nlohmann::json::object();
  return b;
}

Provider::Provider(ProviderBinding binding) : m_binding(std::move(binding)) {
  std::string cfg = m_binding.config.dump();
  webox_buf error{};
  BufGuard error_guard{error};
  webox_status s = m_binding.plugin->descriptor->create(cfg.data(), cfg.size(), &m_instance, &error);
  if (s != WEBOX_OK || !m_instance) {
    auto detail = parse_json_or_discarded(error_guard.text());
    std::string msg = detail.is_object() ? detail.value("message", "") : "";
    m_instance = nullptr;
    throw ProviderError(s == WEBOX_OK ? WEBOX_E_INTERNAL : s,
                        m_binding.instance + ": cannot start: " + (msg.empty() ? status_name(s) : msg),
                        detail.is_discarded() ? nlohmann::json() : detail);
  }
}

Provider::~Provider() {
  if (m_instance) m_binding.plugin->descriptor->destroy(m_instance);
}

bool Provider::can(uint64_t capability) const { return (m_binding.plugin->descriptor->capabilities & capability) != 0; }

nlohmann::json Provider::finish(webox_status status, webox_result &result, const char *operation, const CallScope &scope) {
  ResultGuard guard{result};
  if (status == WEBOX_OK) {
    auto doc = parse_json_or_discarded(guard.json.text());
    if (doc.is_discarded())
      throw ProviderError(WEBOX_E_INTERNAL, m_binding.instance + ": " + operation + " returned invalid JSON", {});
    return doc;
  }
  auto detail = parse_json_or_discarded(guard.error.text());
  // A plugin that quoted a server's invalid UTF-8 verbatim sends a detail
  // nlohmann refuses: say so rather than a bare "the service failed".
  const bool unreadable = detail.is_discarded() && !guard.error.text().empty();
  if (detail.is_discarded()) detail = nlohmann::json::object();
  std::string message = detail.is_object() ? detail.value("message", "") : "";
  if (message.empty()) message = std::string(status_name(status));
  if (unreadable) message += " (its error report was not valid JSON, e.g. invalid UTF-8 from the provider)";
  // The plugin says the key is missing; the store holding it was refused.
  if (status == WEBOX_E_AUTH) {
    std::string store_failure = scope.secret_failure();
    if (!store_failure.empty()) message = store_failure;
  }
  // A platform the user signs in to with `webox auth login`: a missing,
  // expired or revoked token is fixed by signing in again, so say how.
  if (status == WEBOX_E_AUTH && can(WEBOX_CAP_AUTH) && message.find("webox auth login") == std::string::npos)
    message += " (run: webox auth login " + manifest().id + ")";
  // Plugins are asked to name themselves; make sure the user sees who failed.
  if (message.rfind(m_binding.instance + ":", 0) != 0 && message.rfind(manifest().id + ":", 0) != 0)
    message = m_binding.instance + ": " + message;
  // The host's reason for refusing or abandoning a request is more exact
  // than the plugin's guess ("the connection dropped" for a body over the
  // size limit, "the stream went silent" for the overall deadline).
  if (status == WEBOX_E_NETWORK || status == WEBOX_E_TIMEOUT)
    if (auto reason = scope.host_reason()) message = m_binding.instance + ": " + *reason;
  if (status == WEBOX_E_NETWORK && scope.saw_permanent_refusal() && detail.is_object()) detail["permanent"] = true;
  // Retry-After as an HTTP date, which plugins do not read, still sets how
  // long a rate-limited model cools down.
  if (detail.is_object() && !detail.contains("retry_after_ms"))
    if (auto wait = scope.server_wait_ms(); wait && *wait > 0) detail["retry_after_ms"] = *wait;
  throw ProviderError(status, message, detail);
}

nlohmann::json Provider::describe() {
  webox_buf out{};
  BufGuard guard{out};
  webox_status s = m_binding.plugin->descriptor->describe ? m_binding.plugin->descriptor->describe(m_instance, &out)
                                                          : WEBOX_E_UNSUPPORTED;
  if (s != WEBOX_OK) return nlohmann::json::object();
  auto doc = parse_json_or_discarded(guard.text());
  return doc.is_discarded() ? nlohmann::json::object() : doc;
}

namespace {

// An assistant message with tool calls, or a tool's result (ABI 1.3).
bool holds_tool_messages(const nlohmann::json &request) {
  auto messages = request.find("messages");
  if (messages == request.end() || !messages->is_array()) return false;
  for (const auto &m : *messages) {
    if (!m.is_object()) continue;
    if (m.value("role", "") == "tool") return true;
    if (auto calls = m.find("tool_calls"); calls != m.end() && calls->is_array() && !calls->empty()) return true;
  }
  return false;
}

} // namespace

void Provider::check_tools_supported(const nlohmann::json &request) const {
  if (supports_tools()) return;
  // A conversation that used tools (chat -c) holds messages a plugin before
  // ABI 1.3 cannot translate: it would fail on them, or drop them and let
  // the model answer without what its tools did.
  if (holds_tool_messages(request))
    throw ProviderError(WEBOX_E_UNSUPPORTED,
                        m_binding.instance + " cannot continue this conversation: it holds tool calls and their "
                            "results, and its plugin '" + manifest().id +
                            "' does not declare the 'tools' capability; continue it with a model that can call "
                            "tools, or start a new conversation",
                        {});
  auto tools = request.find("tools");
  if (tools == request.end() || tools->is_null() || (tools->is_array() && tools->empty())) return;
  // Sent anyway, an older plugin would pass the field through or drop it,
  // and the model would answer as if it had no tools: say so instead.
  throw ProviderError(WEBOX_E_UNSUPPORTED,
                      m_binding.instance + " cannot call tools (its plugin '" + manifest().id +
                          "' does not declare the 'tools' capability)",
                      {});
}

namespace {

bool has_parts_of_type(const nlohmann::json &messages, std::string_view type) {
  if (!messages.is_array()) return false;
  for (const auto &m : messages) {
    if (!m.is_object()) continue;
    auto content = m.find("content");
    if (content == m.end() || !content->is_array()) continue;
    for (const auto &part : *content)
      if (part.is_object() && part.value("type", "") == type) return true;
  }
  return false;
}

} // namespace

bool has_image_parts(const nlohmann::json &messages) { return has_parts_of_type(messages, "image"); }

bool has_document_parts(const nlohmann::json &messages) { return has_parts_of_type(messages, "document"); }

std::string native_pdf_refusal(const Manifest &manifest, const std::string &instance, const std::string &model) {
  if (accepts_native_pdf(manifest, model)) return {};
  return instance + ":" + model + " does not take PDFs natively (the plugin '" + manifest.id +
         "' lists the models that do under \"pdf\" in plugin.json)";
}

void Provider::check_documents_supported(const nlohmann::json &request) const {
  if (!has_document_parts(request.value("messages", nlohmann::json()))) return;
  // As for images: no document reaches a plugin whose manifest did not say
  // the model reads them, whatever the caller checked before.
  std::string why = native_pdf_refusal(manifest(), m_binding.instance, request.value("model", ""));
  if (!why.empty()) throw ProviderError(WEBOX_E_UNSUPPORTED, why, {});
}

std::string vision_refusal(const Manifest &manifest, const std::string &instance, const std::string &model) {
  if (!(manifest.capabilities & WEBOX_CAP_VISION))
    return instance + " cannot see images (its plugin '" + manifest.id + "' does not declare the 'vision' capability)";
  if (known_text_only(manifest, model))
    return instance + ":" + model + " cannot see images (a text-only model; the plugin '" + manifest.id +
           "' lists its vision models in plugin.json)";
  return {};
}

void Provider::check_vision_supported(const nlohmann::json &request) const {
  if (!has_image_parts(request.value("messages", nlohmann::json()))) return;
  // The host's promise (ABI 1.4): no image reaches a plugin that did not
  // say it reads them, whatever the caller checked before.
  std::string why = vision_refusal(manifest(), m_binding.instance, request.value("model", ""));
  if (!why.empty()) throw ProviderError(WEBOX_E_UNSUPPORTED, why, {});
}

nlohmann::json Provider::chat(const nlohmann::json &request, int64_t deadline_ms) {
  if (!can(WEBOX_CAP_CHAT))
    throw ProviderError(WEBOX_E_UNSUPPORTED, m_binding.instance + " cannot chat", {});
  check_tools_supported(request);
  check_vision_supported(request);
  check_documents_supported(request);
  Exchange x(request);
  CallScope scope = new_scope(deadline_ms);
  webox_status s = m_binding.plugin->descriptor->chat(m_instance, scope.call(), &x.req, &x.result);
  return finish(s, x.result, "chat", scope);
}

nlohmann::json Provider::chat_stream(const nlohmann::json &request,
                                     const std::function<bool(const nlohmann::json &)> &on_event,
                                     int64_t deadline_ms) {
  if (!can(WEBOX_CAP_CHAT_STREAM)) {
    // Not every provider streams; answering in one piece is still an answer.
    nlohmann::json result = chat(request, deadline_ms);
    std::string text = result.is_object() ? result.value("text", "") : "";
    if (!text.empty()) on_event({{"type", "delta"}, {"text", text}});
    // The same events a streaming plugin sends, so callers read calls one way.
    if (auto calls = result.find("tool_calls"); result.is_object() && calls != result.end() && calls->is_array())
      for (const auto &call : *calls) {
        nlohmann::json event = call;
        if (!event.is_object()) continue;
        event["type"] = "tool_call";
        on_event(event);
      }
    return result;
  }
  check_tools_supported(request);
  check_vision_supported(request);
  check_documents_supported(request);
  Exchange x(request);
  detail::EventSink sink(on_event);
  CallScope scope = new_scope(deadline_ms);
  webox_status s =
      m_binding.plugin->descriptor->chat_stream(m_instance, scope.call(), &x.req, sink.sink, sink.user(), &x.result);
  sink.rethrow_if_failed(x.result);
  return finish(s, x.result, "chat", scope);
}

Provider::MediaResult Provider::image(const nlohmann::json &request, int64_t deadline_ms) {
  if (!can(WEBOX_CAP_IMAGE))
    throw ProviderError(WEBOX_E_UNSUPPORTED, m_binding.instance + " cannot generate images", {});
  Exchange x(request);
  CallScope scope = new_scope(deadline_ms);
  webox_status s = m_binding.plugin->descriptor->image(m_instance, scope.call(), &x.req, &x.result);
  // Copy the blob out before finish() releases every buffer of the result.
  const webox_buf &bytes = x.result.blob;
  std::string blob = s == WEBOX_OK && bytes.data ? std::string(bytes.data, bytes.size) : std::string();
  MediaResult out{finish(s, x.result, "image", scope), std::move(blob)};
  return out;
}

nlohmann::json Provider::tts(const nlohmann::json &request,
                             const std::function<bool(std::string_view)> &on_audio, int64_t deadline_ms) {
  if (!can(WEBOX_CAP_TTS))
    throw ProviderError(WEBOX_E_UNSUPPORTED, m_binding.instance + " cannot synthesise speech", {});
  Exchange x(request);
  // The tts sink receives audio bytes, not JSON events (plugin.h).
  detail::AudioSink sink(on_audio);
  CallScope scope = new_scope(deadline_ms);
  webox_status s = m_binding.plugin->descriptor->tts(m_instance, scope.call(), &x.req, sink.sink, sink.user(), &x.result);
  sink.rethrow_if_failed(x.result);
  return finish(s, x.result, "tts", scope);
}

nlohmann::json Provider::stt(const nlohmann::json &request, std::string_view audio, int64_t deadline_ms) {
  if (!can(WEBOX_CAP_STT))
    throw ProviderError(WEBOX_E_UNSUPPORTED, m_binding.instance + " cannot transcribe speech", {});
  Exchange x(request);
  x.req.blob = audio.data();
  x.req.blob_size = audio.size();
  CallScope scope = new_scope(deadline_ms);
  webox_status s = m_binding.plugin->descriptor->stt(m_instance, scope.call(), &x.req, &x.result);
  return finish(s, x.result, "stt", scope);
}

CallScope Provider::new_scope(int64_t deadline_ms) const {
  return CallScope(manifest().id, m_binding.instance, m_binding.config.value("api_key_name", ""), deadline_ms);
}

nlohmann::json Provider::call_json_slot(uint64_t capability, const char *cannot, webox_op_fn webox_plugin::*slot,
                                        const char *operation, const nlohmann::json &request, int64_t deadline_ms,
                                        std::string_view blob) {
  if (!can(capability)) throw ProviderError(WEBOX_E_UNSUPPORTED, m_binding.instance + " " + cannot, {});
  Exchange x(request);
  x.req.blob = blob.data();
  x.req.blob_size = blob.size();
  CallScope scope = new_scope(deadline_ms);
  webox_status s = (m_binding.plugin->descriptor->*slot)(m_instance, scope.call(), &x.req, &x.result);
  return finish(s, x.result, operation, scope);
}

nlohmann::json Provider::embed(const nlohmann::json &request, int64_t deadline_ms) {
  return call_json_slot(WEBOX_CAP_EMBED, "cannot compute embeddings", &webox_plugin::embed, "embed", request, deadline_ms);
}

nlohmann::json Provider::list_models(const nlohmann::json &request, int64_t deadline_ms) {
  return call_json_slot(WEBOX_CAP_LIST_MODELS, "cannot list its models", &webox_plugin::list_models, "list_models", request,
                        deadline_ms);
}

nlohmann::json Provider::batch(const nlohmann::json &request, std::string_view jsonl, int64_t deadline_ms) {
  return call_json_slot(WEBOX_CAP_BATCH, "has no batch service", &webox_plugin::batch, "batch", request, deadline_ms,
                        jsonl);
}

nlohmann::json Provider::batch_results(const nlohmann::json &request,
                                       const std::function<bool(const nlohmann::json &)> &on_event) {
  const webox_plugin *d = m_binding.plugin->descriptor;
  if (!can(WEBOX_CAP_BATCH) || !d->batch_results)
    throw ProviderError(WEBOX_E_UNSUPPORTED, m_binding.instance + " has no batch service", {});
  Exchange x(request);
  detail::EventSink sink(on_event);
  CallScope scope = new_scope();
  webox_status s = d->batch_results(m_instance, scope.call(), &x.req, sink.sink, sink.user(), &x.result);
  sink.rethrow_if_failed(x.result);
  return finish(s, x.result, "batch_results", scope);
}

nlohmann::json Provider::auth(const nlohmann::json &request, int64_t deadline_ms) {
  nlohmann::json doc = call_json_slot(WEBOX_CAP_AUTH, "has no sign-in (no auth capability)", &webox_plugin::auth, "auth",
                                      request, deadline_ms);
  for (const char *field : {"access_token", "refresh_token"})
    if (doc.is_object() && doc.contains(field) && doc[field].is_string())
      logging::register_secret(doc[field].get<std::string>());
  return doc;
}

} // namespace webox::plugin
