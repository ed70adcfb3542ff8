#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "lib/net/framing.hpp"

using webox::net::NdjsonDecoder;
using webox::net::SseDecoder;

namespace {

// Feeds `body` in pieces of `step` bytes and returns the units handed out.
template <class Decoder>
std::vector<std::string> decode(const std::string &body, size_t step) {
  std::vector<std::string> units;
  Decoder d([&](std::string_view u) {
    units.emplace_back(u);
    return true;
  });
  for (size_t i = 0; i < body.size(); i += step) d.feed(std::string_view(body).substr(i, step));
  d.finish();
  return units;
}

} // namespace

TEST_CASE("SSE: events survive any split of the bytes", "[net][sse]") {
  const std::string body = ": OPENROUTER PROCESSING\n\n"
                           "data: {\"a\":\"caf\xc3\xa9 \xf0\x9f\x9a\x80\"}\n\n"
                           "event: ping\ndata: {\"type\": \"ping\"}\n\n"
                           "data:no-space\n\n"
                           "data: [DONE]\n\n";
  const std::vector<std::string> expected = {"{\"a\":\"caf\xc3\xa9 \xf0\x9f\x9a\x80\"}", "{\"type\": \"ping\"}",
                                             "no-space", "[DONE]"};
  for (size_t step = 1; step <= body.size(); ++step) {
    INFO("step " << step);
    CHECK(decode<SseDecoder>(body, step) == expected);
  }
}

TEST_CASE("SSE: CRLF and lone CR end lines, even split between CR and LF", "[net][sse]") {
  const std::string crlf = "data: {\"x\":1}\r\n\r\ndata: {\"x\":2}\r\n\r\n";
  const std::string cr = "data: one\r\rdata: two\r\r";
  for (size_t step = 1; step <= crlf.size(); ++step)
    CHECK(decode<SseDecoder>(crlf, step) == std::vector<std::string>{"{\"x\":1}", "{\"x\":2}"});
  for (size_t step = 1; step <= cr.size(); ++step)
    CHECK(decode<SseDecoder>(cr, step) == std::vector<std::string>{"one", "two"});
}

TEST_CASE("SSE: multi-line data is joined with LF; empty data is not dispatched", "[net][sse]") {
  CHECK(decode<SseDecoder>("data: a\ndata: b\n\nevent: x\n\nid: 3\n\n", 3) == std::vector<std::string>{"a\nb"});
  CHECK(decode<SseDecoder>("data\n\n", 1) == std::vector<std::string>{""});
}

TEST_CASE("SSE: an event cut before its blank line is discarded", "[net][sse]") {
  CHECK(decode<SseDecoder>("data: whole\n\ndata: {\"cut", 4) == std::vector<std::string>{"whole"});
  CHECK(decode<SseDecoder>("data: almost\n", 4).empty());
}

TEST_CASE("SSE: a sink that says stop stops the decoder", "[net][sse]") {
  int seen = 0;
  SseDecoder d([&](std::string_view) { return ++seen < 2; });
  CHECK_FALSE(d.feed("data: 1\n\ndata: 2\n\ndata: 3\n\n"));
  CHECK(seen == 2);
}

TEST_CASE("NDJSON: lines in any split, CRLF tolerated, last line without LF kept", "[net][ndjson]") {
  const std::string body = "{\"a\":1}\r\n\n{\"b\":\"\xc3\xa9\"}\n{\"done\":true}";
  for (size_t step = 1; step <= body.size(); ++step)
    CHECK(decode<NdjsonDecoder>(body, step) ==
          std::vector<std::string>{"{\"a\":1}", "{\"b\":\"\xc3\xa9\"}", "{\"done\":true}"});
}
