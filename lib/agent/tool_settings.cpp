#include "lib/agent/tool_settings.hpp"


#include <yaml-cpp/yaml.h>

#include "lib/core/config_error.hpp"

namespace webox::agent {
namespace {

std::chrono::milliseconds milliseconds_at(const std::filesystem::path &file, const YAML::Node &node, const char *key) {
  try {
    long long v = node.as<long long>();
    if (v >= 1 && v <= 86'400'000) return std::chrono::milliseconds(v);
  } catch (const YAML::Exception &) {
  }
  fail_config_at(file, node.Mark(), std::string("'tools.") + key + "' must be a number of milliseconds from 1 to 86400000");
}

} // namespace

ToolSettings load_tool_settings(const std::filesystem::path &file) {
  ToolSettings s;
  const YAML::Node tools = config_section(file, "tools");
  if (!tools || tools.IsNull()) return s;
  if (!tools.IsMap()) fail_config_at(file, tools.Mark(), "'tools' must be a mapping (allow, shell_timeout_ms, tool_timeout_ms)");
  for (const auto &kv : tools) {
    const std::string key = kv.first.as<std::string>();
    const YAML::Node &v = kv.second;
    if (key == "allow") {
      if (!v.IsSequence()) fail_config_at(file, v.Mark(), "'tools.allow' must be a list of tool names or patterns");
      for (const auto &item : v) {
        if (!item.IsScalar() || item.as<std::string>().empty())
          fail_config_at(file, item.Mark(), "'tools.allow' entries must be tool names or patterns like fs.*");
        s.allow.push_back(item.as<std::string>());
      }
    } else if (key == "shell_timeout_ms") {
      s.shell_timeout = milliseconds_at(file, v, "shell_timeout_ms");
    } else if (key == "tool_timeout_ms") {
      s.tool_timeout = milliseconds_at(file, v, "tool_timeout_ms");
    } else {
      fail_config_at(file, kv.first.Mark(), "unknown key 'tools." + key + "' (known: allow, shell_timeout_ms, tool_timeout_ms)");
    }
  }
  return s;
}

} // namespace webox::agent
