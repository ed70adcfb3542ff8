#include "lib/auth/lifecycle.hpp"

#include <algorithm>
#include <cctype>
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

// How to sign in again, the same way as before (`--via METHOD`).
std::string relogin_hint(const std::string &platform, const std::string &method = "") {
  return "sign in again with: webox auth login " + platform + (method.empty() ? "" : " --via " + method);
}

// `message`, ending with how to sign in again unless it already says so (a
// plugin's auth failure does: lib/plugin/provider.cpp).
std::string with_relogin_hint(const std::string &message, const std::string &platform, const std::string &method) {
  if (message.find("webox auth login") != std::string::npos) return message;
  return message + "; " + relogin_hint(platform, method);
}

// The key-store names a plugin may ask to keep its ids under ("settings" of
// a token answer): its own prefix only, INSTAGRAM_ for instagram, so that a
// plugin cannot overwrite another's key.
std::string auth_setting_prefix(const std::string &platform) {
  std::string prefix;
  for (char c : platform) prefix += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return prefix + "_";
}

// The record kept beside the tokens (see lifecycle.hpp), as stored.
struct AuthRecord {
  std::string account;
  std::vector<std::string> scopes;
  std::optional<int64_t> expires_at, refresh_expires_at, obtained_at, refreshed_at;
  std::string access_name, refresh_name;
  std::string method;                     // `--via`, "" = the plugin's default
  std::string choice;                     // the account picked (a Page id), sent back on refresh
  bool never_expires = false;
  std::vector<std::string> setting_names; // ids stored beside the token ("settings")

  json to_json() const {
    json j = {{"version", 1}, {"account", account}, {"scopes", scopes}, {"access_name", access_name}};
    if (!refresh_name.empty()) j["refresh_name"] = refresh_name;
    if (!method.empty()) j["method"] = method;
    if (!choice.empty()) j["choice"] = choice;
    if (never_expires) j["never_expires"] = true;
    if (!setting_names.empty()) j["setting_names"] = setting_names;
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
    r.method = str("method");
    r.choice = str("choice");
    r.never_expires = j.contains("never_expires") && j["never_expires"] == true;
    if (j.contains("setting_names") && j["setting_names"].is_array())
      for (const auto &n : j["setting_names"])
        if (n.is_string()) r.setting_names.push_back(n.get<std::string>());
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

// The answer's "settings" ({NAME: "value"}), checked before anything is
// stored: string values under the plugin's own prefix.
std::vector<std::pair<std::string, std::string>> auth_answer_settings(const plugin::Manifest &m, const json &answer) {
  std::vector<std::pair<std::string, std::string>> out;
  auto it = answer.find("settings");
  if (it == answer.end() || !it->is_object()) return out;
  const std::string prefix = auth_setting_prefix(m.id);
  for (const auto &[name, value] : it->items()) {
    if (!name.starts_with(prefix) || name.size() > 64 || !value.is_string() || value.get<std::string>().size() > 1024)
      throw Error(m.id + ": the plugin asked to keep a setting " + name.substr(0, 64) + " outside its own names (" + prefix +
                  "...) or too long; nothing stored");
    out.emplace_back(name, value.get<std::string>());
  }
  return out;
}

// Stores a token answer (login or refresh) and returns the updated record.
AuthRecord store_answer(const plugin::Manifest &m, const json &answer, std::optional<AuthRecord> previous, int64_t now,
                        bool is_login) {
  const std::string access = required_string(answer, "access_token", m.id);
  AuthRecord r = previous ? *previous : AuthRecord{};
  r.access_name = store_name(answer, "access_token", m);
  if (r.access_name.empty()) r.access_name = m.primary_secret();
  const std::string refresh_name = answer.contains("refresh_token") ? store_name(answer, "refresh_token", m) : "";
  const auto settings = auth_answer_settings(m, answer);
  KeyStore keys = auth_keys();
  // `webox keys set instagram` stored the same key under the plugin's id.
  std::vector<std::string> spellings;
  if (r.access_name == m.primary_secret()) spellings.push_back(m.id);
  keys.set(r.access_name, access, spellings);
  if (answer.contains("refresh_token") && answer["refresh_token"].is_string()) {
    r.refresh_name = refresh_name;
    if (!r.refresh_name.empty()) keys.set(r.refresh_name, answer["refresh_token"].get<std::string>());
  } else if (is_login && !r.refresh_name.empty()) {
    keys.remove(r.refresh_name); // a new sign-in without one: the old one belongs to another grant
    r.refresh_name.clear();
  }
  // A new sign-in replaces the ids of the old one; a refresh updates them.
  std::vector<std::string> setting_names;
  for (const auto &[name, value] : settings) {
    keys.set(name, value);
    setting_names.push_back(name);
  }
  if (is_login) {
    r.refresh_expires_at.reset(); // the old grant's, if the answer says none
    for (const auto &old : r.setting_names)
      if (std::find(setting_names.begin(), setting_names.end(), old) == setting_names.end()) keys.remove(old);
    r.setting_names = setting_names;
    r.method = answer.contains("method") && answer["method"].is_string() ? answer["method"].get<std::string>() : "";
    r.choice.clear();
    r.never_expires = false;
  } else if (!settings.empty()) {
    r.setting_names = setting_names;
  }
  if (answer.contains("choice") && answer["choice"].is_string()) r.choice = answer["choice"].get<std::string>();
  if (answer.value("never_expires", json(false)) == true) {
    r.never_expires = true;
    r.expires_at.reset();
  } else if (answer.contains("expires_in") && answer["expires_in"].is_number_integer()) {
    r.expires_at = now + answer["expires_in"].get<int64_t>();
  } else if (is_login) {
    r.expires_at.reset();
  }
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
    s.method = record->method;
    s.never_expires = record->never_expires;
    s.grant_expires_at = record->refresh_expires_at;
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
    s.note = "expired on " + auth_day(*s.expires_at) + ": " + relogin_hint(m.id, s.method);
  } else if (s.expires_at && *s.expires_at - now <= kWarnWithin) {
    s.note = "expires in " + std::to_string((*s.expires_at - now) / kDaySeconds) + " days" +
             (s.refreshable ? " (refreshed automatically from 7 days before, or now with: webox auth refresh " + m.id + ")"
                            : ": " + relogin_hint(m.id, s.method));
  }
  return s;
}

// The classes of refresh failure that mean "the grant is gone".
bool grant_refused(const plugin::ProviderError &e) { return e.status() == WEBOX_E_AUTH; }

constexpr size_t kMaxChoices = 2000;

// The sign-in gave several accounts (Facebook Pages) and the user named
// none: ask (a terminal) or refuse listing them (exit 2). The chosen one's
// token comes from a refresh naming it, with the grant the exchange gave.
json auth_pick_account(plugin::Provider &provider, const std::string &platform, const LoginOptions &o, const json &choices_doc) {
  auto text_or = [](const json &doc, const char *key, const char *fallback) {
    return doc.is_object() && doc.contains(key) && doc[key].is_string() ? doc[key].get<std::string>() : std::string(fallback);
  };
  std::vector<AccountChoice> choices;
  for (const auto &c : choices_doc["choices"].is_array() ? choices_doc["choices"] : json::array()) {
    if (!c.is_object() || !c.contains("id") || !c["id"].is_string()) continue;
    choices.push_back({c["id"].get<std::string>(), text_or(c, "name", "")});
    if (choices.size() == kMaxChoices) break;
  }
  const std::string kind = text_or(choices_doc, "choice_kind", "account");
  const std::string option = text_or(choices_doc, "choice_option", "--page");
  if (choices.empty() || !choices_doc.contains("refresh_token") || !choices_doc["refresh_token"].is_string())
    throw Error(platform + ": the plugin's sign-in answer offers no account to choose; nothing stored");
  std::optional<std::string> id = o.choose ? o.choose(kind, choices) : std::nullopt;
  if (!id) {
    std::string list;
    for (const auto &c : choices) list += (list.empty() ? "" : ", ") + ("'" + c.name + "' (" + c.id + ")");
    throw UsageError(platform + ": this sign-in gives access to " + std::to_string(choices.size()) + " " + kind +
                     "s: " + list + "; sign in again choosing one with " + option + " NAME|ID; nothing stored");
  }
  json pick = {{"action", "refresh"}, {"refresh_token", choices_doc["refresh_token"]}, {"choice", *id}};
  if (!o.method.empty()) pick["method"] = o.method;
  json answer = provider.auth(pick);
  // The grant is the exchange's: its token, its life, its name.
  if (!answer.contains("refresh_token")) {
    answer["refresh_token"] = choices_doc["refresh_token"];
    if (choices_doc.contains("refresh_token_expires_in"))
      answer["refresh_token_expires_in"] = choices_doc["refresh_token_expires_in"];
    const json store_as = choices_doc.value("store_as", json::object());
    if (store_as.is_object() && store_as.contains("refresh_token") && answer.contains("store_as") &&
        answer["store_as"].is_object())
      answer["store_as"]["refresh_token"] = store_as["refresh_token"];
  }
  return answer;
}

// The refresh request for a record: the stored tokens, the method and the
// account picked at sign-in.
json auth_refresh_request(const KeyStore &keys, const AuthRecord &record, bool with_refresh_token) {
  json request = {{"action", "refresh"}};
  if (auto a = keys.get(record.access_name)) request["access_token"] = *a;
  if (with_refresh_token && !record.refresh_name.empty())
    if (auto r = keys.get(record.refresh_name)) request["refresh_token"] = *r;
  if (!record.method.empty()) request["method"] = record.method;
  if (!record.choice.empty()) request["choice"] = record.choice;
  for (const char *f : {"access_token", "refresh_token"})
    if (request.contains(f)) logging::register_secret(request[f].get<std::string>());
  return request;
}

} // namespace

int64_t now_unix() { return clock::unix_now(); }

nlohmann::json TokenStatus::to_json(int64_t now) const {
  json j = {{"platform", platform}, {"source", source}, {"signed_in", source != "none"},
            {"method", method.empty() ? json(nullptr) : json(method)}, {"account", account},
            {"scopes", scopes}, {"refreshable", refreshable}, {"never_expires", never_expires}};
  auto put = [&](const char *k, const std::optional<int64_t> &v) {
    j[k] = v ? json(auth_iso(*v)) : json(nullptr);
  };
  put("expires_at", expires_at);
  put("obtained_at", obtained_at);
  put("last_refresh", refreshed_at);
  put("grant_expires_at", grant_expires_at);
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
  if (!o.method.empty()) request["method"] = o.method;
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
  if (!o.method.empty()) exchange["method"] = o.method;
  if (!o.choice.empty()) exchange["choice"] = o.choice;
  json answer = provider.auth(exchange); // a failure: the page says "did not complete"
  bool browser_answered = false;
  if (answer.contains("choices")) {
    redirect.answer(true, "Signed in to " + platform + ". Choose the account in the terminal; you can close this tab.");
    browser_answered = true;
    answer = auth_pick_account(provider, platform, o, answer);
  }
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
  if (!browser_answered) redirect.answer(true, "Signed in to " + platform + ". You can close this tab.");
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
  if (record->refresh_expires_at && *record->refresh_expires_at <= now_unix())
    throw Error(platform + ": the sign-in this token is refreshed from expired on " + auth_day(*record->refresh_expires_at) +
                    "; " + relogin_hint(platform, record->method),
                ExitCode::config);
  json request = auth_refresh_request(keys, *record, true);
  plugin::Provider provider(plugin::bind_provider(m_registry, m_config, platform));
  json answer;
  try {
    answer = provider.auth(request);
  } catch (const plugin::ProviderError &e) {
    if (!grant_refused(e)) throw;
    throw Error(with_relogin_hint(e.what(), platform, record->method), ExitCode::config);
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

Lifecycle::LogoutResult Lifecycle::logout(const std::string &platform) {
  const plugin::Manifest &m = auth_manifest(platform);
  RefreshLock lock(platform);
  KeyStore keys = auth_keys();
  std::optional<AuthRecord> record;
  bool damaged = false;
  try {
    record = load_record(keys, platform);
  } catch (const Error &) {
    damaged = true; // removed below all the same
  }
  LogoutResult out;
  auto forget = [&](const std::string &name, const std::vector<std::string> &spellings = {}) {
    if (!name.empty() && keys.remove(name, spellings)) out.removed.push_back(name);
  };
  const std::string access = record ? record->access_name : m.primary_secret();
  if (record) {
    forget(record->access_name, record->access_name == m.primary_secret() ? std::vector<std::string>{m.id}
                                                                           : std::vector<std::string>{});
    forget(record->refresh_name);
    for (const auto &n : record->setting_names) forget(n);
  }
  forget(auth_record_name(platform));
  if (!record && !damaged) {
    // Not signed in with `auth login`: a key set by hand is the user's to remove.
    const auto names = keys.names();
    for (const auto &n : {access, m.id})
      if (std::find(names.begin(), names.end(), n) != names.end()) {
        out.kept.push_back(access + " was stored with `webox keys set`, not by `webox auth login`, and is kept "
                                    "(remove it with: webox keys remove " + access + ")");
        break;
      }
  }
  if (in_environment(access))
    out.kept.push_back(access + " is set in the environment, which webox cannot unset; it is still used");
  return out;
}

bool refresh_due(int64_t expires_at, std::optional<int64_t> issued_at, int64_t now) {
  int64_t window = kRefreshWithin;
  if (issued_at && expires_at > *issued_at) window = std::min(window, (expires_at - *issued_at) / 2);
  return expires_at - now <= window;
}

void Lifecycle::ensure_fresh(const std::string &platform) {
  const plugin::Manifest *m = m_registry.find(platform);
  if (!m || !(m->capabilities & WEBOX_CAP_AUTH)) return;
  KeyStore keys = auth_keys();
  const auto names = keys.names();
  if (std::find(names.begin(), names.end(), auth_record_name(platform)) == names.end()) return;
  auto due = [&](const std::optional<AuthRecord> &r) {
    return r && r->expires_at && refresh_due(*r->expires_at, r->refreshed_at ? r->refreshed_at : r->obtained_at, now_unix()) &&
           !in_environment(r->access_name);
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
    throw Error(platform + ": the token expired on " + auth_day(*record->expires_at) + "; " +
                    relogin_hint(platform, record->method),
                ExitCode::config);
  json request = auth_refresh_request(keys, *record, has_refresh_token);
  try {
    plugin::Provider provider(plugin::bind_provider(m_registry, m_config, platform));
    AuthRecord r = store_answer(*m, provider.auth(request), record, now, false);
    spdlog::info("{}: token refreshed ahead of its expiry on {}; it now expires {}", platform,
                 auth_day(*record->expires_at), r.expires_at ? auth_iso(*r.expires_at) : "(not said)");
  } catch (const plugin::ProviderError &e) {
    if (expired)
      throw Error(with_relogin_hint(std::string(e.what()) + "; the token expired on " + auth_day(*record->expires_at),
                                    platform, record->method),
                  ExitCode::config);
    // Still valid: this run goes on; the next one tries again.
    const std::string what = std::string(e.what()) + "; the token still works until " + auth_day(*record->expires_at);
    spdlog::warn("{}", grant_refused(e) ? with_relogin_hint(what, platform, record->method) : what);
  }
}

plugin::ProviderBinding bind_platform(plugin::Registry &registry, const Config &config, const std::string &platform) {
  Lifecycle(registry, config).ensure_fresh(platform);
  return plugin::bind_provider(registry, config, platform);
}

} // namespace webox::auth
