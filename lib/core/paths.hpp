// Where webox keeps things (XDG Base Directory specification).
//
//   config   $XDG_CONFIG_HOME/webox   (~/.config/webox)      config.yaml, keys
//   data     $XDG_DATA_HOME/webox     (~/.local/share/webox) webox.db, plugins
//   cache    $XDG_CACHE_HOME/webox    (~/.cache/webox)
//   state    $XDG_STATE_HOME/webox    (~/.local/state/webox) cooldowns, locks
//
// WEBOX_CONFIG names the config file and WEBOX_DB the database directly.
#pragma once

#include <filesystem>
#include <string>

namespace webox::paths {

namespace fs = std::filesystem;

fs::path config_dir();
fs::path data_dir();
fs::path cache_dir();
fs::path state_dir();

fs::path config_file(); // WEBOX_CONFIG or config_dir()/config.yaml
fs::path database();    // WEBOX_DB or data_dir()/webox.db

// The directory holding the running executable (from /proc/self/exe).
fs::path exe_dir();

// Shipped read-only data (prompts, price tables): WEBOX_DATA_DIR, then
// <exe>/../share/webox (build tree and install tree alike), then the
// install prefix.
fs::path shared_data_dir();

// Creates `dir` (and parents) with mode 0700 when missing.
void ensure_private_dir(const fs::path &dir);

// The value of an environment variable, or "" when unset.
std::string env(const char *name);

// A whole number of at least `least` from the environment, or `fallback`
// when the variable is unset or empty. Anything else (a word, a fraction,
// trailing text, a smaller number) is a UsageError naming the variable:
// a tuning knob mistyped in a cron line must not be silently ignored.
int64_t env_number(const char *name, int64_t fallback, int64_t least);

} // namespace webox::paths
