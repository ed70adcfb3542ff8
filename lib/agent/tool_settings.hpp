// The config's `tools:` section (the tools: config keys, webox-config(5)):
//
//   tools:
//     allow: [read_file, http_get, fs.*]   # run without asking (fnmatch over
//                                          # "<source>.<tool>"; built-ins bare)
//     shell_timeout_ms: 30000              # the shell tool's limit per command
//     tool_timeout_ms: 120000              # any tool call's limit
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace webox::agent {

struct ToolSettings {
  std::vector<std::string> allow;
  std::chrono::milliseconds shell_timeout{30'000};
  std::chrono::milliseconds tool_timeout{120'000};
};

// Reads `tools:` from the config file; a missing file or section gives the
// defaults. Throws webox::Error (exit 4) with file:line for a bad value.
ToolSettings load_tool_settings(const std::filesystem::path &config_file);

} // namespace webox::agent
