// JSON from outside libwebox (a user's file or argument, a model's answer, a
// plugin's output, a server's body) is parsed with a nesting limit: see
// plugins/common/shared/bounded_json.hpp for why, and for the one implementation
// libwebox and the in-tree plugins share.
#pragma once

#include <istream>
#include <iterator>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "plugins/common/shared/bounded_json.hpp"

namespace webox {

// Discarded when the text is not JSON or nests too deep; never throws.
inline nlohmann::json parse_json_or_discarded(std::string_view text) { return bounded_json::parse_or_discarded(text); }
inline nlohmann::json parse_json_or_discarded(std::istream &in) {
  const std::string text(std::istreambuf_iterator<char>(in), {});
  return bounded_json::parse_or_discarded(text);
}

// A user's file or argument: discarded when it is not JSON (the caller says
// what it expected); a UsageError (exit 2) "WHERE: JSON nested deeper than
// 128 levels" when it nests too deep.
nlohmann::json parse_user_json(std::string_view text, const std::string &where);

} // namespace webox
