// Fuzzes the Mustache renderer over JSON data (lib/core/template.cpp): the
// template comes from workflow files and DM templates, the data from model
// answers. The input is "template \0 JSON data"; any template must either
// render or be a TemplateError, and rendering twice gives the same text
// (no state kept between renders).
#include <cstdlib>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "lib/core/template.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string input(reinterpret_cast<const char *>(data), size);
  size_t cut = input.find('\0');
  std::string text = input.substr(0, cut);
  nlohmann::json doc = cut == std::string::npos ? nlohmann::json::object()
                                                : nlohmann::json::parse(input.substr(cut + 1), nullptr, false);
  if (doc.is_discarded()) doc = nlohmann::json::object();
  try {
    webox::Template t(text);
    std::set<std::string> missing;
    std::string first = t.render(doc, &missing);
    if (t.render(doc) != first) std::abort();
  } catch (const webox::TemplateError &) {
  }
  return 0;
}
