// Fuzzes the JSONL import record parser (lib/leads/collect/record.cpp), one line of
// `webox leads import` at a time. The importer skips a bad line by catching
// RecordError, so any other exception would abort a whole import because of
// one line: a finding. A record that parses must also survive its own
// round trip (to_json, then parsed again, gives the same document), since
// exports are re-imported.
#include <cstdlib>

#include <nlohmann/json.hpp>

#include "plugins/common/shared/bounded_json.hpp"

#include "lib/leads/collect/record.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  using nlohmann::json;
  // As the importer reads a line (lib/leads/collect/import_lines.cpp): too deep is unparsable.
  json doc = webox::bounded_json::parse_or_discarded(std::string_view(reinterpret_cast<const char *>(data), size));
  if (doc.is_discarded()) return 0; // the importer reports unparsable lines before this parser
  try {
    auto it = webox::leads::interaction_from_json(doc, "instagram");
    json once = webox::leads::to_json(it);
    json twice = webox::leads::to_json(webox::leads::interaction_from_json(once));
    if (once != twice) std::abort();
  } catch (const webox::leads::RecordError &) {
    // a bad record: skipped with a message
  }
  return 0;
}
