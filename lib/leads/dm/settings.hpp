// The `leads.dm` section of config.yaml: quota, pacing and back-off of
// `webox leads dm` (read here, next to the DM code, like lib/leads/settings.hpp does
// for the rest of `leads`).
//
//   leads:
//     dm:
//       daily_quota: 50          # messages per account and UTC day, all campaigns together
//       pace_ms: [20000, 60000]  # a random wait in this range between two sends
//       backoff_ms: 30000        # first wait after a throttling answer; doubles
//       max_backoffs: 2          # throttled again after that many waits: stop
//       window_hours: 24         # Instagram: only people active this recently
//
// Environment overrides, for tests and one-off runs: WEBOX_DM_PACE_MS
// ("0", "500" or "500-2000") and WEBOX_DM_BACKOFF_MS.
#pragma once

#include <cstdint>
#include <filesystem>

namespace webox::leads {

struct DmSettings {
  int daily_quota = 50;
  int64_t pace_min_ms = 20000;
  int64_t pace_max_ms = 60000;
  int64_t backoff_ms = 30000;
  int max_backoffs = 2;
  int window_hours = 24;
};

// Throws webox::Error (exit 4) naming file:line:column on a bad value.
DmSettings load_dm_settings(const std::filesystem::path &config_file);

} // namespace webox::leads
