#include "cli/context.hpp"

#include <filesystem>

#include <spdlog/spdlog.h>

#include "lib/core/config.hpp"
#include "lib/core/error.hpp"
#include "lib/core/keystore.hpp"
#include "lib/core/paths.hpp"
#include "lib/leads/collect/person_index.hpp"
#include "lib/leads/settings.hpp"
#include "lib/plugin/host_api.hpp"
#include "lib/plugin/registry.hpp"
#include "lib/store/db.hpp"
#include "lib/store/open.hpp"

namespace webox::cli {
namespace {

// HTTP settings: flag > environment > config file > built-in defaults.
net::HttpSettings http_settings(const Config &cfg, const GlobalOptions &global) {
  net::HttpSettings s;
  if (cfg.http.connect_timeout_ms) s.connect_timeout_ms = *cfg.http.connect_timeout_ms;
  if (cfg.http.read_timeout_ms) s.idle_timeout_ms = *cfg.http.read_timeout_ms;
  if (cfg.http.retries) s.retry.max_retries = *cfg.http.retries;
  s.ca_bundle = cfg.http.ca_bundle;
  s.connect_timeout_ms = paths::env_number("WEBOX_CONNECT_TIMEOUT_MS", s.connect_timeout_ms, 1);
  s.idle_timeout_ms = paths::env_number("WEBOX_TIMEOUT_MS", s.idle_timeout_ms, 1);
  s.retry.max_retries = static_cast<int>(std::min<int64_t>(paths::env_number("WEBOX_RETRIES", s.retry.max_retries, 0), 100));
  s.retry.base_delay_ms = paths::env_number("WEBOX_RETRY_BASE_MS", s.retry.base_delay_ms, 0);
  std::string ca = paths::env("WEBOX_CA_BUNDLE");
  if (!ca.empty()) s.ca_bundle = ca;
  if (!global.ca_bundle.empty()) s.ca_bundle = global.ca_bundle;
  // Checked here rather than left to libcurl, whose "error setting
  // certificate file" would come at the first request and be retried.
  std::error_code ec;
  if (!s.ca_bundle.empty() && !std::filesystem::is_regular_file(s.ca_bundle, ec))
    throw Error("CA bundle " + s.ca_bundle + " is not a readable file", ExitCode::config);
  if (cfg.http.max_response_bytes) s.max_body_bytes = static_cast<size_t>(*cfg.http.max_response_bytes);
  s.max_body_bytes = static_cast<size_t>(paths::env_number("WEBOX_MAX_RESPONSE_BYTES", static_cast<int64_t>(s.max_body_bytes), 1));
  if (cfg.http.total_timeout_ms) s.total_timeout_ms = *cfg.http.total_timeout_ms;
  s.total_timeout_ms = paths::env_number("WEBOX_TOTAL_TIMEOUT_MS", s.total_timeout_ms, 0);
  if (cfg.http.max_retry_wait_ms) s.retry.max_wait_ms = *cfg.http.max_retry_wait_ms;
  return s;
}

} // namespace

Context::Context() = default;
Context::~Context() = default;

const Config &Context::config() {
  if (!m_config) {
    m_config = std::make_unique<Config>(load_config(paths::config_file()));
    plugin::configure_http(http_settings(*m_config, global));
    // Plugins ask for secrets; the key store is opened only when the
    // environment does not have the value.
    // (Created here, before any thread, because the fallback runs on
    // whichever thread a plugin calls from.)
    // A refused key store (loose mode, wrong key material) throws; the
    // host's get_secret notes it on the call, and the plugin's "no API key"
    // is replaced by that message (plugin::Provider): one line, exit 4.
    KeyStore *store = &keys();
    plugin::set_secret_fallback([store](const std::string &name) -> std::optional<std::string> {
      std::error_code ec;
      if (!std::filesystem::exists(store->file(), ec)) return std::nullopt;
      return store->get(name);
    });
    plugin::set_setting_fallback([store](const std::string &name) -> std::optional<std::string> {
      std::error_code ec;
      if (!std::filesystem::exists(store->file(), ec)) return std::nullopt;
      return store->get_setting(name);
    });
    // Plugins' non-secret ids (INSTAGRAM_PAGE_ID) may also be written in
    // the config file, under social.<plugin id> (webox-config(1)).
    plugin::set_setting_source([file = m_config->source](const std::string &plugin_id, const std::string &key) -> std::optional<std::string> {
      leads::PlatformSettings settings = leads::load_platform_settings(file, plugin_id);
      auto it = settings.find(key);
      if (it == settings.end()) return std::nullopt;
      return it->second;
    });
  }
  return *m_config;
}

store::Db &Context::db() {
  if (!m_db) {
    m_db = store::open(store_location());
    // A bulk import killed with the person index out left it out; every
    // leads command reads through it. One read of the schema when it is there.
    leads::ensure_person_index(*m_db);
  }
  return *m_db;
}

plugin::Registry &Context::plugins() {
  if (!m_plugins)
    m_plugins = std::make_unique<plugin::Registry>(plugin::Registry::default_search_path(global.plugin_dirs));
  return *m_plugins;
}

KeyStore &Context::keys() {
  if (!m_keys) m_keys = std::make_unique<KeyStore>(paths::config_dir());
  return *m_keys;
}

bool Context::has_database() const {
  const store::Location where = store_location();
  if (where.is_server()) return true;
  std::error_code ec;
  return std::filesystem::exists(where.value, ec);
}

store::Location Context::store_location() const {
  return store::store_location(paths::config_file(), global.workspace);
}

} // namespace webox::cli
