// `webox serve`: receive the platforms' webhooks (lib/serve).
//
//   webox serve [--listen HOST:PORT]
//
// Parses, calls lib/serve, prints the address it listens on and, at the
// stop, a one-line summary. See webox-serve(1).
#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>
#include <string>

#include "lib/auth/lifecycle.hpp"
#include "cli/command.hpp"
#include "cli/context.hpp"
#include "cli/output.hpp"
#include "lib/core/config.hpp"
#include "lib/core/paths.hpp"
#include "lib/leads/settings.hpp"
#include "lib/plugin/provider.hpp"
#include "lib/plugin/registry.hpp"
#include "lib/serve/serve.hpp"
#include "lib/store/db.hpp"

namespace webox::cli {
namespace {

struct ServeOptions {
  std::string listen;
};

constexpr const char *kServeExamples = R"(
Examples:
  webox serve                                   # serve.listen, else 127.0.0.1:8787
  webox serve --listen 127.0.0.1:8787           # behind your TLS reverse proxy
  INSTAGRAM_APP_SECRET=... INSTAGRAM_WEBHOOK_VERIFY_TOKEN=... webox serve
  curl -s 127.0.0.1:8787/metrics                # Prometheus text

Routes: GET/POST /webhooks/<platform> for each platform plugin that declares
webhooks (instagram), GET /healthz, GET /metrics. A delivery is answered 200
once stored; SIGTERM or Ctrl-C stops accepting, drains, exits 0.

Exit codes: 0 stopped cleanly, 2 bad usage, 4 no webhook secret configured,
75 the address is in use or another serve uses the store, 130 a second
Ctrl-C. See webox-serve(1).)";

void run_serve_command(const ServeOptions &opt, Context &ctx) {
  serve::ServeRun run;
  run.settings = serve::load_serve_settings(ctx.config().source);
  if (!opt.listen.empty()) {
    serve::parse_listen(opt.listen, "--listen");
    run.settings.listen = opt.listen;
  }
  run.store = ctx.store_location();
  run.config_file = ctx.config().source;
  run.leads = leads::load_leads_settings(ctx.config().source);
  ctx.db(); // the secret fallback and the schema, before any thread
  run.routes = serve::resolve_routes(ctx.plugins());
  run.bind = [&ctx](const std::string &platform) { return plugin::bind_provider(ctx.plugins(), ctx.config(), platform); };
  run.keep_fresh = [&ctx](const std::string &platform) { auth::Lifecycle(ctx.plugins(), ctx.config()).ensure_fresh(platform); };
  std::string paths;
  for (const auto &r : run.routes) paths += " /webhooks/" + r.path;
  run.on_listening = [&paths](const std::string &address) {
    out::line("webox serve: listening on " + address + " (" + paths.substr(1) + ", /healthz, /metrics)");
    std::fflush(stdout);
  };
  const serve::ServeSummary s = serve::run_serve(run);
  char line[200];
  std::snprintf(line, sizeof line, "webox serve: stopped: %lld stored, %lld processed, %lld failed, %lld left for the next start",
                static_cast<long long>(s.accepted), static_cast<long long>(s.processed), static_cast<long long>(s.failed),
                static_cast<long long>(s.left));
  std::fprintf(stderr, "%s\n", line);
}

} // namespace

void setup_serve(CLI::App *cmd, Context &ctx) {
  auto opt = std::make_shared<ServeOptions>();
  cmd->add_option("--listen", opt->listen, "HOST:PORT to listen on (default: serve.listen, else 127.0.0.1:8787)")
      ->type_name("HOST:PORT");
  cmd->footer(kServeExamples);
  cmd->callback([opt, &ctx] { ctx.command = [opt, &ctx] { run_serve_command(*opt, ctx); }; });
}

WEBOX_COMMAND(33, "serve", "Receive platform webhooks (Instagram) into the leads store", setup_serve);

} // namespace webox::cli
