// One shape for every configuration error: "FILE:LINE:COLUMN: what", exit 4.
// config.yaml, the leads, DM and export sections all report through it, so a
// user (or an editor jumping to the position) sees the same format everywhere.
#pragma once

#include <filesystem>
#include <string>
#include <yaml-cpp/mark.h>

namespace webox {

// Throws webox::Error with ExitCode::config. A mark without a position (a
// node built in memory) names the file alone.
[[noreturn]] void fail_config_at(const std::filesystem::path &file, const YAML::Mark &mark, const std::string &what);

} // namespace webox
