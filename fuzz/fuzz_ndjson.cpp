// Fuzzes the NDJSON decoder (lib/net/framing.cpp): the lines it hands out
// must not depend on how the body was cut into reads, and none is blank or
// still carries its LF. The first byte chooses the cuts.
#include <cstdlib>
#include <string>
#include <vector>

#include "fuzz/harness.hpp"
#include "lib/net/framing.hpp"

namespace {

std::vector<std::string> decode(const std::vector<std::string_view> &reads) {
  std::vector<std::string> lines;
  webox::net::NdjsonDecoder decoder([&](std::string_view unit) {
    lines.emplace_back(unit);
    return true;
  });
  for (auto r : reads) decoder.feed(r);
  decoder.finish();
  return lines;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0) return 0;
  std::string_view body(reinterpret_cast<const char *>(data) + 1, size - 1);
  auto whole = decode({body});
  if (whole != decode(webox::fuzz::cut(body, data[0]))) std::abort();
  for (const auto &line : whole)
    if (line.empty() || line.find('\n') != std::string::npos) std::abort();
  return 0;
}
