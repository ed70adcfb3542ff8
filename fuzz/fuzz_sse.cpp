// Fuzzes the SSE decoder (lib/net/framing.cpp). Beyond "does not crash", it
// checks the property the decoder exists for: the events it hands out do not
// depend on how the body was cut into reads. The first input byte chooses
// the cuts; the rest is the body.
#include <cstdlib>
#include <string>
#include <vector>

#include "fuzz/harness.hpp"
#include "lib/net/framing.hpp"

namespace {

std::vector<std::string> decode(const std::vector<std::string_view> &reads, std::vector<std::string> *names) {
  std::vector<std::string> events;
  webox::net::SseDecoder *self = nullptr;
  webox::net::SseDecoder decoder([&](std::string_view unit) {
    events.emplace_back(unit);
    names->push_back(self->event_name());
    return true;
  });
  self = &decoder;
  for (auto r : reads) decoder.feed(r);
  decoder.finish();
  return events;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0) return 0;
  std::string_view body(reinterpret_cast<const char *>(data) + 1, size - 1);
  std::vector<std::string> whole_names, cut_names;
  auto whole = decode({body}, &whole_names);
  auto pieces = decode(webox::fuzz::cut(body, data[0]), &cut_names);
  if (whole != pieces || whole_names != cut_names) std::abort();
  return 0;
}
