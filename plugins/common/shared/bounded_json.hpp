// bounded_json.hpp: parsing JSON that comes from outside (a server's body, a
// user's file, an export archive) with a nesting limit.
//
// Why: nlohmann's parser is iterative, but copying, dumping and comparing a
// json value recurse once per level, so `[[[[...]]]]` 100,000 deep parses
// fine and then overflows the stack the first time the tree is copied or
// printed (exit 139). Refusing such a document before it is parsed keeps
// every later walk of the tree bounded. Real documents from providers and platforms nest
// fewer than 20 levels; 128 leaves room and keeps the deepest walk a few
// hundred KB of stack even with ASan's large frames.
//
// Header-only and free of the SDK so that plugins (plugins/common) and
// libwebox (lib/core/json_limits.hpp) share the one implementation.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace webox::bounded_json {

inline constexpr int kMaxDepth = 128;

struct Parsed {
  nlohmann::json value; // discarded when the text is not JSON or nests too deep
  bool too_deep = false;
};

// True when `text` opens more than `max_depth` containers at once. It counts
// the brackets outside strings, which is exact for valid JSON (the only text
// the parser turns into a tree) and stops at the first level past the limit.
// A scan rather than nlohmann's parser callback: that callback parser looks
// for discarded values in the parent container after every element, which
// is quadratic (200,000 small objects in one array: 170 s instead of 0.7 s).
inline bool nests_deeper_than(std::string_view text, int max_depth) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') ++i; // the escaped character cannot end the string
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return true;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return false;
}

// Never throws on bad input (only std::bad_alloc).
inline Parsed parse(std::string_view text, int max_depth = kMaxDepth) {
  Parsed out;
  if (nests_deeper_than(text, max_depth)) {
    out.value = nlohmann::json(nlohmann::json::value_t::discarded);
    out.too_deep = true;
    return out;
  }
  out.value = nlohmann::json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  return out;
}

// The value, or a discarded one for invalid or too deep text.
inline nlohmann::json parse_or_discarded(std::string_view text) { return parse(text).value; }

// "nested deeper than 128 levels", for messages that say what was refused.
inline std::string too_deep_text(int max_depth = kMaxDepth) {
  return "nested deeper than " + std::to_string(max_depth) + " levels";
}

} // namespace webox::bounded_json
