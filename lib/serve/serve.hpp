// `webox serve`: the webhook routes of the platform plugins, a persistent
// queue in the store, and a worker that runs each delivery through the
// plugin's `webhook` slot (ABI 1.5) and the same pipeline as collection
// (lib/leads/collect: people, scoring, phones, leads; idempotent per
// interaction id). One serve per store (a flock on <db>-serve.lock), since
// deliveries left `working` by a killed one are taken back at start.
//
// Stop: the first SIGINT/SIGTERM stops accepting, lets the requests in
// flight finish, lets the worker go on for at most `drain_ms`, and returns;
// what is left stays stored for the next start. A second signal exits 130
// at once (lib/core/cancel).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "lib/leads/settings.hpp"
#include "lib/plugin/provider.hpp"
#include "lib/serve/settings.hpp"
#include "lib/serve/webhook_service.hpp"
#include "lib/store/open.hpp"

namespace webox::plugin {
class Registry;
}

namespace webox::serve {

// The routes of every plugin whose manifest declares "webhooks", with the
// secret and verify token looked up like every secret (environment, then
// the key store; registered for redaction). A plugin whose secrets are not
// set is left out with a warning naming them; none at all is a config
// error (exit 4).
std::vector<ServedRoute> resolve_routes(plugin::Registry &registry);

struct ServeRun {
  ServeSettings settings;
  store::Location store;
  std::filesystem::path config_file;
  leads::LeadsSettings leads;
  std::vector<ServedRoute> routes;
  std::function<plugin::ProviderBinding(const std::string &platform)> bind;
  // Called before each delivery of `platform` is processed: refreshes its
  // token when it comes within the refresh window (lib/auth ensure_fresh,
  // under the same flock as every command), since a serve runs for months
  // and the plugin it bound at the first delivery is kept. May throw: the
  // delivery is then retried later like any failed one.
  std::function<void(const std::string &platform)> keep_fresh;
  // Called once listening: "127.0.0.1:8787" (the port bound when 0 was asked).
  std::function<void(const std::string &address)> on_listening;
};

struct ServeSummary {
  int64_t accepted = 0, processed = 0, failed = 0, recovered = 0, left = 0;
};

ServeSummary run_serve(const ServeRun &run);

} // namespace webox::serve
