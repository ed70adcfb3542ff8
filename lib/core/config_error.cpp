#include "lib/core/config_error.hpp"

#include "lib/core/error.hpp"

namespace webox {

void fail_config_at(const std::filesystem::path &file, const YAML::Mark &mark, const std::string &what) {
  std::string where = file.string();
  if (mark.line >= 0) where += ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
  throw Error(where + ": " + what, ExitCode::config);
}

} // namespace webox
