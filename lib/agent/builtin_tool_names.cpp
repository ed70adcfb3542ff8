// The built-in tools' names apart from the tools themselves: the workflow
// loader checks a step's `tools:` with them, and the fuzz tree links it
// without the tools' HTTP client and file code.
#include "lib/agent/builtin_tools.hpp"

#include <algorithm>

namespace webox::agent {

const std::vector<std::string> &builtin_tool_names() {
  static const std::vector<std::string> names = {"read_file", "list_dir", "write_file", "http_get", "shell"};
  return names;
}

bool is_builtin_tool(const std::string &name) {
  const auto &n = builtin_tool_names();
  return std::find(n.begin(), n.end(), name) != n.end();
}

bool is_read_only_builtin(const std::string &name) { return name == "read_file" || name == "list_dir"; }

} // namespace webox::agent
