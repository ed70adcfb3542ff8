// The harness shared by the batch result targets. A provider's batch result
// file is JSONL it writes and webox downloads (`webox batch collect`); each
// target includes its plugin's translation unit and hands its own line
// mapper (openai_result_line, anthropic_result_line) to this loop, which runs
// it the way batch_results does: NDJSON framing cut into arbitrary reads,
// then batch_kit::ResultReader (line size limit, bounded parse, result
// count limit), then the sink that checks each event is one JSON object.
//
// Garbage must end as a warning event or an sdk::Failure; any other
// exception would be an internal error for the user, so it escapes and
// crashes here.
#pragma once

#include <string>

#include "fuzz/harness.hpp"
#include "lib/net/framing.hpp"

namespace webox::fuzz {

template <class Instance, class ReadLine>
int run_batch_results(const uint8_t *data, size_t size, const ReadLine &read_line) {
  install_stub_host();
  if (size == 0) return 0;
  Instance self;
  self.name = "fuzz";
  // A small limit, so a few lines reach the "more results than asked" path.
  webox::kit::batch::ResultReader reader(self.name, json_event_sink, nullptr, 8);
  std::string_view body(reinterpret_cast<const char *>(data) + 1, size - 1);
  try {
    webox::net::NdjsonDecoder decoder([&](std::string_view line) {
      reader.on_line(line, [&](const nlohmann::json &l, std::string &why) { return read_line(self, l, why); });
      return true;
    });
    for (auto piece : cut(body, data[0]))
      if (!decoder.feed(piece)) return 0;
    decoder.finish();
  } catch (const ::webox::sdk::Failure &) {
    // too many results, or a line the mapper refused as a whole
  }
  return 0;
}

} // namespace webox::fuzz
