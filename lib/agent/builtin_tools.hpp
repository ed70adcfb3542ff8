// The built-in tools: read_file, list_dir, write_file, http_get, shell.
//
// Each is small and explicit, and only the ones named with `--tool` are
// offered. Paths are relative to a root (the current folder, or --root DIR)
// and may not leave it: absolute paths, ".." and symbolic links are
// refused (each folder is opened with O_NOFOLLOW; writes go through
// AtomicFile confined to the root, as workflow outputs do). Every answer is
// capped so that one call cannot fill memory or the model's context.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "lib/agent/tool_source.hpp"

namespace webox::agent {

struct BuiltinSettings {
  std::filesystem::path root = ".";
  std::vector<std::string> enabled;              // names given with --tool
  size_t max_read_bytes = 1u << 20;              // read_file
  size_t max_list_entries = 1000;                // list_dir
  size_t max_write_bytes = 8u << 20;             // write_file's content
  size_t max_http_bytes = 1u << 20;              // http_get's body
  size_t max_shell_output = 64u << 10;           // shell: stdout and stderr together
  std::chrono::milliseconds shell_timeout{30'000};
};

// Every built-in tool's name, in the order they are documented.
const std::vector<std::string> &builtin_tool_names();
bool is_builtin_tool(const std::string &name);
// read_file and list_dir only read below the root: allowed without asking.
bool is_read_only_builtin(const std::string &name);

class BuiltinTools : public ToolSource {
public:
  // Throws UsageError for an unknown name or a root that is not a folder.
  explicit BuiltinTools(BuiltinSettings settings);
  const std::string &name() const override { return m_name; }
  std::vector<ToolSpec> tools() override;
  ToolOutcome call(const std::string &tool, const nlohmann::json &arguments,
                   std::chrono::milliseconds timeout) override;

private:
  ToolOutcome read_file(const nlohmann::json &args) const;
  ToolOutcome list_dir(const nlohmann::json &args) const;
  ToolOutcome write_file(const nlohmann::json &args) const;
  ToolOutcome http_get(const nlohmann::json &args) const;
  ToolOutcome shell(const nlohmann::json &args, std::chrono::milliseconds timeout) const;

  std::string m_name = "builtin";
  BuiltinSettings m_settings;
};

} // namespace webox::agent
