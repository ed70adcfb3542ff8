// Fuzzes the mojibake repair (plugins/common/shared/mojibake.cpp) that every string of
// an Instagram export goes through. Properties: valid UTF-8 stays valid
// UTF-8 (the repair never makes text worse), and the UTF-8 validator agrees
// with nlohmann's JSON serializer on what is valid.
#include <cstdlib>

#include <nlohmann/json.hpp>

#include "plugins/common/shared/mojibake.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string_view in(reinterpret_cast<const char *>(data), size);
  std::string out = webox::leads::repair_mojibake(in);
  bool valid_in = webox::leads::is_valid_utf8(in);
  if (valid_in && !webox::leads::is_valid_utf8(out)) std::abort();
  if (out.size() > in.size()) std::abort(); // repair only ever merges bytes
  bool json_accepts = true;
  try {
    (void)nlohmann::json(std::string(in)).dump();
  } catch (const nlohmann::json::type_error &) {
    json_accepts = false;
  }
  if (json_accepts != valid_in) std::abort();
  return 0;
}
