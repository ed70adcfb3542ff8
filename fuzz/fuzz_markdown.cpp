// Fuzzes the terminal Markdown renderer (lib/render/markdown*.cpp), which
// draws whatever a model streams back. The first byte picks the width, the
// color and the size of the pieces the rest is fed in. Properties: the
// streamed rendering equals the one-shot rendering; the output holds no
// control character but '\n' and the renderer's own SGR sequences
// (ESC [ digits/';' m); without color, no ESC at all.
#include <cstdlib>
#include <string>

#include "lib/render/markdown.hpp"

namespace {

void check_output(const std::string &out, bool color) {
  for (size_t i = 0; i < out.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(out[i]);
    if (c == '\n' || c >= 0x20) continue;
    if (c != 0x1b || !color) std::abort();
    if (i + 1 >= out.size() || out[i + 1] != '[') std::abort();
    size_t j = i + 2;
    while (j < out.size() && ((out[j] >= '0' && out[j] <= '9') || out[j] == ';')) ++j;
    if (j >= out.size() || out[j] != 'm') std::abort();
    i = j;
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  using namespace webox::render;
  if (size < 1) return 0;
  const MarkdownStyle style{static_cast<size_t>(1 + (data[0] & 0x3F) * 2), (data[0] & 0x40) != 0};
  const size_t piece = 1 + (data[0] >> 7) * 6;
  const std::string_view text(reinterpret_cast<const char *>(data) + 1, size - 1);
  const std::string whole = render_markdown(text, style);
  check_output(whole, style.color);
  MarkdownStream stream(style);
  std::string streamed;
  for (size_t i = 0; i < text.size(); i += piece) streamed += stream.feed(text.substr(i, piece));
  streamed += stream.finish();
  if (streamed != whole) std::abort();
  return 0;
}
