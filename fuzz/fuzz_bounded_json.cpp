// Fuzzes the nesting-limited JSON parser (plugins/common/shared/bounded_json.hpp)
// that every reader of outside JSON goes through, in libwebox and in the
// plugins. Properties: it never throws; it refuses exactly the documents
// nested deeper than its limit; what it accepts is what nlohmann's own
// parser gives; and what it accepts can be dumped and copied (the recursive
// walks the limit exists for).
#include <algorithm>
#include <cstdlib>
#include <string_view>

#include <nlohmann/json.hpp>

#include "plugins/common/shared/bounded_json.hpp"

namespace {

// The deepest container nesting of a valid JSON text (strings skipped).
int nesting(std::string_view text) {
  int depth = 0;
  int deepest = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return deepest;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  using nlohmann::json;
  std::string_view text(reinterpret_cast<const char *>(data), size);
  // Small limits too, so that short inputs reach the refusal.
  const int limit = size > 0 && data[0] == ' ' ? 3 : webox::bounded_json::kMaxDepth;
  webox::bounded_json::Parsed parsed = webox::bounded_json::parse(text, limit);
  json reference = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (reference.is_discarded()) {
    if (!parsed.value.is_discarded()) std::abort(); // accepted what nlohmann refuses
    return 0;
  }
  const bool deep = nesting(text) > limit;
  if (parsed.too_deep != deep) std::abort();
  if (deep) {
    if (!parsed.value.is_discarded()) std::abort();
    return 0;
  }
  if (parsed.value != reference) std::abort();
  json copy = parsed.value;
  (void)copy.dump(-1, ' ', false, json::error_handler_t::replace);
  return 0;
}
