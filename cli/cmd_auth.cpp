// `webox auth`: platform sign-in and the tokens it gives (lib/auth/lifecycle).
//
//   webox auth login PLATFORM [--via METHOD] [--page NAME|ID] [--no-browser] [--port N] [--timeout S] [--scope S]...
//   webox auth status [--json]
//   webox auth refresh [PLATFORM]
//   webox auth logout PLATFORM
//
// This file parses and prints; the flow, the checks and the storage are in
// lib/auth. No token is ever printed: status shows names, dates and scopes.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>

#include <unistd.h>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "cli/command.hpp"
#include "cli/context.hpp"
#include "cli/output.hpp"
#include "lib/auth/lifecycle.hpp"
#include "lib/core/error.hpp"

namespace webox::cli {
namespace {

struct AuthOptions {
  std::string platform;
  std::string via;
  std::string page;
  bool no_browser = false;
  int port = 0;
  int timeout_s = 300;
  std::vector<std::string> scopes;
  bool json = false;
};

std::string auth_status_line(const auth::TokenStatus &s, int64_t now) {
  std::string line = s.platform + ": ";
  if (s.source == "none") return line + "not signed in";
  line += s.account.empty() ? "signed in" : "account " + s.account;
  if (!s.method.empty()) line += " (--via " + s.method + ")";
  if (s.never_expires) {
    line += ", never expires";
  } else if (s.expires_at) {
    const int64_t left = *s.expires_at - now;
    line += left <= 0 ? ", expired" : ", expires in " + std::to_string(left / auth::kDaySeconds) + " days";
  } else {
    line += ", expiry unknown";
  }
  if (s.refreshed_at) line += ", last refresh " + s.to_json(now)["last_refresh"].get<std::string>();
  else if (s.obtained_at) line += ", signed in " + s.to_json(now)["obtained_at"].get<std::string>();
  if (!s.scopes.empty()) {
    std::string scopes;
    for (const auto &sc : s.scopes) scopes += (scopes.empty() ? "" : ",") + sc;
    line += ", scopes " + scopes;
  }
  if (s.source == "environment") line += " (from the environment)";
  return line;
}

void print_status(const auth::TokenStatus &s, bool json) {
  const int64_t now = auth::now_unix();
  if (json) {
    out::line(s.to_json(now).dump());
    return;
  }
  out::line(auth_status_line(s, now));
  if (!s.note.empty() && s.source != "none") spdlog::warn("{}: {}", s.platform, s.note);
}

// Several accounts and no --page: asked on a terminal, by number, id or name.
std::optional<std::string> ask_account(const std::string &kind, const std::vector<auth::AccountChoice> &choices) {
  if (!::isatty(STDIN_FILENO) || !::isatty(STDERR_FILENO)) return std::nullopt;
  for (size_t i = 0; i < choices.size(); ++i)
    std::fprintf(stderr, "  %zu. %s (%s)\n", i + 1, choices[i].name.c_str(), choices[i].id.c_str());
  for (int attempt = 0; attempt < 3; ++attempt) {
    std::fprintf(stderr, "Which %s? [1-%zu] ", kind.c_str(), choices.size());
    std::fflush(stderr);
    std::string answer;
    if (!std::getline(std::cin, answer)) return std::nullopt;
    for (size_t i = 0; i < choices.size(); ++i)
      if (answer == std::to_string(i + 1) || answer == choices[i].id || answer == choices[i].name) return choices[i].id;
  }
  return std::nullopt;
}

void run_login(Context &ctx, const AuthOptions &o) {
  if (o.port < 0 || o.port > 65535) throw UsageError("--port must be between 0 and 65535");
  if (!o.page.empty() && o.via.empty()) throw UsageError("--page chooses a Facebook Page: use it with --via facebook");
  if (o.timeout_s < 1 || o.timeout_s > 3600) throw UsageError("--timeout must be between 1 and 3600 seconds");
  auth::LoginOptions lo;
  lo.open_browser = !o.no_browser;
  lo.port = static_cast<uint16_t>(o.port);
  lo.timeout_ms = static_cast<int64_t>(o.timeout_s) * 1000;
  lo.scopes = o.scopes;
  lo.method = o.via;
  lo.choice = o.page;
  lo.choose = ask_account;
  lo.show_url = [&](const std::string &url, bool opened) {
    // stderr, so that `--json`-style stdout stays clean; the URL holds no secret
    // (a client id, the state, the PKCE challenge).
    std::fprintf(stderr, "%s\n%s\nWaiting for the redirect (Ctrl-C to stop)...\n",
                 opened ? "Opened your browser. If it did not open, visit:"
                        : ("Open this URL in a browser to sign in to " + o.platform + ":").c_str(),
                 url.c_str());
    std::fflush(stderr);
  };
  auth::Lifecycle lifecycle(ctx.plugins(), ctx.config());
  auth::TokenStatus s = lifecycle.login(o.platform, lo);
  std::fprintf(stderr, "Signed in to %s; the token is stored encrypted in the key store.\n", o.platform.c_str());
  print_status(s, o.json);
}

void run_status(Context &ctx, const AuthOptions &o) {
  auth::Lifecycle lifecycle(ctx.plugins(), ctx.config());
  const auto all = lifecycle.status();
  if (o.json) {
    nlohmann::json doc = nlohmann::json::array();
    const int64_t now = auth::now_unix();
    for (const auto &s : all) doc.push_back(s.to_json(now));
    out::line(doc.dump());
    return;
  }
  if (all.empty()) std::fputs("no installed platform plugin can sign in\n", stderr);
  for (const auto &s : all) print_status(s, false);
}

void run_refresh(Context &ctx, const AuthOptions &o) {
  auth::Lifecycle lifecycle(ctx.plugins(), ctx.config());
  if (!o.platform.empty()) {
    print_status(lifecycle.refresh(o.platform), o.json);
    return;
  }
  // Every platform signed in with `auth login`; the others are not webox's to refresh.
  int refreshed = 0;
  for (const auto &s : lifecycle.status()) {
    if (s.source != "key store" || !s.obtained_at) continue;
    print_status(lifecycle.refresh(s.platform), o.json);
    ++refreshed;
  }
  if (refreshed == 0) throw Error("no platform is signed in with webox auth login; nothing to refresh", ExitCode::config);
}

void run_logout(Context &ctx, const AuthOptions &o) {
  auth::Lifecycle lifecycle(ctx.plugins(), ctx.config());
  const auto result = lifecycle.logout(o.platform);
  std::string kept;
  for (const auto &k : result.kept) kept += "; " + k;
  if (result.removed.empty()) throw UsageError(o.platform + ": no token stored by webox auth login; nothing removed" + kept);
  std::string removed;
  for (const auto &n : result.removed) removed += (removed.empty() ? "" : ", ") + n;
  std::fprintf(stderr, "%s: removed from the key store: %s%s (the app's access stays granted until revoked on the "
                       "platform's settings page)\n",
               o.platform.c_str(), removed.c_str(), kept.c_str());
}

} // namespace

void setup_auth(CLI::App *cmd, Context &ctx) {
  cmd->require_subcommand(1);
  cmd->footer(R"EX(
Examples:
  webox auth login instagram                 opens the browser; redirect to 127.0.0.1
  webox auth login x --no-browser            prints the URL (headless server)
  webox auth login instagram --via facebook --page "Ma Boutique"
                                             a Facebook Page's token (never expires)
  webox auth status
  webox auth refresh instagram
  webox auth logout linkedin

Tokens are stored encrypted in the key store (webox keys path). Commands
that use a platform token refresh it when it expires within 7 days. See
webox-auth(1).)EX");

  auto login_opt = std::make_shared<AuthOptions>();
  CLI::App *login = cmd->add_subcommand("login", "Sign in in the browser; store the token");
  login->add_option("PLATFORM", login_opt->platform, "instagram, x, linkedin")->required();
  login->add_option("--via", login_opt->via, "Another sign-in the platform offers: instagram --via facebook (Facebook Login, a Page's token)");
  login->add_option("--page", login_opt->page, "With --via facebook: the Facebook Page to use, by name or id");
  login->add_flag("--no-browser", login_opt->no_browser, "Print the consent URL instead of opening a browser");
  login->add_option("--port", login_opt->port, "Port of the 127.0.0.1 redirect listener (default: a free one)");
  login->add_option("--timeout", login_opt->timeout_s, "Seconds to wait for the redirect (default 300)");
  login->add_option("--scope", login_opt->scopes, "A scope to ask for instead of the plugin's defaults (repeatable)");
  login->add_flag("--json", login_opt->json, "Print the resulting status as one JSON line");
  login->footer(R"EX(
Examples:
  webox auth login instagram
  webox auth login x --no-browser --timeout 600
  webox auth login instagram --port 8765     a fixed redirect URI to register:
                                             http://127.0.0.1:8765/callback
  webox auth login instagram --via facebook --page 1122334455
Needs the app's client id and secret: INSTAGRAM_APP_ID / INSTAGRAM_APP_SECRET,
(--via facebook: FACEBOOK_APP_ID / FACEBOOK_APP_SECRET), X_CLIENT_ID
(/ X_CLIENT_SECRET), LINKEDIN_CLIENT_ID / LINKEDIN_CLIENT_SECRET.
Exit status: 0 signed in; 1 refused (consent denied, wrong state, no redirect
in time); 2 bad option, or several Facebook Pages and no --page off a terminal
(they are listed); 4 client id or secret missing, the platform refused the
code, or the Page has no Instagram account linked; 130 Ctrl-C. Nothing is
stored unless the sign-in succeeds.)EX");
  login->callback([&ctx, login_opt] { ctx.command = [&ctx, login_opt] { run_login(ctx, *login_opt); }; });

  auto status_opt = std::make_shared<AuthOptions>();
  CLI::App *status = cmd->add_subcommand("status", "Each platform: account, scopes, expiry, last refresh");
  status->add_flag("--json", status_opt->json, "Print a JSON array");
  status->footer(R"EX(
Examples:
  webox auth status
  webox auth status --json | jq '.[] | select(.expires_in_days < 14)'
Warns from 14 days before a token expires. Never prints a token.)EX");
  status->callback([&ctx, status_opt] { ctx.command = [&ctx, status_opt] { run_status(ctx, *status_opt); }; });

  auto refresh_opt = std::make_shared<AuthOptions>();
  CLI::App *refresh = cmd->add_subcommand("refresh", "Refresh a token now (all signed-in platforms by default)");
  refresh->add_option("PLATFORM", refresh_opt->platform, "instagram, x, linkedin");
  refresh->add_flag("--json", refresh_opt->json, "Print the resulting status as JSON lines");
  refresh->footer(R"EX(
Examples:
  webox auth refresh instagram
  webox auth refresh
Exit status: 0 refreshed; 4 not signed in, or the platform refused (revoked,
expired): sign in again with webox auth login PLATFORM; 75 network.)EX");
  refresh->callback([&ctx, refresh_opt] { ctx.command = [&ctx, refresh_opt] { run_refresh(ctx, *refresh_opt); }; });

  auto logout_opt = std::make_shared<AuthOptions>();
  CLI::App *logout = cmd->add_subcommand("logout", "Forget a platform's tokens");
  logout->add_option("PLATFORM", logout_opt->platform, "instagram, x, linkedin")->required();
  logout->footer(R"EX(
Examples:
  webox auth logout instagram)EX");
  logout->callback([&ctx, logout_opt] { ctx.command = [&ctx, logout_opt] { run_logout(ctx, *logout_opt); }; });
}

WEBOX_COMMAND(62, "auth", "Sign in to social platforms (OAuth) and keep their tokens fresh", setup_auth);

} // namespace webox::cli
