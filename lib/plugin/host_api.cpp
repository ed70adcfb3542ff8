#include "lib/plugin/host_api.hpp"

#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <cctype>
#include <cstring>
#include <ctime>
#include <memory>
#include <mutex>

#include <spdlog/spdlog.h>

#include "lib/core/cancel.hpp"
#include "lib/core/error.hpp"
#include "lib/core/logging.hpp"
#include "lib/core/paths.hpp"
#include "lib/net/cassette.hpp"

#ifndef WEBOX_VERSION
#define WEBOX_VERSION "0"
#endif

namespace webox::plugin {
namespace {

std::atomic<uint64_t> g_next_call_id{1};
std::mutex g_config_mutex;
// Created on first use: libcurl's global initialisation (and OpenSSL's with
// it) costs milliseconds and megabytes that `webox --version` or `webox logs`
// must not pay.
std::shared_ptr<net::HttpClient> g_http;
net::HttpSettings g_http_settings;
SecretFallback g_secret_fallback;
SecretFallback g_setting_fallback; // the key store for ids: not redacted
SettingSource g_setting_source;
// Set for `--record` / `--replay`: every plugin request goes through it.
std::shared_ptr<net::Cassette> g_cassette;
// What get_secret hands out on replay when no key is set: requests carry it
// where the recording has "[REDACTED]", and it is redacted the same way.
constexpr const char *kReplayPlaceholderKey = "webox-replay-placeholder-key";

std::shared_ptr<net::Cassette> cassette() {
  std::lock_guard lock(g_config_mutex);
  return g_cassette;
}

net::Outcome send_through(const net::Request &r, net::Framing framing, const net::UnitSink *sink) {
  auto client = http_client();
  if (auto c = cassette()) return c->exchange(*client, r, framing, sink);
  return sink ? client->stream(r, framing, *sink) : client->send(r);
}

const CallScope *scope_of(const webox_call *call) {
  return call ? static_cast<const CallScope *>(call->host_private) : nullptr;
}

// Owned bytes the host hands to a plugin: a heap string released by delete.
void give(std::string text, webox_buf *out) {
  if (!out) return;
  auto *holder = new std::string(std::move(text));
  out->data = holder->data();
  out->size = holder->size();
  out->owner = holder;
  out->release = [](webox_buf *self) {
    delete static_cast<std::string *>(self->owner);
    *self = webox_buf{};
  };
}

void svc_log(const webox_call *call, int level, const char *message) {
  const CallScope *scope = scope_of(call);
  std::string prefix = scope ? scope->instance + ": " : std::string("plugin: ");
  std::string text = prefix + (message ? message : "");
  switch (level) {
    case WEBOX_LOG_TRACE: spdlog::trace(text); break;
    case WEBOX_LOG_DEBUG: spdlog::debug(text); break;
    case WEBOX_LOG_INFO: spdlog::info(text); break;
    case WEBOX_LOG_WARN: spdlog::warn(text); break;
    default: spdlog::error(text); break;
  }
}

// get_secret and get_setting: `lookup(scope, name)` finds the value; `missing`
// is the status for a name found nowhere.
template <class Lookup>
webox_status hand_out(const webox_call *call, const char *name, webox_buf *out, webox_status missing,
                      const Lookup &lookup) {
  if (!name || !out) return WEBOX_E_INVALID;
  const CallScope *scope = scope_of(call);
  std::optional<std::string> value;
  try {
    value = lookup(scope, name);
  } catch (const Error &e) {
    // Nothing may be thrown through a plugin; the call reports it instead.
    if (scope) scope->note_secret_failure(e.what());
    else spdlog::error("{}", e.what());
    return missing;
  }
  if (!value) return missing;
  give(std::move(*value), out);
  return WEBOX_OK;
}

webox_status svc_get_secret(const webox_call *call, const char *name, webox_buf *out) {
  return hand_out(call, name, out, WEBOX_E_AUTH, [](const CallScope *scope, const char *n) {
    return lookup_secret(n, scope ? scope->instance : "", scope ? scope->primary_secret : "");
  });
}

// Like svc_get_secret, minus the redaction: ids must stay readable in logs.
webox_status svc_get_setting(const webox_call *call, const char *name, webox_buf *out) {
  return hand_out(call, name, out, WEBOX_E_UNSUPPORTED,
                  [](const CallScope *scope, const char *n) { return lookup_setting(scope ? scope->plugin_id : "", n); });
}

net::Request to_request(const webox_call *call, const webox_http_request *req) {
  net::Request r;
  r.method = req->method ? req->method : "GET";
  r.url = req->url ? req->url : "";
  for (const char *const *h = req->headers; h && *h; ++h) r.headers.emplace_back(*h);
  r.body = std::string_view(req->body ? req->body : "", req->body_size);
  r.idle_timeout_ms = req->timeout_ms;
  r.deadline_ms = call ? call->deadline_ms : 0;
  // `flags` exists from ABI 1.1; an older plugin's struct ends before it.
  if (req->struct_size >= offsetof(webox_http_request, flags) + sizeof req->flags) r.once = (req->flags & WEBOX_HTTP_ONCE) != 0;
  // `retry_delay` exists from ABI 1.2.
  if (req->struct_size >= offsetof(webox_http_request, retry_delay) + sizeof req->retry_delay && req->retry_delay) {
    webox_retry_delay_fn fn = req->retry_delay;
    void *user = req->retry_user;
    r.retry_delay = [fn, user](int status, std::string_view body) -> std::optional<int64_t> {
      int64_t ms = fn(user, status, body.data(), body.size());
      if (ms < 0) return std::nullopt;
      return ms;
    };
  }
  if (req->should_retry) {
    webox_retry_fn fn = req->should_retry;
    void *user = req->retry_user;
    r.should_retry = [fn, user](int status, std::string_view body) {
      int verdict = fn(user, status, body.data(), body.size());
      return verdict < 0 ? net::RetryPolicy::retryable_status(status) : verdict != 0;
    };
  }
  return r;
}

webox_status fill_response(net::Outcome &o, webox_http_response *resp) {
  if (resp) {
    resp->status = o.response.status;
    give(std::move(o.response.headers), &resp->headers);
    // When no response arrived, the body says why, for the plugin's message.
    give(o.ok() ? std::move(o.response.body) : o.message, &resp->body);
  }
  switch (o.failure) {
    case net::Failure::none: return WEBOX_OK;
    case net::Failure::cancelled: return WEBOX_E_CANCELLED;
    case net::Failure::timeout: return WEBOX_E_TIMEOUT;
    case net::Failure::network: return WEBOX_E_NETWORK;
  }
  return WEBOX_E_INTERNAL;
}

webox_status svc_http(const webox_call *call, const webox_http_request *req, webox_http_response *resp) {
  if (!req || !req->url) return WEBOX_E_INVALID;
  net::Request r = to_request(call, req);
  net::Outcome o = send_through(r, net::Framing::raw, nullptr);
  if (const CallScope *scope = scope_of(call)) scope->note_outcome(o);
  return fill_response(o, resp);
}

webox_status svc_http_stream(const webox_call *call, const webox_http_request *req, webox_sink_fn on_data,
                             void *user, webox_http_response *resp) {
  if (!req || !req->url || !on_data) return WEBOX_E_INVALID;
  net::Request r = to_request(call, req);
  net::Framing framing = req->framing == WEBOX_HTTP_SSE      ? net::Framing::sse
                         : req->framing == WEBOX_HTTP_NDJSON ? net::Framing::ndjson
                                                             : net::Framing::raw;
  net::UnitSink sink = [on_data, user](std::string_view unit) {
    return on_data(user, unit.data(), unit.size()) == 0;
  };
  net::Outcome o = send_through(r, framing, &sink);
  if (const CallScope *scope = scope_of(call)) scope->note_outcome(o);
  return fill_response(o, resp);
}

int svc_is_cancelled(const webox_call *call) {
  if (cancel::requested()) return 1;
  return call && call->deadline_ms && cancel::monotonic_ms() >= call->deadline_ms;
}

void *svc_alloc(size_t size) { return std::malloc(size); }
void svc_free(void *ptr) { std::free(ptr); }

const webox_host_api kHostApi = {
    sizeof(webox_host_api),
    WEBOX_ABI_MAJOR,
    WEBOX_ABI_MINOR,
    WEBOX_VERSION,
    svc_log,
    svc_get_secret,
    svc_http,
    svc_http_stream,
    svc_is_cancelled,
    svc_alloc,
    svc_free,
    svc_get_setting, // ABI 1.3
};

} // namespace

const webox_host_api *host_api() { return &kHostApi; }

void configure_http(const net::HttpSettings &settings) {
  std::lock_guard lock(g_config_mutex);
  // Kept until a plugin actually sends something (libcurl's global
  // initialisation is thread-safe in the libcurl webox builds against, 7.84+).
  g_http_settings = settings;
  g_http.reset();
}

std::shared_ptr<const net::HttpClient> http_client() {
  std::lock_guard lock(g_config_mutex);
  if (!g_http) g_http = std::make_shared<net::HttpClient>(g_http_settings);
  return g_http;
}

net::HttpSettings http_settings() {
  std::lock_guard lock(g_config_mutex);
  return g_http_settings;
}

void use_cassette(std::shared_ptr<net::Cassette> cassette) {
  std::lock_guard lock(g_config_mutex);
  g_cassette = std::move(cassette);
}

bool replaying() {
  std::lock_guard lock(g_config_mutex);
  return g_cassette && g_cassette->replaying();
}

void set_secret_fallback(SecretFallback fallback) {
  std::lock_guard lock(g_config_mutex);
  g_secret_fallback = std::move(fallback);
}

void set_setting_fallback(SecretFallback fallback) {
  std::lock_guard lock(g_config_mutex);
  g_setting_fallback = std::move(fallback);
}

std::optional<std::string> lookup_secret(const std::string &name, const std::string &instance,
                                         const std::string &primary_secret) {
  std::optional<std::string> value;
  std::string from_env = paths::env(name.c_str());
  if (!from_env.empty()) value = from_env;
  SecretFallback fallback;
  {
    std::lock_guard lock(g_config_mutex);
    fallback = g_secret_fallback;
  }
  if (!value && fallback) value = fallback(name);
  if (!value && fallback && !instance.empty() && name == primary_secret) value = fallback(instance);
  if (!value && replaying()) value = kReplayPlaceholderKey;
  if (value) logging::register_secret(*value);
  return value;
}

void set_setting_source(SettingSource source) {
  std::lock_guard lock(g_config_mutex);
  g_setting_source = std::move(source);
}

std::string setting_key(const std::string &plugin_id, const std::string &name) {
  std::string prefix;
  for (char c : plugin_id) prefix += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  prefix += '_';
  std::string key = name.rfind(prefix, 0) == 0 && name.size() > prefix.size() ? name.substr(prefix.size()) : name;
  for (char &c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return key;
}

std::optional<std::string> lookup_setting(const std::string &plugin_id, const std::string &name) {
  std::string from_env = paths::env(name.c_str());
  if (!from_env.empty()) return from_env;
  SettingSource source;
  SecretFallback key_store;
  {
    std::lock_guard lock(g_config_mutex);
    source = g_setting_source;
    key_store = g_setting_fallback ? g_setting_fallback : g_secret_fallback;
  }
  // The keys file before the config file: the order `webox leads dm` has
  // always used for INSTAGRAM_PAGE_ID (cli/cmd_leads_dm.cpp).
  if (key_store)
    if (auto v = key_store(name); v && !v->empty()) return v;
  if (source && !plugin_id.empty())
    if (auto v = source(plugin_id, setting_key(plugin_id, name)); v && !v->empty()) return v;
  return std::nullopt;
}

void CallScope::note_secret_failure(const std::string &message) const {
  std::lock_guard lock(m_secret_mutex);
  if (m_secret_failure.empty()) m_secret_failure = message;
}

std::string CallScope::secret_failure() const {
  std::lock_guard lock(m_secret_mutex);
  return m_secret_failure;
}

CallScope::CallScope(std::string plugin_id_, std::string instance_, std::string primary_secret_,
                     int64_t deadline_ms)
    : plugin_id(std::move(plugin_id_)), instance(std::move(instance_)),
      primary_secret(std::move(primary_secret_)) {
  m_call.struct_size = sizeof m_call;
  m_call.call_id = g_next_call_id.fetch_add(1);
  m_call.deadline_ms = deadline_ms;
  m_call.host_private = const_cast<CallScope *>(this);
}

void CallScope::note_outcome(const net::Outcome &outcome) const {
  if (outcome.permanent) note_permanent_refusal();
  // About the call's last request: a plugin's failure is about the request
  // it made last, not about one it recovered from.
  std::lock_guard lock(m_mutex);
  m_host_reason.reset();
  if (outcome.permanent || outcome.total_timeout) m_host_reason = outcome.message;
  const int status = outcome.response.status;
  m_server_wait_ms.reset();
  if (outcome.ok() && status >= 400)
    m_server_wait_ms = net::server_wait_from_headers(outcome.response.headers, static_cast<int64_t>(std::time(nullptr)));
}

std::optional<std::string> CallScope::host_reason() const {
  std::lock_guard lock(m_mutex);
  return m_host_reason;
}

std::optional<int64_t> CallScope::server_wait_ms() const {
  std::lock_guard lock(m_mutex);
  return m_server_wait_ms;
}

} // namespace webox::plugin
