#include "lib/core/config_error.hpp"

#include <fstream>

#include <yaml-cpp/yaml.h>

#include "lib/core/error.hpp"
#include "lib/core/yaml_load.hpp"

namespace webox {

void fail_config_at(const std::filesystem::path &file, const YAML::Mark &mark, const std::string &what) {
  std::string where = file.string();
  if (mark.line >= 0) where += ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
  throw Error(where + ": " + what, ExitCode::config);
}

YAML::Node config_section(const std::filesystem::path &file, const char *name) {
  std::ifstream in(file);
  if (!in) return {};
  YAML::Node root;
  try {
    root = load_yaml(in);
  } catch (const YAML::ParserException &e) {
    fail_config_at(file, e.mark, e.msg);
  }
  if (!root.IsMap()) return {};
  const YAML::Node &map = root; // the const operator[] never adds the key
  return map[name];
}

int64_t config_integer(const std::filesystem::path &file, const YAML::Node &node, const std::string &what, int64_t min,
                       int64_t max) {
  int64_t v = 0;
  try {
    v = node.as<int64_t>();
  } catch (const YAML::Exception &) {
    fail_config_at(file, node.Mark(), "'" + what + "' must be a whole number");
  }
  if (v < min || v > max)
    fail_config_at(file, node.Mark(),
                   "'" + what + "' must be between " + std::to_string(min) + " and " + std::to_string(max));
  return v;
}

} // namespace webox
