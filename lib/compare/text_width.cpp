#include "lib/compare/text_width.hpp"

#include <utf8proc.h>

namespace webox::compare {
namespace {

struct Grapheme {
  std::string bytes;
  size_t width = 0;
  bool space = false;
};

// Splits one line (no '\n') into graphemes with their widths.
std::vector<Grapheme> graphemes(std::string_view line) {
  std::vector<Grapheme> out;
  utf8proc_int32_t state = 0;
  utf8proc_int32_t previous = -1;
  size_t i = 0;
  while (i < line.size()) {
    utf8proc_int32_t cp = 0;
    auto n = utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t *>(line.data() + i),
                              static_cast<utf8proc_ssize_t>(line.size() - i), &cp);
    std::string bytes;
    if (n <= 0) { // invalid byte: show a replacement character
      cp = 0xFFFD;
      bytes = "\xEF\xBF\xBD";
      n = 1;
    } else {
      bytes.assign(line.data() + i, static_cast<size_t>(n));
    }
    if (cp == '\t') {
      cp = ' ';
      bytes = " ";
    }
    i += static_cast<size_t>(n);
    bool starts_new = previous < 0 || utf8proc_grapheme_break_stateful(previous, cp, &state);
    int w = utf8proc_charwidth(cp);
    if (cp < 0x20 || cp == 0x7F) w = 0; // control characters take no cell
    if (starts_new || out.empty()) {
      out.push_back({bytes, static_cast<size_t>(w > 0 ? w : 0), cp == ' '});
    } else {
      out.back().bytes += bytes;
      // An emoji sequence (ZWJ, variation selector 16) is as wide as its widest
      // part; a flag (two regional indicators) is drawn as one wide emoji.
      bool regional_indicator = cp >= 0x1F1E6 && cp <= 0x1F1FF;
      if (cp == 0xFE0F || regional_indicator) out.back().width = 2;
      else if (static_cast<size_t>(w > 0 ? w : 0) > out.back().width) out.back().width = static_cast<size_t>(w);
    }
    previous = cp;
  }
  return out;
}

void wrap_line(std::string_view line, size_t width, std::vector<std::string> &out) {
  std::vector<Grapheme> gs = graphemes(line);
  std::string current;
  size_t current_width = 0;
  auto flush = [&] { // a line never ends with the space it was broken at
    while (!current.empty() && current.back() == ' ') current.pop_back();
    out.push_back(current);
    current.clear();
    current_width = 0;
  };
  size_t i = 0;
  while (i < gs.size()) {
    // The next word (run of non-space graphemes) and its width.
    size_t j = i;
    size_t word_width = 0;
    while (j < gs.size() && !gs[j].space) word_width += gs[j++].width;
    if (current_width > 0 && current_width + word_width > width) flush();
    for (size_t k = i; k < j; ++k) { // a word longer than a line is cut
      if (current_width + gs[k].width > width && current_width > 0) flush();
      current += gs[k].bytes;
      current_width += gs[k].width;
    }
    i = j;
    while (i < gs.size() && gs[i].space) { // spaces: kept inside a line, dropped at a break
      if (current_width + 1 > width) {
        flush();
      } else if (current_width > 0) {
        current += ' ';
        ++current_width;
      }
      ++i;
    }
  }
  flush();
}

} // namespace

size_t display_width(std::string_view text) {
  size_t w = 0;
  for (const auto &g : graphemes(text)) w += g.width;
  return w;
}

std::vector<std::string> wrap(std::string_view text, size_t width) {
  if (width == 0) width = 1;
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t nl = text.find('\n', start);
    std::string_view line = text.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    wrap_line(line, width, out);
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  return out;
}

std::string pad_to(const std::string &text, size_t width) {
  size_t w = display_width(text);
  return w >= width ? text : text + std::string(width - w, ' ');
}

} // namespace webox::compare
