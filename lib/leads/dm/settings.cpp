#include "lib/leads/dm/settings.hpp"

#include <string>

#include <yaml-cpp/yaml.h>

#include "lib/core/config_error.hpp"
#include "lib/core/error.hpp"
#include "lib/core/paths.hpp"

namespace webox::leads {
namespace {

int64_t whole(const std::filesystem::path &file, const YAML::Node &n, const std::string &what, int64_t min) {
  int64_t v = 0;
  try {
    v = n.as<int64_t>();
  } catch (const YAML::Exception &) {
    fail_config_at(file, n.Mark(), "'" + what + "' must be a whole number");
  }
  if (v < min) fail_config_at(file, n.Mark(), "'" + what + "' must be at least " + std::to_string(min));
  return v;
}

// "0", "500" or "500-2000" (milliseconds).
bool parse_range(const std::string &text, int64_t &lo, int64_t &hi) {
  try {
    size_t dash = text.find('-');
    size_t used = 0;
    lo = std::stoll(text.substr(0, dash), &used);
    hi = dash == std::string::npos ? lo : std::stoll(text.substr(dash + 1));
  } catch (const std::exception &) {
    return false;
  }
  return lo >= 0 && hi >= lo;
}

} // namespace

DmSettings load_dm_settings(const std::filesystem::path &file) {
  DmSettings out;
  YAML::Node dm;
  if (const YAML::Node leads = config_section(file, "leads"); leads && leads.IsMap()) dm = leads["dm"];
  if (dm && !dm.IsNull()) {
    if (!dm.IsMap()) fail_config_at(file, dm.Mark(), "'leads.dm' must be a mapping");
    for (const auto &kv : dm) {
      const std::string key = kv.first.as<std::string>();
      const YAML::Node &v = kv.second;
      if (key == "daily_quota") out.daily_quota = static_cast<int>(whole(file, v, "leads.dm.daily_quota", 0));
      else if (key == "backoff_ms") out.backoff_ms = whole(file, v, "leads.dm.backoff_ms", 0);
      else if (key == "max_backoffs") out.max_backoffs = static_cast<int>(whole(file, v, "leads.dm.max_backoffs", 0));
      else if (key == "window_hours") out.window_hours = static_cast<int>(whole(file, v, "leads.dm.window_hours", 1));
      else if (key == "pace_ms") {
        if (v.IsSequence() && v.size() == 2) {
          out.pace_min_ms = whole(file, v[0], "leads.dm.pace_ms", 0);
          out.pace_max_ms = whole(file, v[1], "leads.dm.pace_ms", 0);
        } else {
          out.pace_min_ms = out.pace_max_ms = whole(file, v, "leads.dm.pace_ms", 0);
        }
        if (out.pace_max_ms < out.pace_min_ms) fail_config_at(file, v.Mark(), "'leads.dm.pace_ms' must be [min, max] with min <= max");
      } else {
        fail_config_at(file, kv.first.Mark(), "unknown setting 'leads.dm." + key + "'");
      }
    }
  }
  std::string pace = paths::env("WEBOX_DM_PACE_MS");
  if (!pace.empty() && !parse_range(pace, out.pace_min_ms, out.pace_max_ms))
    throw Error("WEBOX_DM_PACE_MS: '" + pace + "' is not milliseconds such as 0, 500 or 500-2000", ExitCode::config);
  std::string backoff = paths::env("WEBOX_DM_BACKOFF_MS");
  if (!backoff.empty()) {
    int64_t hi = 0;
    if (!parse_range(backoff, out.backoff_ms, hi))
      throw Error("WEBOX_DM_BACKOFF_MS: '" + backoff + "' is not a number of milliseconds", ExitCode::config);
  }
  return out;
}

} // namespace webox::leads
