// One shape for every configuration error: "FILE:LINE:COLUMN: what", exit 4.
// config.yaml, the leads, DM and export sections all report through it, so a
// user (or an editor jumping to the position) sees the same format everywhere.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/node/node.h>

namespace webox {

// Throws webox::Error with ExitCode::config. A mark without a position (a
// node built in memory) names the file alone.
[[noreturn]] void fail_config_at(const std::filesystem::path &file, const YAML::Mark &mark, const std::string &what);

// One top-level section of the config file, for the features that read
// their own (leads, social, export, tools, rag, mcp_servers): the file is
// loaded with load_yaml's limits and a syntax error is reported through
// fail_config_at. An absent file, a file that is not a mapping and an absent
// section all give an undefined node (`!node`); a section written as
// `name:` alone gives a null node.
YAML::Node config_section(const std::filesystem::path &file, const char *name);

// A whole number between min and max of a config section, named `what`
// ("rag.k") in the message; anything else fails through fail_config_at.
int64_t config_integer(const std::filesystem::path &file, const YAML::Node &node, const std::string &what, int64_t min,
                       int64_t max);

} // namespace webox
