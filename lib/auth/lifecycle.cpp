#include "lib/auth/lifecycle.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <ctime>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include "lib/auth/browser.hpp"
#include "lib/auth/pkce.hpp"
#include "lib/auth/redirect_listener.hpp"
#include "lib/core/clock.hpp"
#include "lib/core/cancel.hpp"
#include "lib/core/error.hpp"
#include "lib/core/fd.hpp"
#include "lib/core/json_limits.hpp"
#include "lib/core/keystore.hpp"
#include "lib/core/logging.hpp"
#include "lib/core/paths.hpp"
#include "lib/plugin/registry.hpp"

namespace webox::auth {
namespace {

using nlohmann::json;

std::string auth_record_name(const std::string &platform) { return "auth." + platform; }

std::string auth_day(int64_t t) { return clock::utc_text(t, "%Y-%m-%d"); }

std::string auth_iso(int64_t t) { return clock::utc_text(t, "%Y-%m-%dT%H:%M:%SZ"); }

std::string relogin_hint(const std::string &platform) { return "sign in again with: webox auth login " + platform; }

// `message`, ending with how to sign in again unless it already says so (a
// plugin's auth failure does: lib/plugin/provider.cpp).
std::string with_relogin_hint(const std::string &message, const std::string &platform) {
  if (message.find("webox auth login") != std::string::npos) return message;
  return message + "; " + relogin_hint(platform);
}

// The record kept beside the tokens (see lifecycle.hpp), as stored.
struct AuthRecord {
  std::string account;
  std::vector<std::string> scopes;
  std::optional<int64_t> expires_at, refresh_expires_at, obtained_at, refreshed_at;
  std::string access_name, refresh_name;

  json to_json() const {
    json j = {{"version", 1}, {"account", account}, {"scopes", scopes}, {"access_name", access_name}};
    if (!refresh_name.empty()) j["refresh_name"] = refresh_name;
    auto put = [&](const char *k, const std::optional<int64_t> &v) {
      if (v) j[k] = *v;
    };
    put("expires_at", expires_at);
    put("refresh_expires_at", refresh_expires_at);
    put("obtained_at", obtained_at);
    put("refreshed_at", refreshed_at);
    return j;
  }

  static AuthRecord from_json(const json &j) {
    AuthRecord r;
    auto str = [&](const char *k) { return j.contains(k) && j[k].is_string() ? j[k].get<std::string>() : std::string(); };
    auto num = [&](const char *k) -> std::optional<int64_t> {
      if (j.contains(k) && j[k].is_number_integer()) return j[k].get<int64_t>();
      return std::nullopt;
    };
    r.account = str("account");
    if (j.contains("scopes") && j["scopes"].is_array())
      for (const auto &s : j["scopes"])
        if (s.is_string()) r.scopes.push_back(s.get<std::string>());
    r.access_name = str("access_name");
    r.refresh_name = str("refresh_name");
    r.expires_at = num("expires_at");
    r.refresh_expires_at = num("refresh_expires_at");
    r.obtained_at = num("obtained_at");
    r.refreshed_at = num("refreshed_at");
    return r;
  }
};

KeyStore auth_keys() { return KeyStore(paths::config_dir()); }

std::optional<AuthRecord> load_record(const KeyStore &keys, const std::string &platform) {
  auto text = keys.get(auth_record_name(platform));
  if (!text) return std::nullopt;
  json j = parse_json_or_discarded(*text);
  if (!j.is_object())
    throw Error("the sign-in record " + auth_record_name(platform) + " in " + keys.file().string() +
                    " is not JSON; " + relogin_hint(platform),
                ExitCode::config);
  AuthRecord r = AuthRecord::from_json(j);
  if (r.access_name.empty())
    throw Error("the sign-in record " + auth_record_name(platform) + " names no token; " + relogin_hint(platform),
                ExitCode::config);
  return r;
}

// One refresh at a time per platform, across processes: an flock the kernel
// drops if the holder dies.
class RefreshLock {
public:
  explicit RefreshLock(const std::string &platform) {
    paths::ensure_private_dir(paths::config_dir());
    const auto file = paths::config_dir() / ("auth-" + platform + ".lock");
    m_fd = Fd(::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    if (m_fd.get() < 0) throw Error("cannot open " + file.string() + ": " + std::strerror(errno));
    while (::flock(m_fd.get(), LOCK_EX) != 0) {
      if (errno != EINTR) throw Error("cannot lock " + file.string() + ": " + std::strerror(errno));
      if (cancel::requested()) throw Interrupted();
    }
  }

private:
  Fd m_fd;
};

std::string required_string(const json &answer, const char *field, const std::string &platform) {
  if (!answer.contains(field) || !answer[field].is_string() || answer[field].get<std::string>().empty())
    throw Error(platform + ": the plugin's sign-in answer has no \"" + field + "\"");
  return answer[field].get<std::string>();
}

// The key-store name the plugin asked for, checked against its manifest.
std::string store_name(const json &answer, const char *field, const plugin::Manifest &m) {
  const json store_as = answer.value("store_as", json::object());
  if (!store_as.is_object() || !store_as.contains(field) || !store_as[field].is_string()) return {};
  std::string name = store_as[field].get<std::string>();
  if (std::find(m.secrets.begin(), m.secrets.end(), name) == m.secrets.end())
    throw Error(m.id + ": the plugin asked to store its " + field + " as " + name +
                ", which its manifest does not declare under \"secrets\"; nothing stored");
  return name;
}

// Stores a token answer (login or refresh) and returns the updated record.
AuthRecord store_answer(const plugin::Manifest &m, const json &answer, std::optional<AuthRecord> previous, int64_t now,
                        bool is_login) {
  const std::string access = required_string(answer, "access_token", m.id);
  AuthRecord r = previous ? *previous : AuthRecord{};
  r.access_name = store_name(answer, "access_token", m);
  if (r.access_name.empty()) r.access_name = m.primary_secret();
  KeyStore keys = auth_keys();
  // `webox keys set instagram` stored the same key under the plugin's id.
  std::vector<std::string> spellings;
  if (r.access_name == m.primary_secret()) spellings.push_back(m.id);
  keys.set(r.access_name, access, spellings);
  if (answer.contains("refresh_token") && answer["refresh_token"].is_string()) {
    r.refresh_name = store_name(answer, "refresh_token", m);
    if (!r.refresh_name.empty()) keys.set(r.refresh_name, answer["refresh_token"].get<std::string>());
  } else if (is_login && !r.refresh_name.empty()) {
    keys.remove(r.refresh_name); // a new sign-in without one: the old one belongs to another grant
    r.refresh_name.clear();
  }
  if (answer.contains("expires_in") && answer["expires_in"].is_number_integer())
    r.expires_at = now + answer["expires_in"].get<int64_t>();
  else if (is_login)
    r.expires_at.reset();
  if (answer.contains("refresh_token_expires_in") && answer["refresh_token_expires_in"].is_number_integer())
    r.refresh_expires_at = now + answer["refresh_token_expires_in"].get<int64_t>();
  if (answer.contains("account") && answer["account"].is_string()) r.account = answer["account"].get<std::string>();
  if (answer.contains("scopes") && answer["scopes"].is_array()) {
    r.scopes.clear();
    for (const auto &s : answer["scopes"])
      if (s.is_string()) r.scopes.push_back(s.get<std::string>());
  }
  if (is_login) {
    r.obtained_at = now;
    r.refreshed_at.reset();
  } else {
    r.refreshed_at = now;
  }
  keys.set(auth_record_name(m.id), r.to_json().dump());
  return r;
}

bool in_environment(const std::string &name) { return !name.empty() && !paths::env(name.c_str()).empty(); }

TokenStatus status_of(const plugin::Manifest &m, const std::optional<AuthRecord> &record,
                      const std::vector<std::string> &stored_names, int64_t now) {
  TokenStatus s;
  s.platform = m.id;
  const std::string access = record ? record->access_name : m.primary_secret();
  auto stored = [&](const std::string &n) {
    return !n.empty() && std::find(stored_names.begin(), stored_names.end(), n) != stored_names.end();
  };
  s.source = in_environment(access) ? "environment" : stored(access) || stored(m.id) ? "key store" : "none";
  if (record) {
    s.account = record->account;
    s.scopes = record->scopes;
    s.expires_at = record->expires_at;
    s.obtained_at = record->obtained_at;
    s.refreshed_at = record->refreshed_at;
    // Instagram refreshes the access token itself; the others need a refresh token.
    s.refreshable = stored(record->refresh_name) || record->refresh_name.empty();
  }
  if (s.source == "none") {
    s.note = "not signed in: webox auth login " + m.id;
  } else if (s.source == "environment") {
    s.note = "the token comes from the environment (" + access + "): webox neither refreshes nor stores it";
  } else if (!record) {
    s.note = "stored with `webox keys set`: expiry unknown; sign in with webox auth login " + m.id +
             " to have it refreshed";
  } else if (s.expires_at && *s.expires_at <= now) {
    s.note = "expired on " + auth_day(*s.expires_at) + ": " + relogin_hint(m.id);
  } else if (s.expires_at && *s.expires_at - now <= kWarnWithin) {
    s.note = "expires in " + std::to_string((*s.expires_at - now) / kDaySeconds) + " days" +
             (s.refreshable ? " (refreshed automatically from 7 days before, or now with: webox auth refresh " + m.id + ")"
                            : ": " + relogin_hint(m.id));
  }
  return s;
}

// The classes of refresh failure that mean "the grant is gone".
bool grant_refused(const plugin::ProviderError &e) { return e.status() == WEBOX_E_AUTH; }

} // namespace

int64_t now_unix() { return clock::unix_now(); }

nlohmann::json TokenStatus::to_json(int64_t now) const {
  json j = {{"platform", platform}, {"source", source}, {"signed_in", source != "none"}, {"account", account},
            {"scopes", scopes}, {"refreshable", refreshable}};
  auto put = [&](const char *k, const std::optional<int64_t> &v) {
    j[k] = v ? json(auth_iso(*v)) : json(nullptr);
  };
  put("expires_at", expires_at);
  put("obtained_at", obtained_at);
  put("last_refresh", refreshed_at);
  j["expires_in_days"] = expires_at ? json((*expires_at - now) / kDaySeconds) : json(nullptr);
  j["warning"] = note.empty() ? json(nullptr) : json(note);
  return j;
}

Lifecycle::Lifecycle(plugin::Registry &registry, const Config &config) : m_registry(registry), m_config(config) {}

std::vector<std::string> Lifecycle::platforms() {
  std::vector<std::string> out;
  for (const auto &m : m_registry.manifests())
    if (m.capabilities & WEBOX_CAP_AUTH) out.push_back(m.id);
  return out;
}

const plugin::Manifest &Lifecycle::auth_manifest(const std::string &platform) {
  const plugin::Manifest *m = m_registry.find(platform);
  std::string known;
  for (const auto &p : platforms()) known += (known.empty() ? "" : ", ") + p;
  if (!m) {
    std::string near = plugin::closest_match(platform, platforms());
    throw UsageError("unknown platform '" + platform + "'" + (near.empty() ? "" : " (did you mean " + near + "?)") +
                     "; platforms with sign-in: " + (known.empty() ? "none installed" : known));
  }
  if (!(m->capabilities & WEBOX_CAP_AUTH))
    throw UsageError(platform + " has no sign-in (its plugin lacks the auth capability); platforms with sign-in: " +
                     (known.empty() ? "none installed" : known));
  return *m;
}

TokenStatus Lifecycle::login(const std::string &platform, const LoginOptions &o) {
  const plugin::Manifest &m = auth_manifest(platform);
  plugin::Provider provider(plugin::bind_provider(m_registry, m_config, platform));
  RedirectListener listener(o.port);
  const std::string state = make_state();
  const std::string verifier = make_code_verifier();
  json request = {{"action", "authorize"},
                  {"redirect_uri", listener.redirect_uri()},
                  {"state", state},
                  {"code_challenge", s256_challenge(verifier)},
                  {"code_challenge_method", "S256"}};
  if (!o.scopes.empty()) request["scopes"] = o.scopes;
  json authorize = provider.auth(request);
  const std::string url = required_string(authorize, "url", platform);
  if (url.rfind("https://", 0) != 0 && url.rfind("http://", 0) != 0)
    throw Error(platform + ": the plugin's consent URL is not an http(s) URL; nothing opened");
  const bool pkce = authorize.value("pkce", false);

  const bool opened = o.open_browser && open_in_browser(url);
  if (o.show_url) o.show_url(url, opened);

  // What the redirect says, judged once for the browser's page and once for
  // the exit: an error from the platform, a foreign state, or a code.
  auto problem = [&](const QueryParams &q) -> std::string {
    if (auto e = q.find("error"); e != q.end()) {
      auto d = q.find("error_description");
      if (d == q.end()) d = q.find("error_reason");
      return "the sign-in was refused at " + platform + "'s consent page (" + e->second +
             (d != q.end() && !d->second.empty() ? ": " + d->second.substr(0, 200) : "") + ")";
    }
    auto s = q.find("state");
    if (s == q.end() || !state_matches(state, s->second))
      return "the redirect's state does not match this sign-in (an old browser tab, or a request this "
             "command did not start): refused";
    if (auto c = q.find("code"); c == q.end() || c->second.empty()) return "the redirect carries no code";
    return {};
  };
  PendingRedirect redirect = listener.wait(o.timeout_ms);
  if (std::string why = problem(redirect.params()); !why.empty()) {
    redirect.answer(false, "webox: " + why + ".");
    throw Error(platform + ": " + why + "; nothing stored");
  }
  json exchange = {{"action", "exchange"},
                   {"code", redirect.params().at("code")},
                   {"redirect_uri", listener.redirect_uri()}};
  if (pkce) exchange["code_verifier"] = verifier;
  json answer = provider.auth(exchange); // a failure: the page says "did not complete"
  const int64_t now = now_unix();
  RefreshLock lock(platform); // not while a cron run refreshes the old token
  KeyStore keys = auth_keys();
  std::optional<AuthRecord> previous;
  try {
    previous = load_record(keys, platform);
  } catch (const Error &) {
    // A damaged record is replaced by this sign-in.
  }
  AuthRecord r = store_answer(m, answer, previous, now, true);
  redirect.answer(true, "Signed in to " + platform + ". You can close this tab.");
  return status_of(m, r, auth_keys().names(), now);
}

TokenStatus Lifecycle::refresh(const std::string &platform) {
  const plugin::Manifest &m = auth_manifest(platform);
  RefreshLock lock(platform);
  KeyStore keys = auth_keys();
  std::optional<AuthRecord> record = load_record(keys, platform);
  if (!record)
    throw Error(platform + ": not signed in with webox auth login; nothing to refresh (run: webox auth login " +
                    platform + ")",
                ExitCode::config);
  if (in_environment(record->access_name))
    throw Error(platform + ": " + record->access_name +
                    " is set in the environment, which wins over the key store; unset it to use the signed-in token",
                ExitCode::config);
  json request = {{"action", "refresh"}};
  if (auto a = keys.get(record->access_name)) request["access_token"] = *a;
  if (!record->refresh_name.empty())
    if (auto r = keys.get(record->refresh_name)) request["refresh_token"] = *r;
  for (const char *f : {"access_token", "refresh_token"})
    if (request.contains(f)) logging::register_secret(request[f].get<std::string>());
  plugin::Provider provider(plugin::bind_provider(m_registry, m_config, platform));
  json answer;
  try {
    answer = provider.auth(request);
  } catch (const plugin::ProviderError &e) {
    if (!grant_refused(e)) throw;
    throw Error(with_relogin_hint(e.what(), platform), ExitCode::config);
  }
  const int64_t now = now_unix();
  AuthRecord r = store_answer(m, answer, record, now, false);
  spdlog::info("{}: token refreshed; it expires {}", platform, r.expires_at ? auth_iso(*r.expires_at) : "(not said)");
  return status_of(m, r, auth_keys().names(), now);
}

std::vector<TokenStatus> Lifecycle::status() {
  std::vector<TokenStatus> out;
  const int64_t now = now_unix();
  KeyStore keys = auth_keys();
  const std::vector<std::string> names = keys.names();
  for (const auto &id : platforms()) {
    const plugin::Manifest *m = m_registry.find(id);
    std::optional<AuthRecord> record;
    if (std::find(names.begin(), names.end(), auth_record_name(id)) != names.end()) record = load_record(keys, id);
    out.push_back(status_of(*m, record, names, now));
  }
  return out;
}

bool Lifecycle::logout(const std::string &platform) {
  const plugin::Manifest &m = auth_manifest(platform);
  RefreshLock lock(platform);
  KeyStore keys = auth_keys();
  std::optional<AuthRecord> record;
  try {
    record = load_record(keys, platform);
  } catch (const Error &) {
    // Damaged: removed below all the same.
  }
  bool removed = false;
  if (record) {
    removed |= keys.remove(record->access_name, record->access_name == m.primary_secret()
                                                    ? std::vector<std::string>{m.id}
                                                    : std::vector<std::string>{});
    if (!record->refresh_name.empty()) removed |= keys.remove(record->refresh_name);
  }
  removed |= keys.remove(auth_record_name(platform));
  return removed;
}

void Lifecycle::ensure_fresh(const std::string &platform) {
  const plugin::Manifest *m = m_registry.find(platform);
  if (!m || !(m->capabilities & WEBOX_CAP_AUTH)) return;
  KeyStore keys = auth_keys();
  const auto names = keys.names();
  if (std::find(names.begin(), names.end(), auth_record_name(platform)) == names.end()) return;
  auto due = [&](const std::optional<AuthRecord> &r) {
    return r && r->expires_at && *r->expires_at - now_unix() <= kRefreshWithin && !in_environment(r->access_name);
  };
  if (!due(load_record(keys, platform))) return;

  RefreshLock lock(platform);
  std::optional<AuthRecord> record = load_record(keys, platform); // another run may have refreshed meanwhile
  if (!due(record)) return;
  const auto names_now = keys.names();
  const int64_t now = now_unix();
  const bool expired = *record->expires_at <= now;
  const bool has_refresh_token =
      !record->refresh_name.empty() &&
      std::find(names_now.begin(), names_now.end(), record->refresh_name) != names_now.end();
  // Instagram refreshes only a token that still works; the others need a refresh token.
  if (expired && !has_refresh_token)
    throw Error(platform + ": the token expired on " + auth_day(*record->expires_at) + "; " + relogin_hint(platform),
                ExitCode::config);
  json request = {{"action", "refresh"}};
  if (auto a = keys.get(record->access_name)) request["access_token"] = *a;
  if (has_refresh_token)
    if (auto r = keys.get(record->refresh_name)) request["refresh_token"] = *r;
  try {
    plugin::Provider provider(plugin::bind_provider(m_registry, m_config, platform));
    AuthRecord r = store_answer(*m, provider.auth(request), record, now, false);
    spdlog::info("{}: token refreshed ahead of its expiry on {}; it now expires {}", platform,
                 auth_day(*record->expires_at), r.expires_at ? auth_iso(*r.expires_at) : "(not said)");
  } catch (const plugin::ProviderError &e) {
    if (expired)
      throw Error(with_relogin_hint(std::string(e.what()) + "; the token expired on " + auth_day(*record->expires_at),
                                    platform),
                  ExitCode::config);
    // Still valid: this run goes on; the next one tries again.
    const std::string what = std::string(e.what()) + "; the token still works until " + auth_day(*record->expires_at);
    spdlog::warn("{}", grant_refused(e) ? with_relogin_hint(what, platform) : what);
  }
}

plugin::ProviderBinding bind_platform(plugin::Registry &registry, const Config &config, const std::string &platform) {
  Lifecycle(registry, config).ensure_fresh(platform);
  return plugin::bind_provider(registry, config, platform);
}

} // namespace webox::auth
