// The services table the host lends to every plugin (webox_host_api).
//
// Each operation runs under a webox_call whose host_private points to a
// CallScope: which plugin instance is calling (for log prefixes and for the
// key-store fallback of get_secret), its deadline, and the HTTP client to
// use. Every secret handed out is registered for redaction first.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <webox/plugin.h>

#include "lib/net/http_client.hpp"

namespace webox::net {
class Cassette;
}

namespace webox::plugin {

// The table; valid until the process ends.
const webox_host_api *host_api();

// Replaces the HTTP settings every plugin request uses (from config and
// flags). Call before the first plugin call.
void configure_http(const net::HttpSettings &settings);
std::shared_ptr<const net::HttpClient> http_client();
// The settings in force (without creating the client).
net::HttpSettings http_settings();

// Routes every plugin request through `cassette` (record or replay; null =
// back to the network). On replay, a secret that is not set is answered with
// a placeholder, so a run needs no key.
void use_cassette(std::shared_ptr<net::Cassette> cassette);
bool replaying();

// Where get_secret looks after the environment (the encrypted key store).
// It may throw webox::Error when the store cannot be used.
using SecretFallback = std::function<std::optional<std::string>(const std::string &name)>;
void set_secret_fallback(SecretFallback fallback);
// Where get_setting looks after the environment: the key store again, but
// read without registering the value for redaction (ids stay readable).
// Unset: the secret fallback.
void set_setting_fallback(SecretFallback fallback);

// Looks a secret up as plugins do: environment, then the key store under
// `name`, then — when `name` is the instance's primary key — under the
// instance name (`webox keys set openai`). Registers the value for redaction.
// Throws what the fallback throws (a refused key store, exit 4).
std::optional<std::string> lookup_secret(const std::string &name, const std::string &instance,
                                         const std::string &primary_secret);

// Where get_setting looks after the environment: the config file's
// `social.<plugin_id>.<key>` (see setting_key). Returns nothing when unset;
// may throw webox::Error for a config file it cannot read.
using SettingSource = std::function<std::optional<std::string>(const std::string &plugin_id, const std::string &key)>;
void set_setting_source(SettingSource source);

// The config key a plugin's setting `name` is read from, for `plugin_id`:
// INSTAGRAM_PAGE_ID for instagram -> page_id (lower case, without the
// "<PLUGIN ID>_" prefix; dashes of the id as underscores). A name without
// that prefix is only lower-cased.
std::string setting_key(const std::string &plugin_id, const std::string &name);

// Looks a non-secret setting up as plugins do (webox_host_api.get_setting):
// environment, then the key store (where older releases told users to keep
// such ids), then the setting source (config). Unlike lookup_secret, the value is NOT
// registered for redaction. Throws what the sources throw.
std::optional<std::string> lookup_setting(const std::string &plugin_id, const std::string &name);

// Owns a webox_call for one operation of one plugin instance.
class CallScope {
public:
  CallScope(std::string plugin_id, std::string instance, std::string primary_secret,
            int64_t deadline_ms = 0);
  const webox_call *call() const { return &m_call; }
  // Set when one of the call's requests was refused for good (Outcome::permanent):
  // the plugin reports a network error, but the user must change a setting.
  void note_permanent_refusal() const { m_refused.store(true); }
  bool saw_permanent_refusal() const { return m_refused.load(); }
  // Set when get_secret could not use the key store: the plugin then reports
  // a missing key, but the user must fix the store, as this message says.
  void note_secret_failure(const std::string &message) const;
  std::string secret_failure() const;

  // Remembers what the host knows about a request's outcome and the plugin
  // cannot: why it refused it for good or gave up on it (the plugin would
  // call a body over the limit "the connection dropped"), and how long the
  // server asked to wait (Retry-After, HTTP dates included). Each request
  // replaces what the previous one left, except the sticky refusal above.
  void note_outcome(const net::Outcome &outcome) const;
  // The host's own one-line reason for the last request's failure, if any.
  std::optional<std::string> host_reason() const;
  // The wait the last request's non-2xx answer asked for, in ms (may be <= 0).
  std::optional<int64_t> server_wait_ms() const;

  const std::string plugin_id;
  const std::string instance;
  const std::string primary_secret;

private:
  webox_call m_call{};
  mutable std::atomic<bool> m_refused{false};
  mutable std::mutex m_mutex; // a plugin may send from several threads
  mutable std::optional<std::string> m_host_reason;
  mutable std::optional<int64_t> m_server_wait_ms;
  mutable std::mutex m_secret_mutex;
  mutable std::string m_secret_failure;
};

} // namespace webox::plugin
