// Platform sign-in and the life of its tokens: `webox auth login|status|
// refresh|logout`, and the refresh every command that uses a platform token
// gets before it starts (bind_platform).
//
// WHO DOES WHAT. The platform's plugin (ABI 1.6 `auth` slot) knows the OAuth
// endpoints and exchanges; this module runs the flow around it: the loopback
// redirect listener, `state` and the PKCE pair, the browser, the time limit,
// and storage. Tokens go to the encrypted key store (lib/core/keystore.hpp)
// under the names the plugin reads them from (its answer's "store_as"), so a
// plugin needs nothing new to use them. Beside them, the entry
// "auth.<platform>" (encrypted too) holds the record: account, scopes, when
// the token was obtained and last refreshed, when it expires, and the names
// of the entries. No database table: the key store is the one place a token
// lives, and the record must follow it.
//
// AUTOMATIC REFRESH. A token that expires within 7 days is refreshed before
// the command uses it, once: under an flock on <config>/auth-<platform>.lock
// the record is read again, so a second cron run that waited for the lock
// sees the new expiry and does not refresh again. A refresh that fails while
// the token still works is a warning (the run goes on; `auth status` shows
// it); a token that has expired and cannot be refreshed stops the command
// with exit 4 naming `webox auth login PLATFORM`. A token in the environment
// (INSTAGRAM_ACCESS_TOKEN=...) wins over the key store and is never touched.
//
// TIME. WEBOX_NOW (Unix seconds) pins "now", as elsewhere, so tests can move
// a token to the edge of its life.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lib/core/config.hpp"
#include "lib/plugin/provider.hpp"

namespace webox::plugin {
class Registry;
}

namespace webox::auth {

constexpr int64_t kDaySeconds = 24 * 3600;
constexpr int64_t kRefreshWithin = 7 * kDaySeconds; // refreshed automatically from here
constexpr int64_t kWarnWithin = 14 * kDaySeconds;   // `auth status` warns from here

// The clock in Unix seconds, or WEBOX_NOW when it holds a whole number.
int64_t now_unix();

// Whether a token that expires at `expires_at`, issued at `issued_at` (its
// sign-in or last refresh; unknown = nullopt), is due for the automatic
// refresh at `now`: within kRefreshWithin of its end, or within the last
// half of its life when that life is shorter (an X token lives 2 hours: a
// 7-day window alone would refresh it on every run).
bool refresh_due(int64_t expires_at, std::optional<int64_t> issued_at, int64_t now);

// One of the accounts a sign-in gives access to (a Facebook Page), when the
// plugin needs the user to pick one.
struct AccountChoice {
  std::string id, name;
};

struct LoginOptions {
  std::string method;                // `--via`: "" = the plugin's default sign-in
  std::string choice;                // `--page`: the account to use, by id or name
  // Asked when the sign-in gives several usable accounts and `choice` is
  // empty: returns the chosen id, or nothing (not a terminal: exit 2 listing them).
  std::function<std::optional<std::string>(const std::string &kind, const std::vector<AccountChoice> &)> choose;
  bool open_browser = true;
  int64_t timeout_ms = 5 * 60 * 1000;
  uint16_t port = 0;                 // 0 = a free port
  std::vector<std::string> scopes;   // empty = the plugin's defaults
  // Shows the consent URL to the user (always called, browser or not).
  std::function<void(const std::string &url, bool browser_opened)> show_url;
};

// What `auth status` shows for one platform.
struct TokenStatus {
  std::string platform;
  std::string source;                 // "key store", "environment" or "none"
  std::string method;                 // the sign-in method (`--via`), "" = the default
  std::string account;
  std::vector<std::string> scopes;
  std::optional<int64_t> expires_at;  // Unix seconds
  std::optional<int64_t> obtained_at;
  std::optional<int64_t> refreshed_at;
  bool never_expires = false;         // the platform says the token does not expire (a Page token)
  std::optional<int64_t> grant_expires_at; // what the token is refreshed from expires then
  bool refreshable = false;           // a refresh token, or a token the platform refreshes itself
  std::string note;                   // a warning, or ""
  nlohmann::json to_json(int64_t now) const;
};

class Lifecycle {
public:
  Lifecycle(plugin::Registry &registry, const Config &config);

  TokenStatus login(const std::string &platform, const LoginOptions &options);
  // A refresh now, whatever the expiry. Throws exit 4 when there is nothing
  // to refresh or the platform refuses.
  TokenStatus refresh(const std::string &platform);
  // Every platform whose plugin can sign in, signed in or not.
  std::vector<TokenStatus> status();
  // Forgets what `auth login` stored for the platform (tokens, ids, record).
  // Says what was removed and what was kept (a token set with `webox keys
  // set`, or in the environment); `removed` empty = nothing was.
  struct LogoutResult {
    std::vector<std::string> removed;  // key-store names
    std::vector<std::string> kept;     // one sentence each
  };
  LogoutResult logout(const std::string &platform);
  // Refreshes `platform`'s token when it expires within kRefreshWithin
  // (see AUTOMATIC REFRESH). A platform without sign-in or record: nothing.
  void ensure_fresh(const std::string &platform);
  // The platforms whose plugin has the auth capability, sorted.
  std::vector<std::string> platforms();

private:
  const plugin::Manifest &auth_manifest(const std::string &platform);
  plugin::Registry &m_registry;
  const Config &m_config;
};

// bind_provider for a platform a command is about to use: its token is
// refreshed first when it is about to expire (Lifecycle::ensure_fresh).
plugin::ProviderBinding bind_platform(plugin::Registry &registry, const Config &config, const std::string &platform);

} // namespace webox::auth
