// One collection through a social-collect plugin (`webox scrape-interactions
// --platform P`): our account on the platform, its lock, the plugin bound
// and checked, the request (where to resume, the platform's settings), and
// the plugin's events turned into pages by an EventSink.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "lib/leads/collect/collect.hpp"
#include "lib/leads/settings.hpp"
#include "lib/plugin/provider.hpp"

namespace webox::leads {

struct PluginCollection {
  std::string platform;
  // --account; "" = <PLATFORM>_USER_ID, then social.<platform>.user_id, then
  // the plugin's own default.
  std::string account;
  // A file-source plugin's input (instagram-export); "" = the platform's API.
  std::string from;
  int64_t since = 0; // Unix seconds, 0 = everything
};

using ProviderBinder = std::function<plugin::ProviderBinding(const std::string &platform)>;

// Collects into `store`; returns the milliseconds the plugin's collection
// took. Throws what the plugin's failure maps to (AccountLock: 75 when
// another run holds the account; UsageError for a platform that cannot
// collect). What arrived before a failure stays: the cursor resumes from
// the last checkpoint.
int64_t collect_from_plugin(LeadsStore &store, const PluginCollection &c, const PlatformSettings &settings,
                            const ProviderBinder &bind, const PageCallback &on_page);

} // namespace webox::leads
