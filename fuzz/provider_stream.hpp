// The harness shared by the provider stream targets. Each target includes
// its plugin's translation unit (so the plugin's own StreamReader, the code
// that turns one streamed event into deltas and usage, is what runs, with
// no copy and no change) and then calls run_stream_reader with it.
//
// The input is a whole response body. It goes through the framing the
// plugin uses (SSE or NDJSON), cut into arbitrary reads, into the reader,
// and finally into finish(). A provider's garbage must end as an
// sdk::Failure (a clean "upstream" error for the user); any other exception
// would surface as an internal error, so it is a finding and crashes here.
#pragma once

#include <string>
#include <type_traits>

#include <nlohmann/json.hpp>

#include "fuzz/harness.hpp"
#include "lib/net/framing.hpp"

namespace webox::fuzz {

template <class Reader, class Decoder, class Instance>
int run_stream_reader(const uint8_t *data, size_t size) {
  install_stub_host();
  if (size == 0) return 0;
  Instance self;
  self.name = "fuzz";
  // The readers that number tool-call ids after the conversation's earlier
  // turns (ABI 1.3) also take the messages sent; one user turn stands for them.
  const nlohmann::json messages = nlohmann::json::array({{{"role", "user"}, {"content", "fuzz"}}});
  auto make_reader = [&]() -> Reader {
    if constexpr (std::is_constructible_v<Reader, const Instance &, webox_sink_fn, void *, std::string,
                                          const nlohmann::json &>)
      return Reader(self, json_event_sink, nullptr, "fuzz-model", messages);
    else
      return Reader(self, json_event_sink, nullptr, "fuzz-model");
  };
  Reader reader = make_reader();
  std::string_view body(reinterpret_cast<const char *>(data) + 1, size - 1);
  try {
    Decoder decoder([&](std::string_view unit) {
      reader.on_data(unit);
      return true;
    });
    for (auto piece : cut(body, data[0]))
      if (!decoder.feed(piece)) return 0;
    decoder.finish();
    std::string answer = ::webox::kit::dump(reader.finish().to_json()); // as chat_stream does
    (void)answer;
  } catch (const ::webox::sdk::Failure &) {
    // the expected outcome of a malformed stream
  }
  return 0;
}

} // namespace webox::fuzz
