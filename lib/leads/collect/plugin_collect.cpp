#include "lib/leads/collect/plugin_collect.hpp"

#include <chrono>
#include <filesystem>
#include <optional>

#include <nlohmann/json.hpp>

#include "lib/core/error.hpp"
#include "lib/leads/collect/account_lock.hpp"

namespace webox::leads {
namespace {

using nlohmann::json;

json collect_request(LeadsStore &store, const PluginCollection &c, const PlatformSettings &settings,
                     const std::string &account, int64_t account_id) {
  const bool file_source = !c.from.empty();
  json request = {{"account_id", file_source ? "" : account},
                  {"since", c.since ? json(c.since) : json(nullptr)},
                  {"cursors", store.cursors(account_id)},
                  {"options", settings}};
  if (file_source) request["path"] = std::filesystem::absolute(c.from).string();
  if (c.platform == "instagram") {
    std::string base = instagram_base_override(settings);
    if (!base.empty()) request["base_url"] = base;
  }
  return request;
}

} // namespace

int64_t collect_from_plugin(LeadsStore &store, const PluginCollection &c, const PlatformSettings &settings,
                            const ProviderBinder &bind, const PageCallback &on_page) {
  const bool file_source = !c.from.empty();
  std::string account = file_source ? c.from : !c.account.empty() ? c.account : platform_user_id(c.platform, settings);
  std::string account_key = account.empty() ? "me" : account;

  // The lock comes before the plugin is even loaded: a second cron run must
  // not spend an API call.
  std::optional<AccountLock> lock;
  if (!file_source) lock.emplace(store.db(), c.platform, account_key);

  plugin::Provider provider(bind(c.platform));
  if (!provider.can(WEBOX_CAP_SOCIAL_COLLECT))
    throw UsageError("'" + c.platform + "' is not a social platform (it has no social-collect capability)");

  int64_t account_id = store.account(c.platform, account_key);
  json request = collect_request(store, c, settings, account, account_id);
  auto start = std::chrono::steady_clock::now();
  EventSink sink(store, account_id, c.platform, on_page);
  try {
    provider.social_collect(request, [&](const json &event) { return sink.on_event(event); });
  } catch (...) {
    sink.finish(); // what arrived stays (idempotent); the cursor resumes from the last checkpoint
    throw;
  }
  sink.finish();
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
}

} // namespace webox::leads
