#include "lib/core/json_limits.hpp"

#include "lib/core/error.hpp"

namespace webox {

nlohmann::json parse_user_json(std::string_view text, const std::string &where) {
  bounded_json::Parsed parsed = bounded_json::parse(text);
  if (parsed.too_deep) throw UsageError(where + ": JSON " + bounded_json::too_deep_text());
  return std::move(parsed.value);
}

} // namespace webox
